import { decodeGlobalId, toGlobalId } from '../src/graphql/relay';

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
