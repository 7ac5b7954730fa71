import jwt from 'jsonwebtoken';
import { Config } from '../config';
import { unauthenticated } from '../graphql/errors';

export interface AccessClaims {
  sub: string;
  /** Tenant id; absent for a platform operator. */
  tid?: string;
  kind: 'user' | 'operator';
}

export function signAccessToken(config: Config, claims: AccessClaims): { token: string; expiresAt: Date } {
  const token = jwt.sign({ tid: claims.tid, kind: claims.kind }, config.jwt.signingKey, {
    algorithm: config.jwt.algorithm,
    subject: claims.sub,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    expiresIn: config.accessTokenTtlSeconds,
  });
  const { exp } = jwt.decode(token) as { exp: number };
  return { token, expiresAt: new Date(exp * 1000) };
}

/**
 * Verifies with the configured algorithm only (no `none`, no HS/RS confusion), and checks issuer,
 * audience, expiry and not-before. Any failure is the same UNAUTHENTICATED error.
 */
export function verifyAccessToken(config: Config, token: string): AccessClaims {
  let payload: jwt.JwtPayload;
  try {
    const decoded = jwt.verify(token, config.jwt.verifyKey, {
      algorithms: [config.jwt.algorithm],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      clockTolerance: 5,
    });
    if (typeof decoded === 'string') throw new Error('string payload');
    payload = decoded;
  } catch {
    throw unauthenticated('TOKEN_INVALID');
  }
  const kind = payload.kind;
  if (typeof payload.sub !== 'string' || (kind !== 'user' && kind !== 'operator')) throw unauthenticated('TOKEN_INVALID');
  if (kind === 'user' && typeof payload.tid !== 'string') throw unauthenticated('TOKEN_INVALID');
  return { sub: payload.sub, tid: payload.tid as string | undefined, kind };
}
