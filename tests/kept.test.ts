import { Kept } from '../src/db/kept';

describe('what a process keeps (Kept)', () => {
  it('drops the least recently used past its bound', () => {
    const kept = new Kept<number>(2);
    kept.set('a', 1);
    kept.set('b', 2);
    expect(kept.get('a')).toBe(1); // a is now the most recent
    kept.set('c', 3);
    expect([kept.get('a'), kept.get('b'), kept.get('c')]).toEqual([1, undefined, 3]);
  });

  it('with second sight keeps an entry only when offered twice, so a scan of one-time reads keeps nothing', () => {
    const kept = new Kept<number>(2, { secondSight: true });
    kept.set('hot', 1);
    expect(kept.get('hot')).toBeUndefined();
    kept.set('hot', 1);
    expect(kept.get('hot')).toBe(1);
    // a scan of 100 keys read once each: nothing kept, and the hot entry stays
    for (let i = 0; i < 100; i++) kept.set(`scan-${i}`, i);
    for (let i = 0; i < 100; i++) expect(kept.get(`scan-${i}`)).toBeUndefined();
    expect(kept.get('hot')).toBe(1);
    // a key offered again long after (forgotten past 4 × the bound) starts over
    kept.set('late', 7);
    for (let i = 0; i < 8; i++) kept.set(`other-${i}`, i);
    kept.set('late', 7);
    expect(kept.get('late')).toBeUndefined();
    kept.set('late', 7);
    expect(kept.get('late')).toBe(7);
    // a kept entry is replaced at once (a new value under a kept key)
    kept.set('late', 8);
    expect(kept.get('late')).toBe(8);
  });
});
