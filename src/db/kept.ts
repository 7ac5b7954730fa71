/**
 * What a process keeps between requests: reads that cannot change under their key (a published
 * version's rule and criteria, a scored evaluation under its `version`), keyed by tenant. Bounded: a
 * read makes an entry the most recently used, and past `max` entries the least recently used goes.
 * Fill one only from a transaction that had written nothing when it read (`WROTE_NOTHING_SQL`
 * selected beside the rows): what it saw is committed.
 */
export class Kept<V> {
  private readonly entries = new Map<string, V>();
  /** Keys offered once and not kept yet (with `secondSight`): at most `max` × 4, oldest first out. */
  private readonly seen?: Kept<true>;

  /**
   * `secondSight`: an entry is kept only when offered a second time while its key is still
   * remembered, so a scan of things read once (an export, a crawl, a long list paged through) never
   * pushes out what is read again and again, nor makes the process allocate and drop an entry per read.
   */
  constructor(
    private readonly max: number,
    options: { secondSight?: boolean } = {},
  ) {
    if (options.secondSight) this.seen = new Kept<true>(max * 4);
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) this.touch(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (this.seen && !this.entries.has(key) && !this.seen.get(key)) {
      this.seen.set(key, true);
      return;
    }
    this.touch(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private touch(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** Selected beside the rows a process may keep: true when the reading transaction had written nothing yet. */
export const WROTE_NOTHING_SQL = 'pg_current_xact_id_if_assigned() IS NULL';
