import 'reflect-metadata';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Max, MaxLength, MinLength, ValidateNested, validate } from 'class-validator';
import { getSchema } from '../src/graphql/schema';
import { validationProblems } from '../src/graphql/validation-messages';
import { catalogue, chineseDate, fillTemplate, localeOf, registeredReasons } from '../src/graphql/messages';

const CJK = /[\u3400-\u9fff]/;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Messages are data: one entry per reason, in Chinese (default) and English, with the same parameters. */
describe('the message catalogues', () => {
  beforeAll(async () => {
    await getSchema(); // loads every module, which declares its reasons
  });

  it('has every declared reason in both locales, Chinese in Chinese and English in English, with the same parameters', () => {
    const reasons = [...registeredReasons()];
    expect(reasons.length).toBeGreaterThan(300);
    const zh = catalogue('zh-CN');
    const en = catalogue('en');
    const bad = reasons.flatMap(([reason]) => {
      const problems: string[] = [];
      if (!zh[reason] || !CJK.test(zh[reason])) problems.push(`${reason}: zh-CN message missing or not Chinese: ${zh[reason]}`);
      if (!en[reason] || CJK.test(en[reason])) problems.push(`${reason}: en message missing or not English: ${en[reason]}`);
      if (zh[reason] && en[reason] && placeholders(zh[reason]).join() !== placeholders(en[reason]).join()) {
        problems.push(`${reason}: parameters differ: {${placeholders(zh[reason])}} vs {${placeholders(en[reason])}}`);
      }
      return problems;
    });
    expect(bad).toEqual([]);
  });

  it('lists every reason in the schema, described in Chinese', async () => {
    const sdl = readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
    const block = /enum ErrorReason \{([\s\S]*?)\n\}/.exec(sdl)?.[1] ?? '';
    const inSchema = [...block.matchAll(/^\s+([A-Z][A-Z0-9_]+)(?: @deprecated\(reason: "[^"]+"\))?$/gm)].map((m) => m[1]).sort();
    expect(inSchema).toEqual([...registeredReasons().keys()].sort());
    // a reason no longer answered stays for the clients that switch on it, marked deprecated
    const deprecated = [...block.matchAll(/^\s+([A-Z][A-Z0-9_]+) @deprecated/gm)].map((m) => m[1]).sort();
    expect(deprecated).toEqual(['EXEMPLAR_ORG_ARCHIVED', 'INNOVATION_ORG_ARCHIVED', 'PEER_ORG_ARCHIVED', 'SERVICE_TEAM_ORG_ARCHIVED']);
    expect(deprecated).toEqual(
      [...registeredReasons()]
        .filter(([, spec]) => spec.deprecated)
        .map(([reason]) => reason)
        .sort(),
    );
  });

  it('writes dates the Chinese way and fills parameters by name', () => {
    expect(chineseDate('2013-12-25')).toBe('2013年12月25日');
    expect(chineseDate('2013-05-14', true)).toBe('二〇一三年五月十四日');
    expect(chineseDate('2013-10-30', true)).toBe('二〇一三年十月三十日');
    expect(fillTemplate('{org}须在{date}前提交', { org: '第一车队党支部', date: '2013-12-25' }, 'zh-CN')).toBe(
      '第一车队党支部须在2013年12月25日前提交',
    );
    expect(fillTemplate('{org} submits by {date}', { org: 'Fleet 1', date: '2013-12-25' }, 'en')).toBe('Fleet 1 submits by 2013-12-25');
    // an instant in the tenant's zone (Asia/Shanghai by default): 16:30 UTC is 00:30 the next day
    expect(fillTemplate('{at}', { at: new Date('2013-12-24T16:30:00Z') }, 'zh-CN')).toBe('2013年12月25日 00:30');
    // as it travels in extensions (ISO text), and in another tenant's zone
    expect(fillTemplate('{at}', { at: '2013-12-24T16:30:00.000Z' }, 'zh-CN')).toBe('2013年12月25日 00:30');
    expect(fillTemplate('{at}', { at: '2013-12-24T16:30:00.000Z' }, 'zh-CN', 'Asia/Urumqi')).toBe('2013年12月24日 22:30');
    expect(fillTemplate('{at}', { at: '2013-12-24T16:30:00.000Z' }, 'en', 'UTC')).toBe('2013-12-24 16:30');
  });

  it('picks the locale from Accept-Language: English only when asked for first', () => {
    expect(localeOf(undefined)).toBe('zh-CN');
    expect(localeOf('en-US,en;q=0.9')).toBe('en');
    expect(localeOf('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(localeOf('fr-FR,en;q=0.5')).toBe('en');
    expect(localeOf('en;q=0.1,zh;q=0.9')).toBe('zh-CN');
  });

  it('leaves no module building its own error messages (errorFactory, badInput, new AppError)', () => {
    const modules = path.join(__dirname, '..', 'src', 'modules');
    const offenders = readdirSync(modules, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /\berrorFactory\b|\bbadInput\(|new AppError\(/.test(readFileSync(path.join(modules, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

/** class-validator's lookups kept per class (keepValidationLookups, installed with the schema). */
describe('validation with kept constraint lookups', () => {
  beforeAll(async () => {
    await getSchema();
  });

  it('finds constraints declared after the schema, inherited ones, and nested ones, each time alike', async () => {
    // declared here, after the lookups began to be kept
    class Item {
      @MaxLength(3) note = 'ok';
    }
    class Form {
      @Max(10) count = 1;
      @ValidateNested({ each: true }) items: Item[] = [];
    }
    const form = Object.assign(new Form(), { count: 11, items: [new Item(), Object.assign(new Item(), { note: 'too long' })] });
    const paths = async (o: object) => validationProblems(await validate(o)).map((p) => `${p.path}:${p.reason}`);
    expect(await paths(form)).toEqual(['count:VALUE_TOO_LARGE', 'items.1.note:VALUE_TOO_LONG']);
    expect(await paths(form)).toEqual(['count:VALUE_TOO_LARGE', 'items.1.note:VALUE_TOO_LONG']);
    // a subclass declared after Form's lookup was kept: its own constraint and Form's
    class LongerForm extends Form {
      @MinLength(2) title = 'x';
    }
    expect(await paths(Object.assign(new LongerForm(), { count: 12 }))).toEqual(['title:VALUE_TOO_SHORT', 'count:VALUE_TOO_LARGE']);
    // and Form still has only its own
    expect(await paths(Object.assign(new Form(), { count: 12 }))).toEqual(['count:VALUE_TOO_LARGE']);
    // a constraint added to a class whose lookup was kept applies from then on
    MinLength(3)(Item.prototype, 'note');
    expect(await paths(form)).toEqual(['count:VALUE_TOO_LARGE', 'items.0.note:VALUE_TOO_SHORT', 'items.1.note:VALUE_TOO_LONG']);
  });
});
