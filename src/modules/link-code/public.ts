import { createHmac, randomBytes } from 'node:crypto';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { tenantService } from '../tenant/tenant.service';

/**
 * What the public-engagement modules share: the satisfaction figures, keyed hashing and masking of
 * contact data, random codes, and the tenant's "today". Imports nothing from its sibling modules, so
 * commitments, reviews and opinions can all use it without import cycles.
 */

@ObjectType({ description: '群众满意度：群众评议（1–5 星）的统计；4 星及以上为满意' })
export class SatisfactionFigures {
  @Field(() => Int, { description: '评议份数' }) count: number;
  @Field(() => Float, { nullable: true, description: '平均星级（保留两位小数）；无评议为空' }) averageRating: number | null;
  @Field(() => Int, { description: '满意份数（4 星及以上）' }) satisfiedCount: number;
  @Field(() => Float, { nullable: true, description: '满意率（百分数 0–100，保留两位小数）；无评议为空' })
  satisfiedShare: number | null;
}

/** The aggregate columns of SatisfactionFigures over review rows aliased `r` (one SELECT list). */
export const FIGURES_SQL = `count(r.rating)::int AS count,
  round(avg(r.rating), 2)::float8 AS average_rating,
  (count(r.rating) FILTER (WHERE r.rating >= 4))::int AS satisfied_count,
  round(100.0 * count(r.rating) FILTER (WHERE r.rating >= 4) / NULLIF(count(r.rating), 0), 2)::float8 AS satisfied_share`;

/** A row of FIGURES_SQL's columns. */
export type FigureRow = { count?: number; average_rating?: number | null; satisfied_count?: number; satisfied_share?: number | null };

export function toFigures(row: FigureRow | undefined): SatisfactionFigures {
  return {
    count: row?.count ?? 0,
    averageRating: row?.average_rating ?? null,
    satisfiedCount: row?.satisfied_count ?? 0,
    satisfiedShare: row?.satisfied_share ?? null,
  };
}

/** 128 random bits (or more), base64url: a link code or a follow-up token nobody can guess. */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A keyed hash (HMAC-SHA256 with the server's signing key) of personal data, per tenant and purpose:
 * equal inputs match for de-duplication, but the value cannot be recovered or checked by guessing
 * without the server's key. Rotating the key only restarts de-duplication.
 */
export function keyedHash(ctx: RequestContext, purpose: 'contact' | 'device' | 'client', tenantId: string, value: string): string {
  return createHmac('sha256', ctx.config.hashingKey).update(`${purpose}:${tenantId}:${value}`, 'utf8').digest('hex');
}

/** Contact data as compared: spaces, dashes and brackets out, e-mail addresses lower-cased. */
export function normalizeContact(contact: string): string {
  const trimmed = contact.trim();
  if (trimmed.includes('@')) return trimmed.toLowerCase();
  return trimmed.replace(/[\s\-().]/g, '');
}

/** The display form that stays: 138****5678, z***@example.com, 张***. Never the whole value. */
export function maskContact(normalized: string): string {
  const phone = /^\+?\d{7,15}$/.test(normalized) ? normalized.replace(/^\+/, '') : null;
  if (phone) return phone.length >= 11 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : `${phone.slice(0, 2)}***${phone.slice(-2)}`;
  const at = normalized.indexOf('@');
  if (at > 0) return `${normalized[0]}***${normalized.slice(at)}`;
  const chars = [...normalized];
  return chars.length > 2 ? `${chars[0]}***${chars[chars.length - 1]}` : `${chars[0] ?? ''}***`;
}

/** Hash and mask of an optional contact, or nulls. */
export function protectContact(
  ctx: RequestContext,
  tenantId: string,
  contact: string | null | undefined,
): { hash: string | null; masked: string | null } {
  const normalized = contact ? normalizeContact(contact) : '';
  if (!normalized) return { hash: null, masked: null };
  return { hash: keyedHash(ctx, 'contact', tenantId, normalized), masked: maskContact(normalized) };
}

/** Today's date (YYYY-MM-DD) in the tenant's time zone, once per request. */
export async function tenantToday(ctx: RequestContext): Promise<string> {
  return ctx
    .loader<string, string>('publicEngagement.today', async (keys) => {
      const { timezone } = await tenantService.settings(ctx);
      const [row] = await ctx.tx.query<{ today: string }>(`SELECT (now() AT TIME ZONE $1)::date::text AS today`, [timezone]);
      return keys.map(() => row.today);
    })
    .load('today');
}
