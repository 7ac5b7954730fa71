import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { promisify } from 'node:util';
import { slots } from '../graphql/slots';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

// scrypt (memory-hard, in Node's own crypto: no native add-on to build). N=2^15 (PASSWORD_SCRYPT_COST
// 15, the least production accepts) costs ~32 MiB and tens of milliseconds per hash, which is the point.
const r = 8;
const p = 1;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;

/** A new hash at cost 2^`cost` (config.passwordScryptCost); verification reads the cost from the stored hash. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const N = 2 ** cost;
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, KEYLEN, { N, r, p, maxmem: MAXMEM });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * Hashes of bulk work (a user import: a file's thousands of initial passwords, or a job's hundreds of thousands) run
 * at most BULK_HASH_LANES at once in this process, however many imports run: scrypt runs on libuv's pool (4 threads
 * unless UV_THREADPOOL_SIZE says otherwise), which sign-ins, password changes and file reads share, and they always
 * find the other threads free.
 */
export const BULK_HASH_LANES = 2;
const bulkLanes = slots(BULK_HASH_LANES);

/** `hashPassword` in one of the bulk lanes (waits for one). */
export function hashPasswordInBulk(password: string, cost: number): Promise<string> {
  return bulkLanes.run(() => hashPassword(password, cost));
}

/** Bulk hashes running now (never more than BULK_HASH_LANES) and waiting for a lane. */
export function bulkHashing(): { running: number; waiting: number } {
  return { running: bulkLanes.load - bulkLanes.waiting, waiting: bulkLanes.waiting };
}

/** A hash to verify against when the account does not exist, so both paths cost what a new hash costs. */
const dummies = new Map<number, Promise<string>>();
export function dummyHash(cost: number): Promise<string> {
  let dummy = dummies.get(cost);
  if (!dummy) dummies.set(cost, (dummy = hashPassword(randomBytes(12).toString('hex'), cost)));
  return dummy;
}

/**
 * The non-secret part of a stored hash: `scrypt$N$r$p$salt` and the key's length in bytes. The database
 * answers this (app_password_params) instead of the hash; `derivePasswordHash` then builds the string
 * the stored one must equal, which the database compares (app_password_check).
 */
export interface PasswordParams {
  params: string;
  keyLength: number;
}

export function paramsOf(stored: string): PasswordParams {
  const cut = stored.lastIndexOf('$');
  return { params: stored.slice(0, cut), keyLength: Math.floor(((stored.length - cut - 1) * 3) / 4) };
}

/** The full `scrypt$N$r$p$salt$key` string for a candidate password under stored parameters. */
export async function derivePasswordHash(password: string, stored: PasswordParams): Promise<string> {
  const parts = stored.params.split('$');
  if (parts.length !== 5 || parts[0] !== 'scrypt' || !(stored.keyLength > 0 && stored.keyLength <= 128)) return '';
  const [, n, rr, pp, salt] = parts;
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), stored.keyLength, {
    N: Number(n),
    r: Number(rr),
    p: Number(pp),
    maxmem: MAXMEM,
  });
  return `${stored.params}$${key.toString('base64url')}`;
}
