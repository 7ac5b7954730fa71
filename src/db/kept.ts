/**
 * What a process keeps between requests: reads that cannot change under their key (a published
 * version's rule and criteria, a scored evaluation under its `version`), keyed by tenant. Bounded: a
 * read makes an entry the most recently used, and past `max` entries the least recently used goes.
 * Fill one only from a transaction that had written nothing when it read (`WROTE_NOTHING_SQL`
 * selected beside the rows): what it saw is committed.
 */
export class Kept<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) this.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** Selected beside the rows a process may keep: true when the reading transaction had written nothing yet. */
export const WROTE_NOTHING_SQL = 'pg_current_xact_id_if_assigned() IS NULL';
