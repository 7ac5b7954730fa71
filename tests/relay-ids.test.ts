import { cursorValue, decodeGlobalId, toGlobalId } from '../src/graphql/relay';

describe('global ids', () => {
  const uuid = '0f1670a3-6f5b-460b-9f26-276bab148ef6';

  it('decode to their type and id, the shortest and the longest alike, again and again', () => {
    const shortest = toGlobalId('X', uuid);
    expect(shortest).toHaveLength(51);
    for (let i = 0; i < 3; i++) {
      expect(decodeGlobalId(shortest)).toEqual({ type: 'X', id: uuid });
      expect(decodeGlobalId(toGlobalId('Criterion', uuid))).toEqual({ type: 'Criterion', id: uuid });
      expect(decodeGlobalId(toGlobalId('T'.repeat(110), uuid))).toEqual({ type: 'T'.repeat(110), id: uuid });
    }
  });

  it('refuse, every time, what is not one of ours', () => {
    const notOurs = [
      '',
      '台帐-S1-3',
      shortest50(),
      toGlobalId('Criterion', uuid.toUpperCase()),
      toGlobalId('', uuid),
      toGlobalId('Criterion', `${uuid}x`),
      Buffer.from(`Criterion${uuid}`).toString('base64url'),
      toGlobalId('T'.repeat(200), uuid), // over 200 characters
    ];
    for (let i = 0; i < 2; i++) expect(notOurs.map((s) => decodeGlobalId(s))).toEqual(notOurs.map(() => undefined));
    expect(decodeGlobalId(42 as unknown as string)).toBeUndefined();
  });

  it('hands out answers nobody can change for the next caller', () => {
    const id = toGlobalId('Org', uuid);
    const first = decodeGlobalId(id)!;
    expect(() => Object.assign(first, { type: 'Tenant' })).toThrow(TypeError);
    expect(decodeGlobalId(id)).toEqual({ type: 'Org', id: uuid });
  });

  /** 50 characters of valid base64url that decode to 37 bytes: one short of the shortest id. */
  function shortest50() {
    const s = Buffer.from(`X:${uuid}`.slice(0, 37)).toString('base64url');
    expect(s).toHaveLength(50);
    return s;
  }
});

describe('cursor values', () => {
  it('takes what PostgreSQL prints for each type a cursor is cast to', () => {
    const printed: [Parameters<typeof cursorValue>[0], unknown][] = [
      ['uuid', '0f1670a3-6f5b-460b-9f26-276bab148ef6'],
      ['date', '2013-12-25'],
      ['date', '2024-02-29'],
      ['date', 'infinity'],
      ['timestamptz', '2013-12-25 08:30:00+08'],
      ['timestamptz', '2013-12-25 08:30:00.123456+05:30'],
      ['timestamptz', '2013-12-25 08:30:00.123-03:30:15'],
      ['text', 'a/b'],
      ['smallint', '32767'],
      ['int', '-2147483648'],
      ['bigint', '9223372036854775807'],
      ['numeric', '66.6666666666666667'],
      ['numeric', '-Infinity'],
      ['numeric', 87.5],
      ['smallint', 3],
      ['bool', 'true'],
    ];
    for (const [type, value] of printed) expect([type, cursorValue(type, value)]).toEqual([type, String(value)]);
  });

  it('refuses what the cast would refuse or no page makes', () => {
    const crafted: [Parameters<typeof cursorValue>[0], unknown][] = [
      ['uuid', '0F1670A3-6F5B-460B-9F26-276BAB148EF6x'],
      ['uuid', 42],
      ['date', '2023-02-29'],
      ['date', '2013-12-25T00:00:00.000Z'],
      ['date', 20131225],
      ['timestamptz', '2013-12-25 24:00:00+08'],
      ['timestamptz', '2013-12-25 08:30:00+16'],
      ['timestamptz', 'yesterday'],
      ['text', 'nul\u0000'],
      ['text', 'x'.repeat(4001)],
      ['text', 42],
      ['text', { a: 1 }],
      ['smallint', '32768'],
      ['int', 2 ** 40],
      ['int', 1.5],
      ['bigint', '9223372036854775808'],
      ['numeric', '1e400'],
      ['numeric', '9'.repeat(1001)],
      ['numeric', 'NaN'],
      ['numeric', Infinity],
      ['bool', 'yes'],
      ['int', null],
    ];
    for (const [type, value] of crafted) expect([type, value, cursorValue(type, value)]).toEqual([type, value, null]);
  });
});
