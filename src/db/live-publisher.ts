import { DataSource } from 'typeorm';
import { sideChannel } from './side-channel';

/**
 * Sends live-event payloads with NOTIFY once the transactions that caused them have committed, on the
 * side channel, in batches: whatever was queued while a batch was on its way goes in the next one, in
 * one statement. PostgreSQL serializes the commits of transactions that NOTIFY (a database-wide lock
 * on the notification queue, held through the commit's WAL flush): sent inside every mutation's
 * transaction, it made 32 concurrent score saves wait ~50 ms each for their COMMIT. Sent here, a
 * request's commit takes no such lock and one batch carries many requests' events.
 *
 * An event is sent only after its transaction committed (never for a rollback). A process that dies
 * between a commit and its batch loses those events, as a LISTEN connection that drops does: they
 * are hints to re-read, and a subscriber that reconnects re-reads everything (RESYNC).
 */
class LivePublisher {
  private queue: { channel: string; payload: string }[] = [];
  private running?: Promise<void>;

  constructor(private readonly dataSource: DataSource) {}

  send(channel: string, payloads: string[]): void {
    for (const payload of payloads) this.queue.push({ channel, payload });
    if (!this.running) this.running = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        // a bounded batch: NOTIFY's queue takes 8000 bytes an event, a statement need not take thousands
        const batch = this.queue.splice(0, 500);
        const sent = await this.notify(batch).then(
          () => true,
          () => false,
        );
        // one refused payload (too long for NOTIFY, say) fails its statement: the others go one by one
        if (!sent && batch.length > 1) for (const event of batch) await this.notify([event]).catch(() => undefined);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async notify(events: { channel: string; payload: string }[]): Promise<void> {
    try {
      await sideChannel(this.dataSource).query(
        `SELECT count(pg_notify(e.channel, e.payload))::int AS sent FROM unnest($1::text[], $2::text[]) AS e(channel, payload)`,
        [events.map((e) => e.channel), events.map((e) => e.payload)],
      );
    } catch (error) {
      if (events.length === 1) console.error(`[live] an event was not sent: ${(error as Error).message}`);
      throw error;
    }
  }

  /** Resolves once everything queued so far has been sent (or failed). */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }
}

const publishers = new WeakMap<DataSource, LivePublisher>();

/** Queues NOTIFY payloads on `channel`, to be sent in the process's next batch. Call after the cause committed. */
export function publishAfterCommit(dataSource: DataSource, channel: string, payloads: string[]): void {
  let publisher = publishers.get(dataSource);
  if (!publisher) publishers.set(dataSource, (publisher = new LivePublisher(dataSource)));
  publisher.send(channel, payloads);
}

/** Waits for the events queued on `dataSource` to be sent (before its side channel closes). */
export async function livePublished(dataSource: DataSource): Promise<void> {
  await publishers.get(dataSource)?.drained();
}
