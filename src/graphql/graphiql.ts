import { Request, Response, NextFunction, Router } from 'express';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * GraphiQL served entirely from this process: React, ReactDOM and GraphiQL's UMD bundles come
 * from node_modules (resolved through each package's package.json, since their `exports` maps
 * do not expose the UMD files), and the page loads nothing from any other origin.
 */

interface Asset {
  file: string;
  contentType: string;
  /** Short content hash, appended as ?v= so the long cache lifetime is safe across upgrades. */
  version: string;
}

function packageFile(pkg: string, relative: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), relative);
}

function hashOf(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

/** Boot script, served as a file so the page needs no inline script. */
const INIT_SCRIPT = `'use strict';
(function () {
  var self = document.currentScript;
  // GraphiQL's dialogs inject a <style> element carrying this nonce (react-remove-scroll reads it).
  window.__webpack_nonce__ = self.nonce;
  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';
  var fetcher = GraphiQL.createFetcher({ url: endpoint });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
      defaultQuery: '# Paste {"Authorization": "Bearer <access token>"} into the Headers tab below.\\n\\n{\\n  __typename\\n}\\n'
    })
  );
})();
`;

const PAGE_CSS = `html, body { height: 100%; margin: 0; overflow: hidden; }
#graphiql { height: 100vh; }
`;

/** Small files written here rather than shipped by a package. */
const GENERATED: Record<string, { body: string; contentType: string }> = {
  'init.js': { body: INIT_SCRIPT, contentType: 'text/javascript; charset=utf-8' },
  'page.css': { body: PAGE_CSS, contentType: 'text/css; charset=utf-8' },
};

function loadAssets(): Record<string, Asset> {
  const files: Record<string, { file: string; contentType: string }> = {
    'react.production.min.js': { file: packageFile('react', 'umd/react.production.min.js'), contentType: 'text/javascript; charset=utf-8' },
    'react-dom.production.min.js': {
      file: packageFile('react-dom', 'umd/react-dom.production.min.js'),
      contentType: 'text/javascript; charset=utf-8',
    },
    'graphiql.min.js': { file: packageFile('graphiql', 'graphiql.min.js'), contentType: 'text/javascript; charset=utf-8' },
    'graphiql.min.css': { file: packageFile('graphiql', 'graphiql.min.css'), contentType: 'text/css; charset=utf-8' },
  };
  const assets: Record<string, Asset> = {};
  for (const [name, { file, contentType }] of Object.entries(files)) {
    assets[name] = { file, contentType, version: hashOf(readFileSync(file)) };
  }
  return assets;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

export function graphiqlRouter(): Router {
  const router = Router();
  const assets = loadAssets();
  const versions: Record<string, string> = {};
  for (const [name, asset] of Object.entries(assets)) versions[name] = asset.version;
  for (const [name, { body }] of Object.entries(GENERATED)) versions[name] = hashOf(body);
  const assetUrl = (base: string, name: string) => `${base}/assets/${name}?v=${versions[name]}`;

  for (const [name, { body, contentType }] of Object.entries(GENERATED)) {
    router.get(`/assets/${name}`, (_req, res) => {
      res.set({ 'Content-Type': contentType, 'Cache-Control': IMMUTABLE, 'X-Content-Type-Options': 'nosniff' });
      res.send(body);
    });
  }

  router.get('/assets/:name', (req: Request<{ name: string }>, res: Response, next: NextFunction) => {
    const asset = Object.hasOwn(assets, req.params.name) ? assets[req.params.name] : undefined;
    if (!asset) {
      next();
      return;
    }
    res.sendFile(
      asset.file,
      { maxAge: '365d', immutable: true, headers: { 'Content-Type': asset.contentType, 'X-Content-Type-Options': 'nosniff' } },
      (error) => {
        if (error && !res.headersSent) next(error);
      },
    );
  });

  router.get('/', (req, res, next) => {
    // Only a browser asking for a page gets one; GraphQL GET requests (and every POST) go on to Apollo.
    if (req.accepts(['json', 'html']) !== 'html') {
      next();
      return;
    }
    const base = req.baseUrl;
    const nonce = randomBytes(16).toString('base64');
    const csp = [
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
    res.set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      Vary: 'Accept',
    });
    const script = (src: string) => `<script nonce="${nonce}" src="${escapeHtml(src)}"></script>`;
    res.send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL</title>
<link rel="stylesheet" nonce="${nonce}" href="${escapeHtml(assetUrl(base, 'graphiql.min.css'))}">
<link rel="stylesheet" nonce="${nonce}" href="${escapeHtml(assetUrl(base, 'page.css'))}">
</head>
<body>
<div id="graphiql" data-endpoint="${escapeHtml(base)}">Loading GraphiQL…</div>
${script(assetUrl(base, 'react.production.min.js'))}
${script(assetUrl(base, 'react-dom.production.min.js'))}
${script(assetUrl(base, 'graphiql.min.js'))}
${script(assetUrl(base, 'init.js'))}
</body>
</html>
`);
  });

  return router;
}
