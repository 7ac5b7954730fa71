/**
 * At most one run of `work` per key at a time in this process: a caller that finds one running (another
 * alias of the same request, or a concurrent request) awaits that run's result instead of starting its own.
 * A key is free again once its run settles, so the next caller after it runs afresh.
 */
export function singleFlight<T>(): (key: string, work: () => Promise<T>) => Promise<T> {
  const running = new Map<string, Promise<T>>();
  return (key, work) => {
    const current = running.get(key);
    if (current) return current;
    const run = (async () => {
      try {
        return await work();
      } finally {
        running.delete(key);
      }
    })();
    running.set(key, run);
    return run;
  };
}
