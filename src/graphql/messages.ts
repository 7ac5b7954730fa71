/**
 * Messages are data. Every error reason is declared once, beside the code it answers with, with its
 * message in Chinese (the default) and English; parameters are named (`{org}`, `{limit}`, `{date}`)
 * and filled in when the message is rendered in the request's locale. No sentence is built in code.
 *
 * Modules declare their reasons in `x.errors.ts` through `defineErrors` (src/graphql/errors.ts), which
 * registers them here; the per-locale catalogues are assembled from the registry
 * (`catalogue('zh-CN')`, `catalogue('en')`), and `tests/messages.test.ts` checks them.
 */

export type Locale = 'zh-CN' | 'en';
export const LOCALES: Locale[] = ['zh-CN', 'en'];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

/** A parameter of a message: text, a number, or a day ('YYYY-MM-DD') / instant written the Chinese way in zh. */
export type MessageParam = string | number | Date | null | undefined;

export interface ReasonMessages {
  /** 中文 (default). */
  zh: string;
  en: string;
}

interface RegisteredReason extends ReasonMessages {
  code: string;
  /** Where it was declared (module or core), for the schema's description and duplicate checks. */
  owner: string;
  /** No longer answered: the schema marks it deprecated with this text. */
  deprecated?: string;
}

const registry = new Map<string, RegisteredReason>();

/** Declares reasons; a reason is declared once (the same text twice is tolerated: a shared database refusal). */
export function registerReasons(owner: string, table: Record<string, ReasonMessages & { code: string; deprecated?: string }>): void {
  for (const [reason, spec] of Object.entries(table)) {
    const existing = registry.get(reason);
    if (existing && (existing.code !== spec.code || existing.zh !== spec.zh || existing.en !== spec.en)) {
      throw new Error(`Error reason ${reason} is declared twice (${existing.owner} and ${owner}) with different codes or messages`);
    }
    registry.set(reason, { ...spec, owner });
  }
}

export function registeredReasons(): ReadonlyMap<string, RegisteredReason> {
  return registry;
}

/** The catalogue of one locale: reason → message template. */
export function catalogue(locale: Locale): Record<string, string> {
  return Object.fromEntries(
    [...registry].sort(([a], [b]) => a.localeCompare(b)).map(([reason, spec]) => [reason, locale === 'en' ? spec.en : spec.zh]),
  );
}

const CN_DIGITS = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 2013年12月25日 (or 二〇一三年十二月二十五日 with `numerals`: the way 公文 date their 成文日期). */
export function chineseDate(day: string, numerals = false): string {
  const [y, m, d] = day.slice(0, 10).split('-').map(Number);
  if (!numerals) return `${y}年${m}月${d}日`;
  const small = (n: number) =>
    n < 10 ? CN_DIGITS[n] : `${n >= 20 ? CN_DIGITS[Math.floor(n / 10)] : ''}十${n % 10 ? CN_DIGITS[n % 10] : ''}`;
  return `${String(y)
    .split('')
    .map((c) => CN_DIGITS[Number(c)])
    .join('')}年${small(m)}月${small(d)}日`;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** An instant as it travels in extensions (a Date parameter is sent as its ISO text). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function formatParam(value: MessageParam, locale: Locale, timeZone: string): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(value)
      .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
    const day = `${parts.year}-${parts.month}-${parts.day}`;
    return locale === 'en' ? `${day} ${parts.hour}:${parts.minute}` : `${chineseDate(day)} ${parts.hour}:${parts.minute}`;
  }
  if (typeof value === 'string' && DAY.test(value)) return locale === 'en' ? value : chineseDate(value);
  if (typeof value === 'string' && INSTANT.test(value) && !Number.isNaN(Date.parse(value)))
    return formatParam(new Date(value), locale, timeZone);
  return String(value);
}

/** `text` cut to its first `max` characters with an ellipsis after, when longer: a name or a client's words shown in a message. */
export function ellipsis(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Fills `{name}` placeholders from `params`; an unknown placeholder stays visible rather than vanish. */
export function fillTemplate(template: string, params: Record<string, unknown>, locale: Locale, timeZone = 'Asia/Shanghai'): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? formatParam(params[name] as MessageParam, locale, timeZone) : whole,
  );
}

/** The message of a registered reason in `locale`; undefined for a reason nobody declared. */
export function renderReason(reason: string, params: Record<string, unknown>, locale: Locale, timeZone?: string): string | undefined {
  const spec = registry.get(reason);
  if (!spec) return undefined;
  return fillTemplate(locale === 'en' ? spec.en : spec.zh, params, locale, timeZone);
}

/** The locale a client asks for: English when its first language is English, Chinese otherwise. */
export function localeOf(acceptLanguage: string | string[] | undefined): Locale {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : (acceptLanguage ?? '');
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.map((r) => /^\s*q=([\d.]+)/.exec(r)?.[1]).find(Boolean);
      return { tag: tag.toLowerCase(), q: q ? Number(q) : 1 };
    })
    .filter((l) => l.tag && l.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return DEFAULT_LOCALE;
}
