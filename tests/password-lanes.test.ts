import { BULK_HASH_LANES, bulkHashing, derivePasswordHash, hashPassword, hashPasswordInBulk, paramsOf } from '../src/auth/password';

const verifies = async (password: string, stored: string) => (await derivePasswordHash(password, paramsOf(stored))) === stored;

/**
 * Bulk hashing (user imports) shares libuv's pool with sign-ins: it runs in at most BULK_HASH_LANES of its threads at
 * once, so a sign-in's hash started behind a long import runs at once on a free thread, not after the import.
 */
describe('bulk password hashing lanes', () => {
  // scrypt at 2^14: fast enough for a unit test, slow enough (about 15–40 ms) that the lanes are seen working
  const COST = 14;

  it('runs at most BULK_HASH_LANES bulk hashes at once, however many are asked, and each hash is a real one', async () => {
    expect(BULK_HASH_LANES).toBeLessThan(4); // libuv's default pool: at least one thread stays free for sign-ins
    const peaks: number[] = [];
    let done = false;
    const bulk = Promise.all(Array.from({ length: 12 }, (_, i) => hashPasswordInBulk(`import-${i}`, COST))).finally(() => (done = true));
    while (!done) {
      peaks.push(bulkHashing().running);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const hashes = await bulk;
    expect(Math.max(...peaks)).toBe(BULK_HASH_LANES);
    expect(bulkHashing()).toEqual({ running: 0, waiting: 0 });
    expect(await verifies('import-3', hashes[3])).toBe(true);
    expect(await verifies('import-4', hashes[3])).toBe(false);
  });

  it('lets a sign-in’s hash started behind a queue of bulk hashes finish before the queue does', async () => {
    const order: string[] = [];
    const bulk = Array.from({ length: 4 * BULK_HASH_LANES }, (_, i) =>
      hashPasswordInBulk(`import-${i}`, COST).then(() => order.push(`bulk-${i}`)),
    );
    expect(bulkHashing().waiting).toBe(3 * BULK_HASH_LANES);
    const signIn = hashPassword('sign-in', COST).then(() => order.push('sign-in'));
    await Promise.all([...bulk, signIn]);
    // the queue takes four rounds of the lanes; the sign-in one round on a thread the lanes leave free
    expect(order.indexOf('sign-in')).toBeLessThan(order.length - BULK_HASH_LANES);
  });
});
