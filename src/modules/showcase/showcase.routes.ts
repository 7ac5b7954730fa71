import { createHash } from 'node:crypto';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRequestContext } from '../../graphql/context';
import { restError, routeError } from '../../graphql/errors';
import { Locale, localeOf } from '../../graphql/messages';
import { RouteDeps } from '../domain-module';
import { showcaseSourceLabels } from './showcase.entity';
import { showcaseError } from './showcase.errors';
import { FEED_PAGE, FeedPage, showcaseService } from './showcase.service';

/** Characters XML 1.0 cannot hold at all (control characters, lone surrogates, U+FFFE/FFFF): dropped. */
// eslint-disable-next-line no-control-regex -- the control characters XML allows are exactly what this names
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text as XML character data or an attribute value: markup in it stays text. */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** JSON that stays inert when a page inlines it in a <script> element or an attribute. */
export function inertJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

interface FeedRequest {
  base: string;
  slug: string;
  first: number;
  page: FeedPage;
}

const selfUrl = (f: FeedRequest, format: 'json' | 'atom') => `${f.base}/public/${encodeURIComponent(f.slug)}/showcase.${format}`;
const nextUrl = (f: FeedRequest, format: 'json' | 'atom') =>
  f.page.next ? `${selfUrl(f, format)}?first=${f.first}&after=${encodeURIComponent(f.page.next)}` : null;
const feedTitle = (f: FeedRequest) => `${f.page.tenantName} · 创建服务型党组织专栏`;

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1): plain text only (content_text), never HTML. */
function jsonFeed(f: FeedRequest): string {
  return inertJson({
    version: 'https://jsonfeed.org/version/1.1',
    title: feedTitle(f),
    feed_url: selfUrl(f, 'json'),
    ...(nextUrl(f, 'json') ? { next_url: nextUrl(f, 'json') } : {}),
    language: 'zh-CN',
    authors: [{ name: f.page.tenantName }],
    items: f.page.items.map((item) => ({
      id: `urn:uuid:${item.id}`,
      title: item.title,
      summary: item.summary,
      content_text: item.body,
      date_published: item.publishedAt.toISOString(),
      authors: [{ name: item.orgName }],
      tags: [item.category],
      _showcase: {
        source: item.sourceType,
        sourceLabel: showcaseSourceLabels[item.sourceType],
        category: item.category,
        org: item.orgName,
      },
    })),
  });
}

/** Atom (RFC 4287), paged by RFC 5005 `next` links; every text construct of type "text". */
function atomFeed(f: FeedRequest): string {
  const updated = (f.page.items[0]?.publishedAt ?? new Date()).toISOString();
  const next = nextUrl(f, 'atom');
  const entries = f.page.items.map(
    (item) => `  <entry>
    <id>urn:uuid:${item.id}</id>
    <title type="text">${xmlText(item.title)}</title>
    <published>${item.publishedAt.toISOString()}</published>
    <updated>${item.publishedAt.toISOString()}</updated>
    <author><name>${xmlText(item.orgName)}</name></author>
    <category term="${item.sourceType}" label="${xmlText(item.category)}"/>
    <summary type="text">${xmlText(item.summary)}</summary>
    <content type="text">${xmlText(item.body)}</content>
  </entry>`,
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
    `  <id>${xmlText(selfUrl(f, 'atom'))}</id>`,
    `  <title type="text">${xmlText(feedTitle(f))}</title>`,
    `  <updated>${updated}</updated>`,
    `  <author><name>${xmlText(f.page.tenantName)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlText(selfUrl(f, 'atom'))}"/>`,
    ...(next ? [`  <link rel="next" type="application/atom+xml" href="${xmlText(next)}"/>`] : []),
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}

/** Headers every answer of the public routes carries: embeddable anywhere, never run as a page, revalidated each time. */
function publicHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('access-control-allow-origin', '*')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'public, no-cache');
}

function sendError(reply: FastifyReply, error: unknown, locale: Locale) {
  const answer = restError(routeError(error, { scope: '[showcase]' }), locale);
  return publicHeaders(reply)
    .status(answer.status)
    .headers(answer.headers)
    .header('content-type', 'application/json; charset=utf-8')
    .send(inertJson(answer.body));
}

/** A host name or address with an optional port: what a Host header must be for a feed's links to name it. */
const PLAIN_HOST = /^(?:[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The feeds' own address when PUBLIC_BASE_URL is unset: the request's scheme and host, or, for a Host header that is
 * no plain host name (a header crafted to carry markup or another address's path), links from the root, relative.
 */
function requestBase(request: FastifyRequest): string {
  return PLAIN_HOST.test(request.host) ? `${request.protocol}://${request.host}` : '';
}

/**
 * The public showcase (舆论引导: what a bureau website embeds), without an account:
 * `GET /public/<tenant slug>/showcase.json` (JSON Feed 1.1) and `…/showcase.atom` (Atom), newest first,
 * `?first=` 1–100 (20) and `?after=` the cursor of the `next` link. Rate limited like the API (per client
 * address and per tenant, before the database is asked); read in a transaction scoped to the tenant the
 * slug names, so row-level security holds the other tenants out.
 */
export function registerShowcaseRoutes(fastify: FastifyInstance, { config, dataSource, limiter }: RouteDeps): void {
  const serve = (format: 'json' | 'atom') => async (request: FastifyRequest, reply: FastifyReply) => {
    const locale = localeOf(request.headers['accept-language']);
    const slug = String((request.params as { slug?: string }).slug ?? '');
    const query = request.query as { first?: unknown; after?: unknown };
    const ctx = createRequestContext(config, dataSource, request.ip, locale);
    let feed: FeedRequest | undefined;
    let failure: unknown;
    try {
      await limiter.consumeAnonymous(request.ip, slug);
      const first =
        query.first === undefined
          ? FEED_PAGE.default
          : typeof query.first === 'string' && /^\d{1,3}$/.test(query.first)
            ? Number(query.first)
            : NaN;
      const tenantId = await showcaseService.enterFeed(ctx, slug);
      if (!tenantId) throw showcaseError('SHOWCASE_FEED_NOT_FOUND');
      const page = await showcaseService.feed(ctx, tenantId, first, typeof query.after === 'string' ? query.after : undefined);
      feed = { base: config.publicBaseUrl ?? requestBase(request), slug, first, page };
    } catch (error) {
      failure = error;
    } finally {
      await ctx.tx.finish(false).catch(() => undefined);
    }
    if (failure !== undefined || !feed) return sendError(reply, failure ?? showcaseError('SHOWCASE_FEED_NOT_FOUND'), locale);
    const body = format === 'json' ? jsonFeed(feed) : atomFeed(feed);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    publicHeaders(reply).header('etag', etag);
    // written from the request's Host: a cache keeps one answer per host, never one host's links for another's
    if (!config.publicBaseUrl) reply.header('vary', [reply.getHeader('vary'), 'Host'].filter(Boolean).join(', '));
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    return reply
      .header('content-type', format === 'json' ? 'application/feed+json; charset=utf-8' : 'application/atom+xml; charset=utf-8')
      .send(body);
  };

  void fastify.register(async (scope) => {
    scope.get('/public/:slug/showcase.json', serve('json'));
    scope.get('/public/:slug/showcase.atom', serve('atom'));
  });
}
