import cronParser from 'cron-parser';
import { shanghaiCronInUtc } from '../src/jobs/worker';
import { moduleSweeps } from '../src/modules';

/** Sweep schedules are written in Asia/Shanghai and handed to pg-boss in UTC (src/jobs/worker.ts). */
describe('sweep schedules in UTC', () => {
  it('moves a fixed hour by eight and leaves every-hour schedules alone', () => {
    expect(shanghaiCronInUtc('40 2 * * *')).toBe('40 18 * * *');
    expect(shanghaiCronInUtc('40 3 * * *')).toBe('40 19 * * *');
    expect(shanghaiCronInUtc('0 8 * * *')).toBe('0 0 * * *');
    expect(shanghaiCronInUtc('0 23 * * *')).toBe('0 15 * * *');
    expect(shanghaiCronInUtc('* * * * *')).toBe('* * * * *');
    expect(shanghaiCronInUtc('*/10 * * * *')).toBe('*/10 * * * *');
    expect(shanghaiCronInUtc('5 */4 * * *')).toBe('5 */4 * * *');
  });

  it('refuses what would fall on other hours or days in UTC', () => {
    for (const cron of ['0 9 * * 1', '5 * 1 * *', '0 1-3 * * *', '0 1,13 * * *', '0 */5 * * *', '0 24 * * *', '* * * *']) {
      expect(() => shanghaiCronInUtc(cron)).toThrow(/sweep schedule/);
    }
  });

  it('fires every module sweep at the same instants as its schedule in Asia/Shanghai', () => {
    expect(moduleSweeps.length).toBeGreaterThan(5);
    const from = new Date('2026-03-01T00:00:00Z');
    for (const sweep of moduleSweeps) {
      const next = (cron: string, tz: string) => {
        const interval = cronParser.parseExpression(cron, { tz, currentDate: from });
        return Array.from({ length: 30 }, () => interval.next().toDate().toISOString());
      };
      expect(next(shanghaiCronInUtc(sweep.schedule), 'UTC')).toEqual(next(sweep.schedule, 'Asia/Shanghai'));
    }
  });
});
