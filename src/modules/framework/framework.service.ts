import { findOrInsert } from '../../db/find-or-insert';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { holdsRoleAtRoot } from '../../auth/scope';
import { RequestTransaction } from '../../db/request-transaction';
import { Kept, WROTE_NOTHING_SQL } from '../../db/kept';
import { RequestContext, requireUser } from '../../graphql/context';
import { keysetPage } from '../../graphql/keyset';
import { Page } from '../../graphql/relay';
import { templatesDir } from '../../paths';
import { Role } from '../../auth/roles';
import {
  CriterionDoc,
  DOCUMENT_FORMAT,
  FrameworkDoc,
  MAX_CRITERIA,
  MAX_CRITERIA_DEPTH,
  Problem,
  checkDocument,
  formatDocument,
  parseDocument,
} from './framework.document';
import { Criterion, Framework, FrameworkVersion, VersionStatus } from './framework.entity';
import { CriterionSource, CriterionSourceKind, criterionSourceKindLabels, normalizeSource, sourceFits } from './criterion-source';
import { frameworkError } from './framework.errors';
import { PassRule, ScoringType } from './pass-rule';
import { treeOrder } from './tree-order';

export interface TemplateInfo {
  name: string;
  code: string;
  title: string;
  description: string;
}

export interface CriterionInput {
  code: string;
  title: string;
  guidance?: string;
  weight?: number;
  maxScore?: number | null;
  scoringType?: ScoringType | null;
  target?: number | null;
  deductionPer?: number | null;
  bonus?: boolean;
  veto?: boolean;
  evidenceRequired?: boolean;
  /** 一次录入: the records prefillEvaluation counts for it; null unbinds. */
  source?: CriterionSource | null;
}

function requireFrameworkAdmin(ctx: RequestContext) {
  const viewer = requireUser(ctx);
  // The criteria bind every org of the tenant: only an admin at the root edits them.
  if (!holdsRoleAtRoot(viewer, [Role.TENANT_ADMIN])) throw frameworkError('NOT_FRAMEWORK_ADMIN');
  return viewer;
}

function readTemplate(name: string): string {
  const notFound = () => frameworkError('TEMPLATE_NOT_FOUND', { field: 'input.template', params: { template: name } });
  if (!/^[a-z0-9-]{1,40}$/.test(name)) throw notFound();
  try {
    return readFileSync(path.join(templatesDir, `${name}.yaml`), 'utf8');
  } catch {
    throw notFound();
  }
}

function invalidDocument(problems: Problem[]): never {
  throw frameworkError('INVALID_DOCUMENT', { field: 'input', params: { count: problems.length }, problems });
}

function toDoc(framework: Framework, version: FrameworkVersion, criteria: Criterion[]): FrameworkDoc {
  const byParent = new Map<string | null, Criterion[]>();
  for (const c of treeOrder(criteria)) byParent.set(c.parentId, [...(byParent.get(c.parentId) ?? []), c]);
  const build = (parent: string | null): CriterionDoc[] =>
    (byParent.get(parent) ?? []).map((c) => {
      const kids = build(c.id);
      const doc: CriterionDoc = { code: c.code, title: c.title };
      if (c.guidance) doc.guidance = c.guidance;
      if (!c.isBonus) doc.weight = c.weight;
      if (c.maxScore !== null) doc.maxScore = c.maxScore;
      if (c.scoringType) doc.scoringType = c.scoringType;
      if (c.target !== null) doc.target = c.target;
      if (c.deductionPer !== null) doc.deductionPer = c.deductionPer;
      if (c.isBonus) doc.bonus = true;
      if (c.isVeto) doc.veto = true;
      if (c.evidenceRequired) doc.evidenceRequired = true;
      if (c.source) doc.source = normalizeSource(c.source) ?? undefined;
      if (kids.length) doc.children = kids;
      return doc;
    });
  const rule = version.rule;
  return {
    format: DOCUMENT_FORMAT,
    code: framework.code,
    name: framework.name,
    description: framework.description,
    rule: {
      ...rule,
      kindWeights: Object.fromEntries(rule.kindWeights.map((w) => [w.kind, w.weight])) as unknown as PassRule['kindWeights'],
    },
    criteria: build(null),
  };
}

/** Inserts a whole criteria tree in one statement (ids are made here so children can point at parents). */
async function insertCriteria(tx: RequestTransaction, tenantId: string, versionId: string, docs: CriterionDoc[]): Promise<void> {
  const rows: unknown[][] = [];
  const walk = (list: CriterionDoc[], parentId: string | null) =>
    list.forEach((d, position) => {
      const id = randomUUID();
      rows.push([
        id,
        parentId,
        d.code,
        d.title,
        d.guidance ?? '',
        position,
        d.bonus ? 0 : (d.weight ?? 1),
        d.maxScore ?? null,
        d.scoringType ?? null,
        d.target ?? null,
        d.deductionPer ?? null,
        d.bonus ?? false,
        d.veto ?? false,
        d.evidenceRequired ?? false,
        d.source ? JSON.stringify(normalizeSource(d.source)) : null,
      ]);
      if (d.children?.length) walk(d.children, id);
    });
  walk(docs, null);
  if (!rows.length) return;
  const columns = [
    'id',
    'parent_id',
    'code',
    'title',
    'guidance',
    'position',
    'weight',
    'max_score',
    'scoring_type',
    'target',
    'deduction_per',
    'is_bonus',
    'is_veto',
    'evidence_required',
    'source',
  ];
  const types = [
    'uuid',
    'uuid',
    'text',
    'text',
    'text',
    'int',
    'numeric',
    'numeric',
    'text',
    'numeric',
    'numeric',
    'bool',
    'bool',
    'bool',
    'jsonb',
  ];
  const arrays = columns.map((_, i) => rows.map((r) => r[i]));
  // Parents are inserted before children within one statement; the FK is checked at the statement's end.
  await tx.execute(
    `INSERT INTO criteria (tenant_id, version_id, ${columns.join(', ')})
     SELECT $1, $2, * FROM unnest(${types.map((t, i) => `$${i + 3}::${t}[]`).join(', ')})`,
    [tenantId, versionId, ...arrays],
  );
}

/** A version of the viewer's tenant, batched and kept per request (its writes below forget it). */
async function loadVersion(ctx: RequestContext, id: string): Promise<FrameworkVersion> {
  const viewer = requireUser(ctx);
  const version = await ctx
    .loader<string, FrameworkVersion | null>('framework.version', async (ids) => {
      const { entities, raw } = await ctx.tx
        .repository(FrameworkVersion)
        .createQueryBuilder('v')
        // as for the criteria below: a status this transaction wrote itself is no ground to keep the rule
        .addSelect(WROTE_NOTHING_SQL, 'read_only')
        .where('v.tenant_id = :t AND v.id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
        .getRawAndEntities<{ read_only: boolean }>();
      const readOnly = raw[0]?.read_only === true;
      for (const v of entities)
        if (readOnly && v.status !== VersionStatus.DRAFT) frozenRules.set(`${viewer.tenantId}:${v.id}`, { id: v.id, rule: v.rule });
      return ids.map((v) => entities.find((r) => r.id === v) ?? null);
    })
    .load(id);
  if (!version) throw frameworkError('VERSION_NOT_FOUND');
  return version;
}

/**
 * A version's id and rule as scoring reads them, kept by this process once the version is past its
 * draft (a published or retired version's rule never changes; its status does, so it is not kept).
 * Keyed by tenant and filled only from that tenant's own committed reads, as the criteria are.
 */
export type ScoringVersion = Pick<FrameworkVersion, 'id' | 'rule'>;
const frozenRules = new Kept<ScoringVersion>(200);

/**
 * The criteria of versions past their draft, per tenant and version, kept by this process: a published
 * (or retired) version's criteria never change (only a draft's are edited). Bounded; the least recently
 * used goes first. Keyed by tenant, and filled only from that tenant's own reads (row-level security), in a
 * transaction that has written nothing yet (so the status it saw is committed).
 */
const frozenCriteria = new Kept<Criterion[]>(200);

async function loadDraft(ctx: RequestContext, id: string): Promise<FrameworkVersion> {
  const version = await loadVersion(ctx, id);
  if (version.status !== VersionStatus.DRAFT) throw frameworkError('VERSION_NOT_DRAFT', { params: { number: version.number } });
  // Serializes concurrent edits of one draft; its status is read again under the lock (a publish that
  // committed while this request waited leaves it a draft no longer)
  const [locked] = await ctx.tx.query<{ status: VersionStatus }>(
    `SELECT status FROM framework_versions WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
    [version.tenantId, version.id],
  );
  if (locked?.status !== VersionStatus.DRAFT) throw frameworkError('VERSION_NOT_DRAFT', { params: { number: version.number } });
  return version;
}

async function touch(ctx: RequestContext, version: FrameworkVersion) {
  ctx.forget('framework.criteria');
  ctx.forget('framework.version');
  await ctx.tx.execute(`UPDATE framework_versions SET updated_at = now() WHERE tenant_id = $1 AND id = $2`, [version.tenantId, version.id]);
}

/**
 * The criterion as it stands under its draft's lock (taken by loadDraft, which every change to a draft's
 * criteria takes first): a delete that committed while this request waited leaves CRITERION_NOT_FOUND.
 */
async function lockCriterion(ctx: RequestContext, id: string): Promise<{ criterion: Criterion; version: FrameworkVersion }> {
  const seen = await loadCriterion(ctx, id);
  const version = await loadDraft(ctx, seen.versionId);
  return { criterion: await loadCriterion(ctx, id), version };
}

/** The levels from the top (1 for a dimension) of `id` among `all`, a version's criteria. */
function levelOf(byId: Map<string, Criterion>, id: string | null): number {
  let n = 0;
  for (let c = id ? byId.get(id) : undefined; c; c = c.parentId ? byId.get(c.parentId) : undefined) n++;
  return n;
}

/** The levels of the subtree under `root` (1 for a leaf) among `all`. */
function heightOf(all: Criterion[], root: string): number {
  const children = all.filter((c) => c.parentId === root);
  return 1 + Math.max(0, ...children.map((c) => heightOf(all, c.id)));
}

function assertDepth(levels: number, field: string): void {
  if (levels > MAX_CRITERIA_DEPTH) throw frameworkError('CRITERIA_TOO_DEEP', { field, params: { max: MAX_CRITERIA_DEPTH } });
}

async function loadCriterion(ctx: RequestContext, id: string): Promise<Criterion> {
  const viewer = requireUser(ctx);
  const criterion = await ctx.tx.repository(Criterion).findOneBy({ tenantId: viewer.tenantId, id });
  if (!criterion) throw frameworkError('CRITERION_NOT_FOUND');
  return criterion;
}

/**
 * A check another module adds to every publication of a version (the federation module: a framework
 * adopted from a superior may not breach the superior's items, whichever mutation publishes it).
 * Throws a coded error to refuse.
 */
export type PublishGuard = (ctx: RequestContext, doc: FrameworkDoc) => Promise<void>;
const publishGuards: PublishGuard[] = [];
export function addPublishGuard(guard: PublishGuard): void {
  if (!publishGuards.includes(guard)) publishGuards.push(guard);
}

export const frameworkService = {
  templates(): TemplateInfo[] {
    return readdirSync(templatesDir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((file) => {
        const { raw } = parseDocument(readFileSync(path.join(templatesDir, file), 'utf8'));
        const doc = (raw ?? {}) as Partial<FrameworkDoc>;
        return { name: file.replace(/\.yaml$/, ''), code: doc.code ?? '', title: doc.name ?? '', description: doc.description ?? '' };
      });
  },

  /** The tenant's frameworks (every user of the tenant reads them), by code. */
  async list(ctx: RequestContext, first: number, after?: string): Promise<Page<Framework>> {
    const viewer = requireUser(ctx);
    const build = () => ctx.tx.repository(Framework).createQueryBuilder('f').where('f.tenant_id = :t', { t: viewer.tenantId });
    return keysetPage(
      build,
      [
        { sql: 'f.code', type: 'text', of: (f) => f.code },
        { sql: 'f.id', type: 'uuid', of: (f) => f.id },
      ],
      first,
      after,
    );
  },

  async findFramework(ctx: RequestContext, id: string): Promise<Framework | null> {
    const viewer = requireUser(ctx);
    return ctx
      .loader<string, Framework | null>('framework.byId', async (ids) => {
        const rows = await ctx.tx
          .repository(Framework)
          .createQueryBuilder('f')
          .where('f.tenant_id = :t AND f.id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
          .getMany();
        return ids.map((i) => rows.find((r) => r.id === i) ?? null);
      })
      .load(id);
  },

  /** The framework a version belongs to (both of the viewer's tenant, so it exists). */
  async frameworkOf(ctx: RequestContext, version: FrameworkVersion): Promise<Framework> {
    const framework = await this.findFramework(ctx, version.frameworkId);
    if (!framework) throw frameworkError('FRAMEWORK_NOT_FOUND');
    return framework;
  },

  async findVersion(ctx: RequestContext, id: string): Promise<FrameworkVersion | null> {
    const viewer = requireUser(ctx);
    return ctx
      .loader<string, FrameworkVersion | null>('frameworkVersion.byId', async (ids) => {
        const rows = await ctx.tx
          .repository(FrameworkVersion)
          .createQueryBuilder('v')
          .where('v.tenant_id = :t AND v.id = ANY(:ids)', { t: viewer.tenantId, ids: [...ids] })
          .getMany();
        return ids.map((i) => rows.find((r) => r.id === i) ?? null);
      })
      .load(id);
  },

  getVersion: loadVersion,

  /** The id and rule of a version (what scoring needs): from this process's cache once published. */
  async scoringVersion(ctx: RequestContext, id: string): Promise<ScoringVersion> {
    const key = `${requireUser(ctx).tenantId}:${id}`;
    return frozenRules.get(key) ?? loadVersion(ctx, id);
  },

  /** A framework's versions, oldest first. */
  async versionsOf(ctx: RequestContext, framework: Framework, first: number, after?: string): Promise<Page<FrameworkVersion>> {
    const build = () =>
      ctx.tx
        .repository(FrameworkVersion)
        .createQueryBuilder('v')
        .where('v.tenant_id = :t AND v.framework_id = :f', { t: framework.tenantId, f: framework.id });
    return keysetPage(
      build,
      [
        { sql: 'v.number', type: 'int', of: (v) => v.number },
        { sql: 'v.id', type: 'uuid', of: (v) => v.id },
      ],
      first,
      after,
    );
  },

  /** The framework's published version (at most one: publishing retires the previous), batched. */
  async publishedVersion(ctx: RequestContext, framework: Framework): Promise<FrameworkVersion | null> {
    return ctx
      .loader<string, FrameworkVersion | null>('framework.published', async (ids) => {
        const rows = await ctx.tx
          .repository(FrameworkVersion)
          .createQueryBuilder('v')
          .where(`v.tenant_id = :t AND v.framework_id = ANY(:ids) AND v.status = 'PUBLISHED'`, { t: framework.tenantId, ids: [...ids] })
          .getMany();
        return ids.map((id) => rows.find((r) => r.frameworkId === id) ?? null);
      })
      .load(framework.id);
  },

  /**
   * The criteria of a version in tree order, batched per request; a version past its draft is read once
   * per process (its criteria are immutable). Callers never change what they get.
   */
  async criteriaOf(ctx: RequestContext, versionId: string): Promise<Criterion[]> {
    const viewer = requireUser(ctx);
    const kept = frozenCriteria.get(`${viewer.tenantId}:${versionId}`);
    if (kept) return kept;
    return ctx
      .loader<string, Criterion[]>('framework.criteria', async (versionIds) => {
        const { entities, raw } = await ctx.tx
          .repository(Criterion)
          .createQueryBuilder('c')
          .innerJoin('framework_versions', 'v', 'v.tenant_id = c.tenant_id AND v.id = c.version_id')
          .addSelect('v.status', 'version_status')
          // a status this transaction wrote itself (a publish not yet committed) is no ground to keep them
          .addSelect(WROTE_NOTHING_SQL, 'read_only')
          .where('c.tenant_id = :t AND c.version_id = ANY(:ids)', { t: viewer.tenantId, ids: [...versionIds] })
          .getRawAndEntities<{ c_version_id: string; version_status: VersionStatus; read_only: boolean }>();
        const frozen = new Set(raw.filter((r) => r.read_only && r.version_status !== VersionStatus.DRAFT).map((r) => r.c_version_id));
        return versionIds.map((v) => {
          const criteria = treeOrder(entities.filter((r) => r.versionId === v));
          if (frozen.has(v)) frozenCriteria.set(`${viewer.tenantId}:${v}`, criteria);
          return criteria;
        });
      })
      .load(versionId);
  },

  async findCriterion(ctx: RequestContext, id: string): Promise<Criterion | null> {
    const viewer = requireUser(ctx);
    return ctx.tx.repository(Criterion).findOneBy({ tenantId: viewer.tenantId, id });
  },

  /** A new DRAFT version from a shipped template or a YAML/JSON document; a bad document changes nothing. */
  async import(ctx: RequestContext, input: { template?: string | null; document?: string | null }): Promise<FrameworkVersion> {
    const viewer = requireFrameworkAdmin(ctx);
    let text: string;
    if (input.template && !input.document) text = readTemplate(input.template);
    else if (input.document && !input.template) text = input.document;
    else throw frameworkError('IMPORT_SOURCE', 'input');
    const parsed = parseDocument(text);
    if (parsed.problems.length) invalidDocument(parsed.problems);
    const { doc, problems } = checkDocument(parsed.raw);
    if (!doc) invalidDocument(problems);
    // the first import of a code creates its framework (frameworks_tenant_id_code_key); the others add versions to it
    const framework = await findOrInsert(
      ctx.tx.repository(Framework),
      { tenantId: viewer.tenantId, code: doc.code },
      { name: doc.name, description: doc.description ?? '' },
    );
    const next = await nextVersionNumber(ctx, framework.id);
    const versions = ctx.tx.repository(FrameworkVersion);
    const version = await versions.save(
      versions.create({ tenantId: viewer.tenantId, frameworkId: framework.id, number: next, status: VersionStatus.DRAFT, rule: doc.rule }),
    );
    await insertCriteria(ctx.tx, viewer.tenantId, version.id, doc.criteria);
    return versions.findOneByOrFail({ tenantId: viewer.tenantId, id: version.id });
  },

  async export(ctx: RequestContext, versionId: string, format: 'YAML' | 'JSON'): Promise<string> {
    const version = await loadVersion(ctx, versionId);
    const framework = await this.frameworkOf(ctx, version);
    return formatDocument(toDoc(framework, version, await this.criteriaOf(ctx, version.id)), format);
  },

  /** Copies a version (any status) into a new DRAFT with the same criteria and rule. */
  async createDraftFrom(ctx: RequestContext, versionId: string): Promise<FrameworkVersion> {
    const viewer = requireFrameworkAdmin(ctx);
    const source = await loadVersion(ctx, versionId);
    const framework = await this.frameworkOf(ctx, source);
    const doc = toDoc(framework, source, await this.criteriaOf(ctx, source.id));
    const next = await nextVersionNumber(ctx, source.frameworkId);
    const versions = ctx.tx.repository(FrameworkVersion);
    const draft = await versions.save(
      versions.create({
        tenantId: viewer.tenantId,
        frameworkId: source.frameworkId,
        number: next,
        status: VersionStatus.DRAFT,
        rule: source.rule,
        createdFromId: source.id,
      }),
    );
    await insertCriteria(ctx.tx, viewer.tenantId, draft.id, doc.criteria);
    return versions.findOneByOrFail({ tenantId: viewer.tenantId, id: draft.id });
  },

  async updateRule(ctx: RequestContext, versionId: string, rule: PassRule): Promise<FrameworkVersion> {
    requireFrameworkAdmin(ctx);
    const version = await loadDraft(ctx, versionId);
    await ctx.tx.repository(FrameworkVersion).update({ tenantId: version.tenantId, id: version.id }, { rule: { ...rule } });
    ctx.forget('framework.version');
    return loadVersion(ctx, version.id);
  },

  async addCriterion(
    ctx: RequestContext,
    input: Partial<CriterionInput> & { versionId: string; parentId?: string | null; position?: number | null },
  ): Promise<Criterion> {
    const viewer = requireFrameworkAdmin(ctx);
    const { code, title } = input;
    if (!code || !title) throw frameworkError('CRITERION_FIELDS_REQUIRED', code ? 'input.title' : 'input.code');
    const version = await loadDraft(ctx, input.versionId);
    // the draft's criteria as they stand under its lock
    const all = await this.criteriaOf(ctx, version.id);
    const byId = new Map(all.map((c) => [c.id, c]));
    if (input.parentId && !byId.has(input.parentId)) throw frameworkError('CRITERION_NOT_FOUND', 'input.parentId');
    if (all.length >= MAX_CRITERIA) throw frameworkError('CRITERIA_TOO_MANY', { field: 'input.versionId', params: { max: MAX_CRITERIA } });
    assertDepth(levelOf(byId, input.parentId ?? null) + 1, 'input.parentId');
    await assertCodeFree(ctx, version.id, code);
    assertSourceFits({ ...input, code, title });
    const parentId = input.parentId ?? null;
    const siblings = all.filter((c) => c.parentId === parentId);
    const position = Math.max(0, Math.min(input.position ?? siblings.length, siblings.length));
    await ctx.tx.execute(
      `UPDATE criteria SET position = position + 1 WHERE tenant_id = $1 AND version_id = $2 AND parent_id IS NOT DISTINCT FROM $3 AND position >= $4`,
      [viewer.tenantId, version.id, parentId, position],
    );
    const repo = ctx.tx.repository(Criterion);
    const saved = await repo.save(
      repo.create({ tenantId: viewer.tenantId, versionId: version.id, parentId, position, ...criterionColumns({ ...input, code, title }) }),
    );
    await touch(ctx, version);
    return repo.findOneByOrFail({ tenantId: viewer.tenantId, id: saved.id });
  },

  async updateCriterion(ctx: RequestContext, id: string, patch: Partial<CriterionInput>): Promise<Criterion> {
    requireFrameworkAdmin(ctx);
    const version = await loadDraft(ctx, (await loadCriterion(ctx, id)).versionId);
    // read again under the draft's lock (every change to a draft's criteria takes it): the fields the
    // patch leaves alone are as the last change left them
    const criterion = await loadCriterion(ctx, id);
    if (patch.code !== undefined && patch.code !== criterion.code) await assertCodeFree(ctx, version.id, patch.code);
    // left out, or null where a criterion cannot lack the field (its code, title, weight, flags), keeps the stored
    // value; null clears what a criterion may lack (a dimension's maximum, a scoring type, a target, a source)
    const given = Object.fromEntries(
      Object.entries(patch).filter(([key, v]) => v !== undefined && (v !== null || CLEARABLE.has(key as keyof CriterionInput))),
    ) as Partial<CriterionInput>;
    assertSourceFits({ ...criterionInputOf(criterion), ...given });
    await ctx.tx
      .repository(Criterion)
      .update({ tenantId: criterion.tenantId, id: criterion.id }, criterionColumns({ ...criterionInputOf(criterion), ...given }));
    await touch(ctx, version);
    return loadCriterion(ctx, id);
  },

  /** Moves a criterion (with its subtree) under another parent and/or to another position. */
  async moveCriterion(
    ctx: RequestContext,
    id: string,
    newParentId: string | null,
    position: number | null | undefined,
  ): Promise<Criterion> {
    requireFrameworkAdmin(ctx);
    const { criterion, version } = await lockCriterion(ctx, id);
    const all = await this.criteriaOf(ctx, version.id);
    const byId = new Map(all.map((c) => [c.id, c]));
    if (newParentId) {
      if (!byId.has(newParentId)) throw frameworkError('CRITERION_NOT_FOUND', 'input.newParentId');
      for (let p = byId.get(newParentId); p; p = p.parentId ? byId.get(p.parentId) : undefined) {
        if (p.id === criterion.id) throw frameworkError('CRITERION_MOVE_CYCLE', 'input.newParentId');
      }
    }
    // the moved subtree's deepest criterion stays within the levels publish allows
    assertDepth(levelOf(byId, newParentId) + heightOf(all, criterion.id), 'input.newParentId');
    const siblings = all.filter((c) => c.parentId === newParentId && c.id !== criterion.id);
    const at = Math.max(0, Math.min(position ?? siblings.length, siblings.length));
    siblings.splice(at, 0, criterion);
    // Renumber the new siblings and close the gap left behind in one statement.
    const oldSiblings = all.filter((c) => c.parentId === criterion.parentId && c.id !== criterion.id);
    const updates = [
      ...siblings.map((c, i) => [c.id, i] as const),
      ...(criterion.parentId !== newParentId ? oldSiblings.map((c, i) => [c.id, i] as const) : []),
    ];
    await ctx.tx.execute(
      `UPDATE criteria c SET position = u.position, parent_id = CASE WHEN c.id = $3 THEN $4::uuid ELSE c.parent_id END
         FROM unnest($1::uuid[], $2::int[]) AS u(id, position) WHERE c.tenant_id = $5 AND c.id = u.id`,
      [updates.map((u) => u[0]), updates.map((u) => u[1]), criterion.id, newParentId, criterion.tenantId],
    );
    await touch(ctx, version);
    return loadCriterion(ctx, id);
  },

  async deleteCriterion(ctx: RequestContext, id: string): Promise<boolean> {
    requireFrameworkAdmin(ctx);
    // its parent and position as they stand under the draft's lock: a second delete finds it gone
    const { criterion, version } = await lockCriterion(ctx, id);
    await ctx.tx.execute(`DELETE FROM criteria WHERE tenant_id = $1 AND id = $2`, [criterion.tenantId, criterion.id]);
    await ctx.tx.execute(
      `UPDATE criteria SET position = position - 1 WHERE tenant_id = $1 AND version_id = $2 AND parent_id IS NOT DISTINCT FROM $3 AND position > $4`,
      [criterion.tenantId, version.id, criterion.parentId, criterion.position],
    );
    await touch(ctx, version);
    return true;
  },

  /** Checks the whole tree and rule, reporting every problem at once; then publishes and retires the previous one. */
  /** Publishes a draft (retiring the published one); `guards: false` only for a superior's document taken as it is. */
  async publish(ctx: RequestContext, versionId: string, options: { guards?: boolean } = {}): Promise<FrameworkVersion> {
    requireFrameworkAdmin(ctx);
    const version = await loadDraft(ctx, versionId);
    const framework = await this.frameworkOf(ctx, version);
    const doc = toDoc(framework, version, await this.criteriaOf(ctx, version.id));
    const { problems } = checkDocument(doc);
    if (problems.length)
      throw frameworkError('INVALID_VERSION', { field: 'input.versionId', params: { count: problems.length }, problems });
    if (options.guards !== false) for (const guard of publishGuards) await guard(ctx, doc);
    // one published version a framework: a concurrent publish of another draft retires this one after it, or this one it
    await lockFramework(ctx, version.frameworkId);
    await ctx.tx.execute(
      `UPDATE framework_versions SET status = 'RETIRED', updated_at = now() WHERE tenant_id = $1 AND framework_id = $2 AND status = 'PUBLISHED'`,
      [version.tenantId, version.frameworkId],
    );
    await ctx.tx.execute(
      `UPDATE framework_versions SET status = 'PUBLISHED', published_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [version.tenantId, version.id],
    );
    ctx.forget('framework.published');
    ctx.forget('framework.version');
    return loadVersion(ctx, version.id);
  },

  /**
   * A published version something new is bound to (a campaign), held FOR SHARE until the transaction ends and its
   * status read under the lock: a publication of another draft or a retirement that commits meanwhile (each updates
   * the row) is seen, VERSION_NOT_PUBLISHED, or waits for the request.
   */
  async holdPublished(ctx: RequestContext, versionId: string, refused: () => Error): Promise<FrameworkVersion> {
    const version = await loadVersion(ctx, versionId);
    if (version.status !== VersionStatus.PUBLISHED) throw refused();
    const [held] = await ctx.tx.query<{ status: VersionStatus }>(
      `SELECT status FROM framework_versions WHERE tenant_id = $1 AND id = $2 FOR SHARE`,
      [version.tenantId, version.id],
    );
    if (held?.status !== VersionStatus.PUBLISHED) throw refused();
    return version;
  },

  async retire(ctx: RequestContext, versionId: string): Promise<FrameworkVersion> {
    requireFrameworkAdmin(ctx);
    const version = await loadVersion(ctx, versionId);
    if (version.status !== VersionStatus.PUBLISHED) throw frameworkError('VERSION_NOT_PUBLISHED', 'input.versionId');
    // the status in the WHERE: a concurrent retire or publish that committed first leaves nothing to retire here
    const retired = await ctx.tx.execute(
      `UPDATE framework_versions SET status = 'RETIRED', updated_at = now() WHERE tenant_id = $1 AND id = $2 AND status = 'PUBLISHED'`,
      [version.tenantId, version.id],
    );
    if (!retired) throw frameworkError('VERSION_NOT_PUBLISHED', 'input.versionId');
    ctx.forget('framework.published');
    ctx.forget('framework.version');
    return loadVersion(ctx, version.id);
  },
};

async function assertCodeFree(ctx: RequestContext, versionId: string, code: string) {
  const taken = await ctx.tx.query<{ one: number }>(
    `SELECT 1 AS one FROM criteria WHERE tenant_id = app_tenant_id() AND version_id = $1 AND code = $2`,
    [versionId, code],
  );
  if (taken.length) throw frameworkError('CRITERION_CODE_TAKEN', { field: 'input.code', params: { criterionCode: code } });
}

function criterionInputOf(c: Criterion): CriterionInput {
  return {
    code: c.code,
    title: c.title,
    guidance: c.guidance,
    weight: c.weight,
    maxScore: c.maxScore,
    scoringType: c.scoringType,
    target: c.target,
    deductionPer: c.deductionPer,
    bonus: c.isBonus,
    veto: c.isVeto,
    evidenceRequired: c.evidenceRequired,
    source: c.source,
  };
}

/** The fields of a criterion an update may clear with null. */
const CLEARABLE = new Set<keyof CriterionInput>(['maxScore', 'scoringType', 'target', 'deductionPer', 'source']);

function criterionColumns(input: CriterionInput) {
  return {
    code: input.code,
    title: input.title,
    guidance: input.guidance ?? '',
    weight: input.weight ?? 1,
    maxScore: input.maxScore ?? null,
    scoringType: input.scoringType ?? null,
    target: input.target ?? null,
    deductionPer: input.deductionPer ?? null,
    isBonus: input.bonus ?? false,
    isVeto: input.veto ?? false,
    evidenceRequired: input.evidenceRequired ?? false,
    source: normalizeSource(input.source),
  };
}

/** A binding that cannot fill the criterion's scoring type is refused at once (the rest is checked at publishing). */
function assertSourceFits(input: CriterionInput) {
  const source = normalizeSource(input.source);
  if (!source) return;
  if (!sourceFits(source.kind, input.scoringType ?? null))
    throw frameworkError('DOC_SOURCE_SCORING_TYPE', {
      field: 'input.source',
      params: {
        source: criterionSourceKindLabels[source.kind],
        scoringTypes:
          source.kind === CriterionSourceKind.PUBLIC_SATISFACTION ? '百分比型（PERCENT）' : '计数型（COUNT）或是否型（BOOLEAN）',
      },
    });
  if (input.source?.ledgerCategory && source.kind !== CriterionSourceKind.LEDGER_ENTRIES)
    throw frameworkError('DOC_SOURCE_OPTION', 'input.source');
}

/**
 * The number the framework's next version takes, with the framework locked until the transaction ends:
 * concurrent imports and copies into one framework take the numbers one after another instead of one
 * of them failing on framework_versions' unique number.
 */
async function nextVersionNumber(ctx: RequestContext, frameworkId: string): Promise<number> {
  const tenantId = requireUser(ctx).tenantId;
  await lockFramework(ctx, frameworkId);
  const [{ next }] = await ctx.tx.query<{ next: number }>(
    `SELECT coalesce(max(number), 0)::int + 1 AS next FROM framework_versions WHERE tenant_id = $1 AND framework_id = $2`,
    [tenantId, frameworkId],
  );
  return next;
}

/** Locks a framework's row until the transaction ends: its version numbers and its one published version change one request at a time. */
async function lockFramework(ctx: RequestContext, frameworkId: string): Promise<void> {
  await ctx.tx.query(`SELECT 1 AS one FROM frameworks WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
    requireUser(ctx).tenantId,
    frameworkId,
  ]);
}
