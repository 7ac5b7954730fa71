/** Gives a slot back; calling it again does nothing. */
export type Release = () => void;

/**
 * A counting semaphore, the one way this process bounds heavy work done at once (uploads streaming in,
 * year archives, exports and documents, live subscriptions' re-reads): at most `size` holders, the others
 * wait in order.
 */
export interface Slots {
  /** Slots taken and requests waiting for one: 0 when the semaphore is unused. */
  readonly load: number;
  /** Requests waiting for a slot. */
  readonly waiting: number;
  /** A slot's release once one is free (waits however many wait before it). */
  acquire(): Promise<Release>;
  /**
   * Like `acquire`, but decided at once: null (nothing taken) when no slot is free and `maxWaiting`
   * requests already wait; 0 refuses whenever every slot is taken.
   */
  tryAcquire(maxWaiting: number): Promise<Release> | null;
  /** Runs `work` in a slot, given back however it ends. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function slots(size: number): Slots {
  let free = size;
  const queue: (() => void)[] = [];
  const give = () => {
    const next = queue.shift();
    if (next) next();
    else free++;
  };
  const released = (): Release => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      give();
    };
  };
  const take = async (): Promise<Release> => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => queue.push(resolve));
    return released();
  };
  return {
    get load() {
      return size - free + queue.length;
    },
    get waiting() {
      return queue.length;
    },
    acquire: take,
    tryAcquire(maxWaiting) {
      if (free <= 0 && queue.length >= maxWaiting) return null;
      return take();
    },
    async run(work) {
      const release = await take();
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

/**
 * A semaphore of `size` per key (a user's turns): each key's own `Slots`, kept only while the key holds
 * or waits for one.
 */
export function keyedSlots(size: number) {
  const byKey = new Map<string, Slots>();
  const held =
    (key: string, turns: Slots, release: Release): Release =>
    () => {
      release();
      if (turns.load === 0 && byKey.get(key) === turns) byKey.delete(key);
    };
  const turnsOf = (key: string) => {
    let turns = byKey.get(key);
    if (!turns) byKey.set(key, (turns = slots(size)));
    return turns;
  };
  return {
    /** Keys holding or waiting for a slot. */
    get keys(): number {
      return byKey.size;
    },
    async acquire(key: string): Promise<Release> {
      const turns = turnsOf(key);
      return held(key, turns, await turns.acquire());
    },
    /** The key's slot at once, or null (nothing taken) past `maxWaiting` of the key's requests waiting. */
    tryAcquire(key: string, maxWaiting: number): Promise<Release> | null {
      const turns = turnsOf(key);
      // refused only while the key holds its slots, so its entry stays for them
      return turns.tryAcquire(maxWaiting)?.then((release) => held(key, turns, release)) ?? null;
    },
  };
}

/**
 * Places taken one after another (a user's turn, then its tenant's, then one of the process's slots), each
 * decided at once by its `take` (null: refused): the release of them all, or the first refusal's error with
 * the places already taken given back.
 */
export async function takeInOrder(steps: { take: () => Promise<Release> | null; refused: () => Error }[]): Promise<Release> {
  const taken: Release[] = [];
  const releaseAll = () => [...taken].reverse().forEach((release) => release());
  for (const step of steps) {
    const taking = step.take();
    if (!taking) {
      releaseAll();
      throw step.refused();
    }
    taken.push(await taking);
  }
  return releaseAll;
}
