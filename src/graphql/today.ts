/** The zone dates are judged in when a tenant has not chosen one (its settings' default too). */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * Today (YYYY-MM-DD) in the request's tenant's time zone, read with the viewer (no round trip).
 * Every "today" of a request path (a date in the future, overdue, in force, progress as of now) is
 * this one, never the UTC date: from 16:00 UTC on that is still yesterday in Beijing.
 */
export function todayOf(ctx: { timeZone?: string }, at: Date = new Date()): string {
  const zone = ctx.timeZone ?? DEFAULT_TIME_ZONE;
  let format = formats.get(zone);
  if (!format) {
    // en-CA writes dates as YYYY-MM-DD
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(zone, format);
  }
  return format.format(at);
}

/** The request's tenant's time zone in SQL (the tenant set for the transaction; the default when it chose none). */
export const TENANT_ZONE_SQL = `coalesce((SELECT t.settings->>'timezone' FROM tenants t WHERE t.id = app_tenant_id()), '${DEFAULT_TIME_ZONE}')`;

/** Today in the request's tenant's time zone, in SQL: the same day as `todayOf` (a one-row init plan, not per row). */
export const TENANT_TODAY_SQL = `(now() AT TIME ZONE ${TENANT_ZONE_SQL})::date`;

/** The tenant's year of `today` (YYYY-MM-DD in the tenant's zone) and its first day, for `inTenantYearSql`. */
export function yearOf(today: string): { year: number; start: string } {
  const year = Number(today.slice(0, 4));
  return { year, start: `${year}-01-01` };
}

/**
 * SQL: `column` (a timestamptz) falls on or after the first day `param` (`yearOf(…).start`) in the tenant's zone, i.e.
 * in the tenant's year for rows never written in the future: what a cap "a year" counts.
 */
export const inTenantYearSql = (column: string, param: string): string =>
  `${column} >= (${param}::date)::timestamp AT TIME ZONE ${TENANT_ZONE_SQL}`;
