// A real OpenID Connect provider (oidc-provider 8, the certified implementation) for the single sign-on
// tests, in a child process on loopback (it is ESM, which jest's CommonJS workers cannot import).
// Configuration in the environment: OIDC_CLIENTS (JSON array of client metadata) and OIDC_ACCOUNTS
// (JSON object: subject → claims). Prints {"issuer": "..."} once listening.
//
// The login page is replaced by an interaction that signs in as the authorization request's login_hint
// and grants what was asked, so a test drives the browser's redirects with fetch. One account misbehaves
// on purpose: for "evil-aud" the token endpoint answers an ID token signed with the provider's own key
// but addressed to another client (the audience a relying party must refuse); for "idp-slow" it answers the
// token request only after OIDC_SLOW_MS (1,500 ms by default), a provider that is slow to answer.
import http from 'node:http';
import Provider from 'oidc-provider';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';

const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '[]');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  pkce: { methods: ['S256'], required: () => true },
  claims: { openid: ['sub'], profile: ['name', 'employee_number'] },
  cookies: { keys: ['sso-test-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    if (!accounts[id]) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
  async renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});
provider.proxy = false;
if (process.env.OIDC_DEBUG) {
  for (const event of ['grant.error', 'server_error', 'authorization.error']) {
    provider.on(event, (_ctx, error) => process.stderr.write(`[oidc] ${event}: ${error.message} ${error.error_detail ?? ''}\n`));
  }
}

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith('/interaction/')) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result;
    if (details.prompt.name === 'login') {
      result = { login: { accountId: String(details.params.login_hint ?? '') } };
    } else {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope));
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    return;
  }
  if (process.env.OIDC_DEBUG && ctx.path === '/auth')
    process.stderr.write(`[oidc] auth challenge ${ctx.query.code_challenge} ${ctx.query.code_challenge_method}\n`);
  await next();
  if (process.env.OIDC_DEBUG && ctx.path === '/token')
    process.stderr.write(`[oidc] token verifier ${ctx.oidc?.params?.code_verifier} redirect ${ctx.oidc?.params?.redirect_uri}\n`);
  if (ctx.path === '/token' && ctx.body && typeof ctx.body === 'object' && typeof ctx.body.id_token === 'string') {
    const claims = decodeJwt(ctx.body.id_token);
    if (claims.sub === 'idp-slow') await new Promise((resolve) => setTimeout(resolve, Number(process.env.OIDC_SLOW_MS ?? 1500)));
    if (claims.sub === 'evil-aud') {
      ctx.body = {
        ...ctx.body,
        id_token: await new SignJWT({ ...claims, aud: 'other-client' })
          .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
          .sign(privateKey),
      };
    }
  }
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();
