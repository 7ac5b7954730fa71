import { ApolloServerPlugin } from '@apollo/server';
import { Config } from '../config';
import { UserViewer } from '../auth/viewer';
import { ErrorCode, coreError } from './errors';

export const rateLimited = (
  reason: 'RATE_LIMITED' | 'USER_RATE_LIMITED' | 'TENANT_RATE_LIMITED' | 'SIGN_IN_RATE_LIMITED',
  retryAfterSeconds: number,
) => coreError(reason, { params: { retryAfterSeconds } });

/**
 * Fixed one-minute windows per key, in this process. Request limits are per instance (cheap, no
 * statement per request); the sign-in throttle, which guards passwords, is shared in PostgreSQL.
 */
export class RequestLimiter {
  private windows = new Map<string, { start: number; hits: number }>();

  constructor(
    private readonly config: Config,
    private readonly now: () => number = Date.now,
  ) {}

  private hit(key: string, limit: number): number {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      w = { start: now, hits: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 100_000) this.prune(now);
    }
    w.hits++;
    return w.hits > limit ? Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000)) : 0;
  }

  private prune(now: number) {
    for (const [key, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(key);
  }

  /** Throws RATE_LIMITED with a retry hint when the user or its tenant is over its limit. */
  check(viewer: UserViewer): void {
    const { rateLimitUserPerMinute: perUser, rateLimitTenantPerMinute: perTenant } = this.config;
    const tenantWait = perTenant ? this.hit(`t:${viewer.tenantId}`, perTenant) : 0;
    if (tenantWait) throw rateLimited('TENANT_RATE_LIMITED', tenantWait);
    const userWait = perUser ? this.hit(`u:${viewer.userId}`, perUser) : 0;
    if (userWait) throw rateLimited('USER_RATE_LIMITED', userWait);
  }

  /**
   * The same limits for a request without an account (a public feed): per client address at the
   * per-user rate, and per tenant addressed (its slug, known before the database is asked) at the
   * per-tenant rate, counted apart from the tenant's users' requests.
   */
  checkAnonymous(address: string, tenant: string): void {
    const { rateLimitUserPerMinute: perAddress, rateLimitTenantPerMinute: perTenant } = this.config;
    // the address first: one client over its limit spends none of the tenant's
    const addressWait = perAddress ? this.hit(`a:${address}`, perAddress) : 0;
    if (addressWait) throw rateLimited('RATE_LIMITED', addressWait);
    const tenantWait = perTenant ? this.hit(`p:${tenant}`, perTenant) : 0;
    if (tenantWait) throw rateLimited('TENANT_RATE_LIMITED', tenantWait);
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
