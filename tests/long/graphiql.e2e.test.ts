import { existsSync } from 'node:fs';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import { TestServer, startTestServer } from '../helpers/server';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`GraphiQL browser test skipped: ${CHROMIUM} does not exist (install it with: apt-get install -y chromium)`);
}
const describeWithBrowser = hasChromium ? describe : describe.skip;

const isLoopback = (raw: string): boolean => {
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'ws:' && url.protocol !== 'wss:') return true; // data:, blob:, about:
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
};

/** The little of the browser's globals used inside page.evaluate (the tests compile without the DOM lib). */
interface BrowserGlobals {
  document: { querySelector(selector: string): { CodeMirror?: { getValue(): string } } | null };
}

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

describe('GraphiQL page', () => {
  test('is served as HTML with a strict CSP and only local asset URLs', async () => {
    const res = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script at all

    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'(;|$)/);
    expect(csp).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);

    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'));
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/graphql\/assets\//);
      const file = await fetch(new URL(asset.replace(/&amp;/g, '&'), server.baseUrl));
      expect(file.status).toBe(200);
      expect(file.headers.get('cache-control')).toContain('immutable');
      await file.arrayBuffer();
    }
    expect((await fetch(`${server.url}/assets/nope.js`)).status).toBe(404);
  });

  test('GraphQL requests still reach Apollo', async () => {
    const post = await server.gql('{ __typename }');
    expect(post.data).toEqual({ __typename: 'Query' });
    // A GET that does not prefer HTML is not given the page.
    const get = await fetch(server.url, { headers: { accept: 'application/json' } });
    expect(get.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    await get.arrayBuffer();
  });
});

describeWithBrowser('GraphiQL in headless Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];
  const failed: string[] = [];
  const blocked: string[] = [];
  const problems: string[] = [];
  /** Awaited in afterAll: a browser that starts after its timeout (a loaded machine) is still closed. */
  let setup: Promise<void> | undefined;

  beforeAll(
    () =>
      (setup = (async () => {
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        });
        context = await browser.newContext();
        // Anything that would leave the machine is aborted and recorded instead.
        await context.route('**/*', (route) => {
          const url = route.request().url();
          if (isLoopback(url)) return route.continue();
          blocked.push(url);
          return route.abort('blockedbyclient');
        });
        context.on('request', (req) => requested.push(req.url()));
        context.on('requestfailed', (req) => failed.push(`${req.url()} (${req.failure()?.errorText})`));
        page = await context.newPage();
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('console', (msg) => {
          if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
        });
      })()),
    60000,
  );

  afterAll(async () => {
    await setup?.catch(() => undefined);
    await browser?.close();
  });

  /** The CodeMirror 5 instance inside the element matching `selector`. */
  const editorValue = (selector: string) =>
    page.evaluate((sel) => {
      const el = (globalThis as unknown as BrowserGlobals).document.querySelector(sel);
      return el?.CodeMirror?.getValue() ?? null;
    }, selector);

  const waitForResponseText = (text: string) =>
    page.waitForFunction(
      (expected) => {
        const el = (globalThis as unknown as BrowserGlobals).document.querySelector('.graphiql-response .CodeMirror');
        return el?.CodeMirror?.getValue().includes(expected) ?? false;
      },
      text,
      { timeout: 20000 },
    );

  test('runs a typed query and shows the result', async () => {
    await page.goto(server.url, { waitUntil: 'load' });
    const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
    await queryEditor.waitFor({ state: 'visible', timeout: 20000 });

    await queryEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('{ __typename }'); // the editor auto-closes "{" and types over the "}"
    expect((await editorValue('.graphiql-query-editor .CodeMirror'))?.replace(/\s+/g, ' ').trim()).toBe('{ __typename }');

    await page.locator('button.graphiql-execute-button').click();
    await waitForResponseText('"__typename": "Query"');
    expect(await page.locator('.graphiql-response').innerText()).toContain('"__typename": "Query"');
  }, 60000);

  test('sends headers pasted into the header editor', async () => {
    const token = await server.token('jtj', 'admin');
    await page.getByRole('button', { name: 'Headers', exact: true }).click();
    const headerEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
    await headerEditor.waitFor({ state: 'visible' });
    await headerEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.insertText(`{"Authorization":"Bearer ${token}"}`); // as a paste would

    const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
    await queryEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.insertText('{ viewer { username kind } }');
    await page.locator('button.graphiql-execute-button').click();
    await waitForResponseText('"username": "admin"');
  }, 60000);

  test('opens a dialog, whose injected style passes the CSP through its nonce', async () => {
    await page.locator('button[aria-label="Open settings dialog"]').click();
    await page.getByRole('dialog').waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  });

  test('loaded nothing from outside the machine and broke no CSP rule', () => {
    expect(requested.length).toBeGreaterThan(0);
    expect(blocked).toEqual([]);
    expect(failed.filter((url) => !isLoopback(url.split(' ')[0]!))).toEqual([]);
    expect(requested.filter((url) => !isLoopback(url))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
