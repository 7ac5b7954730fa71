/** `date` (YYYY-MM-DD) moved by `days`. */
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

/**
 * Today where the tenants are (Asia/Shanghai, UTC+8 all year: the demo's and the default time zone)
 * moved by `offset` days, as YYYY-MM-DD. Never the UTC date: from 16:00 UTC on it is a day behind the
 * server's "today", and a notice window starting "today" would be refused as already past.
 */
export const day = (offset: number): string => new Date(Date.now() + 8 * 3600_000 + offset * 86400_000).toISOString().slice(0, 10);
