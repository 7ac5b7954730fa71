import accepts from 'accepts';
import { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * GraphiQL served entirely from this process (development only; app.ts decides). React, ReactDOM and
 * GraphiQL's UMD bundles come from node_modules, resolved through each package's package.json since
 * their `exports` maps do not expose the UMD files; the page loads nothing from any other origin.
 *
 * GET /graphql answers with the page only when the client prefers HTML over JSON; every other request
 * to /graphql goes on to whatever handles it (Apollo), because the page is sent from an onRequest hook
 * instead of a route that would claim GET /graphql.
 */

const ENDPOINT = '/graphql';
const ASSET_PREFIX = `${ENDPOINT}/assets/`;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Boot script, served as a file so the page needs no inline script. */
const INIT_SCRIPT = `'use strict';
(function () {
  // GraphiQL's dialogs inject a <style> element carrying this nonce (react-remove-scroll reads it).
  window.__webpack_nonce__ = document.currentScript.nonce;
  var root = document.getElementById('graphiql');
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: root.getAttribute('data-endpoint') }),
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
      defaultQuery: '# Sign in with the login mutation, then put\\n# {"Authorization": "Bearer <accessToken>"}\\n# into the Headers tab below.\\n\\n{\\n  viewer {\\n    username\\n    kind\\n  }\\n}\\n'
    })
  );
})();
`;

const PAGE_CSS = `html, body { height: 100%; margin: 0; overflow: hidden; }
#graphiql { height: 100vh; }
`;

interface Asset {
  body: Buffer;
  contentType: string;
  /** Content hash, sent as ?v= so the year-long cache lifetime is safe across upgrades. */
  version: string;
}

function packageFile(pkg: string, relative: string): Buffer {
  return readFileSync(path.join(path.dirname(require.resolve(`${pkg}/package.json`)), relative));
}

function asset(body: Buffer, contentType: string): Asset {
  return { body, contentType, version: createHash('sha256').update(body).digest('hex').slice(0, 16) };
}

let cachedAssets: Map<string, Asset> | undefined;

/** Read once per process (about 1.5 MB), the first time GraphiQL is registered. */
function loadAssets(): Map<string, Asset> {
  cachedAssets ??= new Map([
    ['react.production.min.js', asset(packageFile('react', 'umd/react.production.min.js'), JS)],
    ['react-dom.production.min.js', asset(packageFile('react-dom', 'umd/react-dom.production.min.js'), JS)],
    ['graphiql.min.js', asset(packageFile('graphiql', 'graphiql.min.js'), JS)],
    ['graphiql.min.css', asset(packageFile('graphiql', 'graphiql.min.css'), CSS)],
    ['init.js', asset(Buffer.from(INIT_SCRIPT), JS)],
    ['page.css', asset(Buffer.from(PAGE_CSS), CSS)],
  ]);
  return cachedAssets;
}

function renderPage(assets: Map<string, Asset>, nonce: string): string {
  const url = (name: string) => `${ASSET_PREFIX}${name}?v=${assets.get(name)?.version ?? ''}`;
  const script = (name: string) => `<script nonce="${nonce}" src="${url(name)}"></script>`;
  const style = (name: string) => `<link rel="stylesheet" nonce="${nonce}" href="${url(name)}">`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL</title>
<link rel="icon" href="data:,">
${style('graphiql.min.css')}
${style('page.css')}
</head>
<body>
<div id="graphiql" data-endpoint="${ENDPOINT}">Loading GraphiQL…</div>
${script('react.production.min.js')}
${script('react-dom.production.min.js')}
${script('graphiql.min.js')}
${script('init.js')}
</body>
</html>
`;
}

function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function registerGraphiql(fastify: FastifyInstance): void {
  const assets = loadAssets();

  fastify.get<{ Params: { name: string } }>(`${ASSET_PREFIX}:name`, (request, reply) => {
    const found = assets.get(request.params.name);
    if (!found) return reply.status(404).type('text/plain; charset=utf-8').send('Not found');
    return reply.type(found.contentType).header('cache-control', IMMUTABLE).header('x-content-type-options', 'nosniff').send(found.body);
  });

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (request.method !== 'GET' || !isEndpoint(request.url) || accepts(request.raw).type(['json', 'html']) !== 'html') {
      done();
      return;
    }
    // Answered here; done() is not called, so no route handler runs.
    const nonce = randomBytes(16).toString('base64');
    void reply
      .type('text/html; charset=utf-8')
      .headers({
        'content-security-policy': contentSecurityPolicy(nonce),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        vary: 'Accept',
      })
      .send(renderPage(assets, nonce));
  });
}

function isEndpoint(url: string): boolean {
  const query = url.indexOf('?');
  const pathname = query === -1 ? url : url.slice(0, query);
  return pathname === ENDPOINT || pathname === `${ENDPOINT}/`;
}
