/**
 * What a test file started and has not closed yet. Each test file has its own module registry, so this is
 * per file. On a loaded machine a `beforeAll` can time out while its server is still starting; the server
 * then comes up after the file's `afterAll` ran, nobody closes it, its pool and HTTP server keep the jest
 * worker alive ("A worker process has failed to exit gracefully") and its database stays behind.
 * tests/helpers/close-leftovers.ts closes them when the file ends.
 */
const starting = new Set<Promise<unknown>>();
const open = new Set<{ close(): Promise<void> }>();

/** Registers a start in progress, so that the end of the file waits for it. */
export function trackStart<T>(start: Promise<T>): Promise<T> {
  starting.add(start);
  const done = () => starting.delete(start);
  start.then(done, done);
  return start;
}

/** Registers something to close at the end of the file; returns the function that unregisters it. */
export function trackOpen(resource: { close(): Promise<void> }): () => void {
  open.add(resource);
  return () => open.delete(resource);
}

/** Waits for starts in progress, then closes whatever is still open; how many there were. */
export async function closeLeftovers(): Promise<number> {
  await Promise.allSettled([...starting]);
  const left = [...open];
  await Promise.allSettled(left.map((resource) => resource.close()));
  return left.length;
}
