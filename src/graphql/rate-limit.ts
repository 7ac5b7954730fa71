import { ApolloServerPlugin } from '@apollo/server';
import { DataSource } from 'typeorm';
import { Config } from '../config';
import { sideChannel } from '../db/side-channel';
import { UserViewer } from '../auth/viewer';
import { ErrorCode, coreError } from './errors';

export const rateLimited = (
  reason: 'RATE_LIMITED' | 'USER_RATE_LIMITED' | 'TENANT_RATE_LIMITED' | 'SIGN_IN_RATE_LIMITED',
  retryAfterSeconds: number,
) => coreError(reason, { params: { retryAfterSeconds } });

type LimitReason = 'RATE_LIMITED' | 'USER_RATE_LIMITED' | 'TENANT_RATE_LIMITED';

/**
 * Request limits shared by every instance: fixed one-minute windows per key, counted in PostgreSQL by
 * `app_rate_limit` (migration 1734160000000; one statement per request on the side channel, never a
 * second connection of the request pool). A key found over its limit is also remembered here until its
 * window closes, so a client hammering past its limit costs no statement until then. The API is async
 * (`await limiter.consume(viewer)`); a limit of 0 turns its key off, and with every limit off nothing
 * is asked of the database.
 */
export class RequestLimiter {
  private blocked = new Map<string, number>();

  constructor(
    private readonly config: Config,
    private readonly dataSource: DataSource,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request against `keys` in order; throws for the first over its limit (the later ones are not counted). */
  private async hit(keys: { key: string; limit: number; reason: LimitReason }[]): Promise<void> {
    const active = keys.filter((k) => k.limit > 0);
    if (!active.length) return;
    const now = this.now();
    for (const k of active) {
      const until = this.blocked.get(k.key);
      if (until === undefined) continue;
      if (until > now) throw rateLimited(k.reason, Math.max(1, Math.ceil((until - now) / 1000)));
      this.blocked.delete(k.key);
    }
    const rows = await sideChannel(this.dataSource).query<{ r: number[] }>(`SELECT app_rate_limit($1::text[], $2::int[], 60) AS r`, [
      active.map((k) => k.key),
      active.map((k) => k.limit),
    ]);
    const [index, wait] = rows.rows[0]?.r ?? [0, 0];
    const over = index ? active[index - 1] : undefined; // index is 1-based within `active`; 0: none over
    if (!over || !wait) return;
    if (this.blocked.size > 10_000) this.blocked.clear();
    this.blocked.set(over.key, now + wait * 1000);
    throw rateLimited(over.reason, wait);
  }

  /** Throws RATE_LIMITED with a retry hint when the user or its tenant is over its limit. */
  consume(viewer: Pick<UserViewer, 'tenantId' | 'userId'>): Promise<void> {
    const { rateLimitUserPerMinute: perUser, rateLimitTenantPerMinute: perTenant } = this.config;
    return this.hit([
      { key: `t:${viewer.tenantId}`, limit: perTenant, reason: 'TENANT_RATE_LIMITED' },
      { key: `u:${viewer.userId}`, limit: perUser, reason: 'USER_RATE_LIMITED' },
    ]);
  }

  /**
   * A /graphql request without a token (sign-in, a refresh, the error catalogue, or anything that will be refused
   * as anonymous): per client address, RATE_LIMIT_ANONYMOUS_PER_MINUTE, counted apart from the public feeds'
   * budget. Sign-in keeps its own count of failed attempts besides (LOGIN_LIMIT_PER_*).
   */
  consumeAddress(address: string): Promise<void> {
    return this.hit([{ key: `g:${address}`, limit: this.config.rateLimitAnonymousPerMinute, reason: 'RATE_LIMITED' }]);
  }

  /**
   * The same limits for a request without an account (a public feed): per client address at the
   * per-user rate, and per tenant addressed (its slug, known before the database is asked) at the
   * per-tenant rate, counted apart from the tenant's users' requests. The address first: one client
   * over its limit spends none of the tenant's.
   */
  consumeAnonymous(address: string, tenant: string): Promise<void> {
    const { rateLimitUserPerMinute: perAddress, rateLimitTenantPerMinute: perTenant } = this.config;
    return this.hit([
      { key: `a:${address}`, limit: perAddress, reason: 'RATE_LIMITED' },
      { key: `p:${tenant}`, limit: perTenant, reason: 'TENANT_RATE_LIMITED' },
    ]);
  }
}

/** A response whose errors include RATE_LIMITED answers HTTP 429 with a Retry-After header. */
export const rateLimitHttpPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const limited = response.body.singleResult.errors?.find((e) => e.extensions?.code === ErrorCode.RATE_LIMITED);
        if (!limited) return;
        response.http.status = 429;
        const retry = limited.extensions?.retryAfterSeconds;
        if (typeof retry === 'number') response.http.headers.set('retry-after', String(retry));
      },
    };
  },
};
