/** `date` (YYYY-MM-DD) moved by `days`. */
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

/** Today (UTC) moved by `offset` days, as YYYY-MM-DD. */
export const day = (offset: number): string => new Date(Date.now() + offset * 86400_000).toISOString().slice(0, 10);
