import type * as Oidc from 'openid-client' with { 'resolution-mode': 'import' };

/**
 * openid-client 6 is an ES module; this CommonJS build loads it with import() once (Node 20.19+ could
 * also require() it). Everything OpenID Connect does here goes through it: discovery, PKCE, state and
 * nonce, the code exchange with every check of the ID token (signature by the issuer's keys, issuer,
 * audience, expiry, nonce) and the userinfo request.
 */
let loaded: Promise<typeof Oidc> | undefined;
export function oidc(): Promise<typeof Oidc> {
  loaded ??= import('openid-client');
  return loaded;
}

/** http is accepted for a provider on this machine only (a development or test provider); anything else must be https. */
export function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

interface Cached {
  key: string;
  at: number;
  config: Promise<Oidc.Configuration>;
}
const configurations = new Map<string, Cached>();
const CONFIGURATION_TTL_MS = 10 * 60_000;

/**
 * The client's configuration from the issuer's discovery document, cached per tenant for ten minutes
 * and dropped when the tenant changes its registration (the key carries the row's update time).
 */
export async function clientConfiguration(
  tenantId: string,
  version: string,
  registration: { issuer: string; clientId: string; clientSecret: string | null },
): Promise<Oidc.Configuration> {
  const key = `${version}|${registration.issuer}|${registration.clientId}`;
  const cached = configurations.get(tenantId);
  if (cached && cached.key === key && Date.now() - cached.at < CONFIGURATION_TTL_MS) return cached.config;
  const client = await oidc();
  const issuer = new URL(registration.issuer);
  const config = client.discovery(
    issuer,
    registration.clientId,
    undefined,
    registration.clientSecret ? client.ClientSecretBasic(registration.clientSecret) : client.None(),
    { timeout: 10, ...(issuer.protocol === 'http:' && isLoopback(issuer) ? { execute: [client.allowInsecureRequests] } : {}) },
  );
  configurations.set(tenantId, { key, at: Date.now(), config });
  // a failed discovery is not kept
  config.catch(() => configurations.get(tenantId)?.config === config && configurations.delete(tenantId));
  return config;
}
