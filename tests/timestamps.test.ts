import { Client } from 'pg';
import { parseDate, parseTimestamptz } from '../src/db/timestamps';
import { clusterUrl } from './helpers/test-database';

/** Same answer as postgres-date: the same instant, or the same non-date (Infinity, null). */
const same = (text: string) => {
  const ours = parseTimestamptz(text);
  const theirs = parseDate(text);
  return ours instanceof Date && theirs instanceof Date
    ? Object.is(ours.getTime(), theirs.getTime())
    : Object.is(ours, theirs) || (ours === null && theirs === null);
};

describe('timestamptz as pg reads it', () => {
  it('agrees with postgres-date on the forms PostgreSQL prints and on everything around them', () => {
    const cases = [
      '2026-12-06 07:23:05.123456+00',
      '2026-12-06 07:23:05+00',
      '2026-12-06 07:23:05.1+00',
      '2026-12-06 07:23:05.29+00', // 1000 × 0.29 is not 290 in binary: both must truncate alike
      '2026-12-06 07:23:05.999999+00',
      '2026-12-06 15:23:05.5+08',
      '2026-12-06 02:23:05-05',
      '1970-01-01 05:30:00+05:30',
      '1890-03-01 00:00:00+08:05:43', // local mean time offsets have seconds
      '2026-12-06 07:23:05.123456-09:30',
      '0099-01-01 00:00:00+00', // years before 100 fall back
      '0001-01-01 00:00:00+00 BC',
      '12026-01-01 00:00:00+00',
      'infinity',
      '-infinity',
      '2026-12-06T07:23:05+00', // ISO with T: not PostgreSQL's form, fall back
      '2026-12-06 07:23:05.+00',
      '2026-12-06 07:23:05+0',
      '2026-12-06 07:23:05+00:3',
      '2026-12-06 07:23:05+ab',
      '2026-12-06 07:23:05+05:ab',
      '2026-12-06 07:23:05+05:30:ab',
      '2026-12-06 07:23:05 Z',
      '2026-02-30 07:23:05+00',
      '2026-12-06 07:23',
      '',
    ];
    expect(cases.filter((c) => !same(c))).toEqual([]);

    // and on random instants of the form, in random zones, with fractions of every length
    let seed = 1;
    const rnd = (k: number) => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return Math.floor((seed / 2 ** 32) * k);
    };
    const pad = (v: number, w: number) => String(v).padStart(w, '0');
    const misses: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const date = `${pad(100 + rnd(9900), 4)}-${pad(1 + rnd(12), 2)}-${pad(1 + rnd(28), 2)}`;
      const time = `${pad(rnd(24), 2)}:${pad(rnd(60), 2)}:${pad(rnd(60), 2)}`;
      const fraction = rnd(3)
        ? `.${String(rnd(1_000_000))
            .padStart(6, '0')
            .slice(0, 1 + rnd(6))}`
        : '';
      const zone = [
        `+00`,
        `${rnd(2) ? '+' : '-'}${pad(rnd(15), 2)}`,
        `+${pad(rnd(15), 2)}:${pad(rnd(60), 2)}`,
        `-${pad(rnd(15), 2)}:${pad(rnd(60), 2)}:${pad(rnd(60), 2)}`,
      ][rnd(4)];
      const text = `${date} ${time}${fraction}${zone}`;
      if (!same(text)) misses.push(text);
    }
    expect(misses).toEqual([]);
  });

  it('reads what PostgreSQL sends, in UTC and in other zones, as the instant it is', async () => {
    const client = new Client({ connectionString: clusterUrl('postgres') });
    await client.connect();
    try {
      for (const zone of ['UTC', 'Asia/Shanghai', 'America/St_Johns', 'Asia/Kolkata']) {
        await client.query(`SET TimeZone = '${zone}'`);
        const { rows } = await client.query<{ text: string; epoch: string }>(
          `SELECT t::text AS text, (extract(epoch FROM t) * 1000000)::bigint::text AS epoch
             FROM (VALUES (now()), ('2026-12-06 07:23:05.123456+00'::timestamptz), ('1900-01-01 00:00:00+00'::timestamptz),
                          ('2000-02-29 23:59:59.999999+00'::timestamptz)) v(t)`,
        );
        for (const { text, epoch } of rows) {
          const parsed = parseTimestamptz(text) as Date;
          expect(parsed.getTime()).toBe(Math.floor(Number(epoch) / 1000));
          expect(same(text)).toBe(true);
        }
      }
    } finally {
      await client.end();
    }
  });
});
