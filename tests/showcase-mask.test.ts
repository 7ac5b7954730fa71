import { maskContacts } from '../src/modules/showcase/showcase.sources';

/**
 * maskContacts, the second wall in front of the public showcase: each form of contact data it is meant to
 * hide is hidden, what merely looks like numbers is kept, and hostile text (long runs the patterns once
 * backtracked over) is masked the same way.
 */
const MASK = '[联系方式已隐去]';

describe('maskContacts', () => {
  it.each([
    ['手机13912345678', `手机${MASK}`],
    ['电话：+86 139 1234 5678。', `电话：${MASK}。`],
    ['座机0311-87654321转', `座机${MASK}转`],
    ['座机(010)62345678-123', `座机${MASK}`],
    ['邮箱wang.shifu@example.com，', `邮箱${MASK}，`],
    ['写信给 a.b+c@mail.example.com.cn 即可', `写信给 ${MASK} 即可`],
    ['身份证130102199001011234。', `身份证${MASK}。`],
    ['身份证13010219900101123X', `身份证${MASK}`],
    ['微信：wx_zhang-88', `微信：${MASK}`],
    ['QQ  12345678', `QQ  ${MASK}`],
  ])('masks %s', (text, shown) => {
    expect(maskContacts(text)).toBe(shown);
  });

  it('keeps what is no contact: dates, counts, years, a bare short number', () => {
    const text = '2024年12月25日，32名党员参加，服务4小时，编号12345。';
    expect(maskContacts(text)).toBe(text);
  });

  it('masks contacts standing among long runs of spaces and word characters', () => {
    const spaces = ' '.repeat(50_000);
    const word = 'a'.repeat(50_000);
    const text = `${spaces}电话:${spaces}x ${word} 手机13912345678 ${word}@ wang@example.com`;
    const out = maskContacts(text);
    expect(out).not.toContain('13912345678');
    expect(out).not.toContain('wang@example.com');
    expect(out.split(MASK)).toHaveLength(3);
  });
});
