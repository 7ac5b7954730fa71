import jwt from 'jsonwebtoken';
import { Config } from '../config';
import { unauthenticated } from '../graphql/errors';

export interface AccessClaims {
  sub: string;
  /** Tenant id; absent for a platform operator. */
  tid?: string;
  kind: 'user' | 'operator';
  /** The user's session epoch when issued: "sign out everywhere" raises it, and older tokens die. */
  gen?: number;
}

export function signAccessToken(config: Config, claims: AccessClaims): { token: string; expiresAt: Date } {
  const token = jwt.sign({ tid: claims.tid, kind: claims.kind, gen: claims.gen }, config.jwt.signingKey, {
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
  const gen = typeof payload.gen === 'number' ? payload.gen : 0;
  return { sub: payload.sub, tid: payload.tid as string | undefined, kind, gen };
}

/** The step of a sign-in a challenge token admits (the order: second factor, then a password change). */
export type ChallengeStage = 'TOTP' | 'TOTP_ENROLMENT' | 'PASSWORD_CHANGE';

export interface ChallengeClaims {
  sub: string;
  tid: string;
  stage: ChallengeStage;
  gen: number;
}

/** Seconds a challenge token lives: one step of a sign-in, not a session. */
export const CHALLENGE_TTL_SECONDS = 300;

/**
 * A challenge token is a JWT of its own audience (`<audience>#sign-in`): it can never pass as an access
 * token (verifyAccessToken checks the audience) nor an access token as one. It binds the user, the
 * tenant, the step and the session epoch (a reset or "sign out everywhere" voids it).
 */
export function signChallengeToken(config: Config, claims: ChallengeClaims): { token: string; expiresAt: Date } {
  const token = jwt.sign({ tid: claims.tid, stage: claims.stage, gen: claims.gen }, config.jwt.signingKey, {
    algorithm: config.jwt.algorithm,
    subject: claims.sub,
    issuer: config.jwtIssuer,
    audience: `${config.jwtAudience}#sign-in`,
    expiresIn: CHALLENGE_TTL_SECONDS,
  });
  const { exp } = jwt.decode(token) as { exp: number };
  return { token, expiresAt: new Date(exp * 1000) };
}

/** The claims of a valid challenge token, or undefined (expired, forged, another audience, malformed). */
export function verifyChallengeToken(config: Config, token: string): ChallengeClaims | undefined {
  try {
    const p = jwt.verify(token, config.jwt.verifyKey, {
      algorithms: [config.jwt.algorithm],
      issuer: config.jwtIssuer,
      audience: `${config.jwtAudience}#sign-in`,
      clockTolerance: 5,
    });
    if (typeof p === 'string' || typeof p.sub !== 'string' || typeof p.tid !== 'string' || typeof p.gen !== 'number') return undefined;
    if (p.stage !== 'TOTP' && p.stage !== 'TOTP_ENROLMENT' && p.stage !== 'PASSWORD_CHANGE') return undefined;
    return { sub: p.sub, tid: p.tid, stage: p.stage, gen: p.gen };
  } catch {
    return undefined;
  }
}
