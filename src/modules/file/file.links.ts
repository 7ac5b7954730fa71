import { createHmac, timingSafeEqual } from 'node:crypto';
import { Config } from '../../config';
import { fileError } from './file.errors';

/**
 * Signed download links: `/files/<id>?link=<payload>.<mac>`, usable in an `<a href>` without the
 * Authorization header. The payload names the tenant, the user and the expiry; the HMAC-SHA256 (keyed
 * with `config.fileLinkKey`, derived from the server's JWT key) covers them and the file's id, so a
 * link opens one file, for one user, for a few minutes. A download through a link is still checked
 * against that user's visibility of the file at the moment it is used.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface LinkHolder {
  tenantId: string;
  userId: string;
}

function mac(config: Config, holder: LinkHolder, fileId: string, expires: number): Buffer {
  return createHmac('sha256', config.fileLinkKey)
    .update(`file-link:v1\n${holder.tenantId}\n${holder.userId}\n${fileId}\n${expires}`)
    .digest();
}

/** A link token for `fileId` (the raw id), valid for `config.fileLinkTtlSeconds`. */
export function signFileLink(config: Config, holder: LinkHolder, fileId: string, now = Date.now()): { token: string; expiresAt: Date } {
  // rounded up: a link lasts at least its TTL (a second made late in a second would otherwise lose most of it)
  const expires = Math.ceil(now / 1000) + config.fileLinkTtlSeconds;
  const payload = Buffer.from(JSON.stringify([holder.tenantId, holder.userId, expires]), 'utf8').toString('base64url');
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
  if (!Array.isArray(fields) || fields.length !== 3) throw invalid();
  const [tenantId, userId, expires] = fields as unknown[];
  if (typeof tenantId !== 'string' || typeof userId !== 'string' || !UUID.test(tenantId) || !UUID.test(userId)) throw invalid();
  if (typeof expires !== 'number' || !Number.isSafeInteger(expires)) throw invalid();
  const expected = mac(config, { tenantId, userId }, fileId, expires);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  if (expires * 1000 <= now) throw fileError('FILE_LINK_EXPIRED', 'link');
  return { tenantId, userId };
}
