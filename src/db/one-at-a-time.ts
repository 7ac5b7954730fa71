/**
 * Calls of `run` one at a time, each after the one before has settled (a failure does not stop the
 * next): a pg client takes one query at a time (pg 8 warns of a second while one runs; pg 9 refuses it).
 */
export function oneAtATime<A extends unknown[], R>(run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (...args: A) => {
    const next = last.then(() => run(...args));
    last = next.catch(() => undefined);
    return next;
  };
}
