import { createHmac, timingSafeEqual } from 'node:crypto';
import { Config } from '../../config';
import { fileError } from './file.errors';

/**
 * Signed download links: `/files/<id>?link=<payload>.<mac>`, usable in an `<a href>` without the
 * Authorization header. The payload names the tenant, the user, the expiry and the user's session epoch;
 * the HMAC-SHA256 (keyed with `config.fileLinkKey`, derived from the server's JWT key) covers them and
 * the file's id, so a link opens one file, for one user, for a few minutes, and dies with the session
 * that made it (a sign-out everywhere, a password change or reset raise the epoch, as for tokens). A
 * download through a link is still checked against that user's visibility of the file at the moment it
 * is used.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface LinkHolder {
  tenantId: string;
  userId: string;
  /** The user's session epoch when the link was made (absent: a link bound to no session). */
  gen?: number;
}

function mac(config: Config, holder: LinkHolder, fileId: string, expires: number): Buffer {
  const text = `file-link:v1\n${holder.tenantId}\n${holder.userId}\n${fileId}\n${expires}`;
  return createHmac('sha256', config.fileLinkKey)
    .update(holder.gen === undefined ? text : `${text}\n${holder.gen}`)
    .digest();
}

/** A link token for `fileId` (the raw id), valid for `config.fileLinkTtlSeconds`. */
export function signFileLink(config: Config, holder: LinkHolder, fileId: string, now = Date.now()): { token: string; expiresAt: Date } {
  // rounded up: a link lasts at least its TTL (a second made late in a second would otherwise lose most of it)
  const expires = Math.ceil(now / 1000) + config.fileLinkTtlSeconds;
  const fields =
    holder.gen === undefined ? [holder.tenantId, holder.userId, expires] : [holder.tenantId, holder.userId, expires, holder.gen];
  const payload = Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
  return { token: `${payload}.${mac(config, holder, fileId, expires).toString('base64url')}`, expiresAt: new Date(expires * 1000) };
}

/** The holder of a link token for `fileId`; FILE_LINK_INVALID when forged, altered or for another file, FILE_LINK_EXPIRED. */
export function verifyFileLink(config: Config, token: string, fileId: string, now = Date.now()): LinkHolder {
  const invalid = () => fileError('FILE_LINK_INVALID', 'link');
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length || token.length > 400) throw invalid();
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(fields) || (fields.length !== 3 && fields.length !== 4)) throw invalid();
  const [tenantId, userId, expires, gen] = fields as unknown[];
  if (typeof tenantId !== 'string' || typeof userId !== 'string' || !UUID.test(tenantId) || !UUID.test(userId)) throw invalid();
  if (typeof expires !== 'number' || !Number.isSafeInteger(expires)) throw invalid();
  if (fields.length === 4 && (typeof gen !== 'number' || !Number.isSafeInteger(gen))) throw invalid();
  const holder: LinkHolder = fields.length === 4 ? { tenantId, userId, gen: gen as number } : { tenantId, userId };
  const expected = mac(config, holder, fileId, expires);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  if (expires * 1000 <= now) throw fileError('FILE_LINK_EXPIRED', 'link');
  return holder;
}
