import { RequestContext } from '../../graphql/context';
import { Problem, reasonProblem } from '../../graphql/errors';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeGlobalId } from '../../graphql/relay';
import { FrameworkVersion, VersionStatus } from '../framework/framework.entity';
import { CriterionDoc, FrameworkDoc, checkDocument } from '../framework/framework.document';
import { addPublishGuard, frameworkService } from '../framework/framework.service';
import { SuperiorResult } from '../evaluation/evaluation.entity';
import { setSuperiorScorer } from '../evaluation/evaluation.service';
import { KindResult, ScoringCriterion, combineKinds, scoreEvaluation } from '../evaluation/scoring';
import { HandedDownFramework, TenantLink, TenantLinkSide, TenantLinkState } from './federation.entity';
import { federationError } from './federation.errors';
import { requireRootAdmin } from './federation.service';
import { holdLock } from '../../db/advisory-lock';

/** How a subordinate's version departs from the superior's handed-down one, item by item. */
export function breachesOf(superior: FrameworkDoc, own: FrameworkDoc): Problem[] {
  const problems: Problem[] = [];
  // the subordinate's criteria by code, with the code of their parent
  const mine = new Map<string, { c: CriterionDoc; parent: string | null }>();
  const index = (list: CriterionDoc[], parent: string | null) =>
    list.forEach((c) => {
      mine.set(c.code, { c, parent });
      index(c.children ?? [], c.code);
    });
  index(own.criteria, null);
  const walk = (list: CriterionDoc[], parent: string | null, prefix: string) => {
    for (const s of list) {
      const path = `${prefix}[${s.code}]`;
      const found = mine.get(s.code);
      if (!found) {
        problems.push(reasonProblem(path, 'FEDERATION_ITEM_REMOVED', { code: s.code }));
        continue;
      }
      const o = found.c;
      if (found.parent !== parent) problems.push(reasonProblem(path, 'FEDERATION_ITEM_MOVED', { code: s.code }));
      for (const field of ['title', 'guidance'] as const)
        if ((s[field] ?? '') !== (o[field] ?? ''))
          problems.push(reasonProblem(`${path}.${field}`, 'FEDERATION_ITEM_REWORDED', { code: s.code }));
      const weaker: [keyof CriterionDoc, boolean][] = [
        ['scoringType', (s.scoringType ?? null) !== (o.scoringType ?? null)],
        ['maxScore', (o.maxScore ?? 0) < (s.maxScore ?? 0)],
        ['target', (o.target ?? 0) < (s.target ?? 0)],
        ['deductionPer', (o.deductionPer ?? 0) < (s.deductionPer ?? 0)],
        ['veto', !!s.veto && !o.veto],
        ['evidenceRequired', !!s.evidenceRequired && !o.evidenceRequired],
        ['bonus', !!s.bonus !== !!o.bonus],
      ];
      for (const [field, weak] of weaker)
        if (weak) problems.push(reasonProblem(`${path}.${field}`, 'FEDERATION_ITEM_WEAKENED', { code: s.code }));
      walk(s.children ?? [], s.code, `${path}.children`);
    }
  };
  walk(superior.criteria, null, 'criteria');
  if (own.rule.threshold < superior.rule.threshold)
    problems.push(reasonProblem('rule.threshold', 'FEDERATION_THRESHOLD_LOWERED', { item: 'threshold' }));
  for (const g of superior.rule.grades ?? []) {
    const o = (own.rule.grades ?? []).find((x) => x.code === g.code);
    if (!o || o.min < g.min) problems.push(reasonProblem(`rule.grades[${g.code}]`, 'FEDERATION_THRESHOLD_LOWERED', { item: g.code }));
  }
  return problems;
}

/**
 * Whatever publishes a version of a framework the tenant adopted from a superior (publishVersion on the
 * adopted draft, or on a later draft of the same framework), it is held to the superior's items of the
 * newest adoption, exactly as publishAdoptedFramework is.
 */
addPublishGuard(async (ctx, doc) => {
  const [adopted] = await ctx.tx.query<{ document: FrameworkDoc }>(
    `SELECT document FROM handed_down_frameworks
      WHERE tenant_id = app_tenant_id() AND code = $1 AND adopted_as IS NOT NULL
      ORDER BY adopted_at DESC, handed_at DESC LIMIT 1`,
    [doc.code],
  );
  if (!adopted) return;
  const problems = breachesOf(adopted.document, doc);
  if (problems.length)
    throw federationError('FEDERATION_BREACHES', { field: 'input.versionId', params: { count: problems.length }, problems });
});

/** The handed-down framework a campaign's version was adopted from, checked into scoring form. */
interface Adoption {
  handedDownId: string;
  linkId: string;
  superiorTenantId: string;
  doc: FrameworkDoc;
  criteria: ScoringCriterion[];
}

/** A handed-down document's criteria as the scorer reads them: each keyed by its code (unique in a version). */
function scoringCriteriaOf(doc: FrameworkDoc): ScoringCriterion[] {
  const out: ScoringCriterion[] = [];
  const walk = (list: CriterionDoc[], parent: string | null) =>
    list.forEach((d, position) => {
      out.push({
        id: d.code,
        parentId: parent,
        code: d.code,
        position,
        weight: d.bonus ? 0 : (d.weight ?? 1),
        maxScore: d.maxScore ?? null,
        scoringType: d.scoringType ?? null,
        target: d.target ?? null,
        deductionPer: d.deductionPer ?? null,
        isBonus: d.bonus ?? false,
        isVeto: d.veto ?? false,
      });
      walk(d.children ?? [], d.code);
    });
  walk(doc.criteria, null);
  return out;
}

/** Per request: the newest adoption of a superior's framework whose code the version's framework bears. */
const adoptionOf = (ctx: RequestContext, versionId: string): Promise<Adoption | null> =>
  ctx
    .loader<string, Adoption | null>('federation.adoptionOfVersion', async (ids) =>
      Promise.all(
        ids.map(async (id) => {
          const [row] = await ctx.tx.query<{ id: string; link_id: string; superior: string; document: unknown }>(
            `SELECT h.id, h.link_id, l.peer_tenant_id AS superior, h.document
               FROM framework_versions v
               JOIN frameworks f ON f.tenant_id = v.tenant_id AND f.id = v.framework_id
               JOIN handed_down_frameworks h ON h.tenant_id = f.tenant_id AND h.code = f.code AND h.adopted_as IS NOT NULL
               JOIN tenant_links l ON l.tenant_id = h.tenant_id AND l.id = h.link_id
              WHERE v.tenant_id = app_tenant_id() AND v.id = $1
              ORDER BY h.adopted_at DESC, h.handed_at DESC LIMIT 1`,
            [id],
          );
          // the stored document passed the superior's publication; checked again for the scoring form of its rule
          const doc = row ? checkDocument(row.document).doc : undefined;
          return row && doc
            ? { handedDownId: row.id, linkId: row.link_id, superiorTenantId: row.superior, doc, criteria: scoringCriteriaOf(doc) }
            : null;
        }),
      ),
    )
    .load(versionId);

/**
 * The subordinate's results reported against the superior's framework: its accepted evaluations' raw
 * values, matched to the superior's items by code, scored under the superior's weights and rule; the
 * bureau's own added items count for nothing here.
 */
setSuperiorScorer(async (ctx, campaign, accepted) => {
  const adoption = await adoptionOf(ctx, campaign.versionId);
  if (!adoption) return null;
  // the orgs a request stores results for (a version upgrade's every accepted org) read in one statement; not kept
  // past it, as the scores may change later in the request
  const values = ctx.loader<string, { evaluation_id: string; code: string; value: number }[]>('federation.superiorValues', async (ids) => {
    const all = await ctx.tx.query<{ evaluation_id: string; code: string; value: number }>(
      `SELECT s.evaluation_id, c.code, s.value::float8 AS value
           FROM evaluation_scores s JOIN criteria c ON c.tenant_id = s.tenant_id AND c.id = s.criterion_id
          WHERE s.tenant_id = app_tenant_id() AND s.evaluation_id = ANY($1::uuid[])`,
      [[...ids]],
    );
    const byEvaluation = new Map<string, typeof all>(ids.map((id) => [id, []]));
    for (const r of all) byEvaluation.get(r.evaluation_id)?.push(r);
    return ids.map((id) => byEvaluation.get(id) ?? []);
  });
  const ids = accepted.map((a) => a.id);
  const rows = (await Promise.all(ids.map((id) => values.load(id)))).flat();
  for (const id of ids) values.clear(id);
  const { doc, criteria } = adoption;
  const scores = accepted.map((a) => ({
    kind: a.kind,
    score: scoreEvaluation(doc.rule, criteria, new Map(rows.filter((r) => r.evaluation_id === a.id).map((r) => [r.code, r.value]))),
  }));
  const combined = combineKinds(
    doc.rule,
    scores.map((s): KindResult => ({ kind: s.kind, total: s.score.total, veto: s.score.veto })),
  );
  const weightOf = new Map(combined.components.map((c) => [c.kind, c.weight]));
  const round2 = (n: number) => Math.round(n * 100) / 100;
  const result: SuperiorResult = {
    linkId: adoption.linkId,
    superiorTenantId: adoption.superiorTenantId,
    handedDownId: adoption.handedDownId,
    frameworkName: doc.name,
    total: combined.total,
    grade: combined.grade,
    gradeLabel: doc.rule.grades.find((g) => g.code === combined.grade)?.label ?? combined.grade,
    attained: combined.attained,
    veto: combined.veto,
    complete: combined.complete,
    dimensions: doc.criteria.map((d) => ({
      code: d.code,
      title: d.title,
      points: round2(scores.reduce((sum, s) => sum + (weightOf.get(s.kind) ?? 0) * (s.score.nodes.get(d.code)?.points ?? 0), 0)),
      maxPoints: scores[0]?.score.nodes.get(d.code)?.maxPoints ?? 0,
    })),
  };
  return result;
});

const docOf = async (ctx: RequestContext, versionId: string): Promise<FrameworkDoc> =>
  JSON.parse(await frameworkService.export(ctx, versionId, 'JSON')) as FrameworkDoc;

export const federationFrameworkService = {
  /** The superior hands a published version down over its active links (all, or those named): how many received it. */
  async handDown(ctx: RequestContext, input: { versionId: string; linkIds?: string[] | null }): Promise<number> {
    const viewer = requireRootAdmin(ctx);
    const decoded = decodeGlobalId(input.versionId);
    const version = decoded?.type === 'FrameworkVersion' ? await frameworkService.findVersion(ctx, decoded.id) : null;
    if (!version) throw federationError('FEDERATION_VERSION_NOT_FOUND', 'input.versionId');
    if (version.status !== VersionStatus.PUBLISHED) throw federationError('FEDERATION_VERSION_NOT_PUBLISHED', 'input.versionId');
    const doc = await docOf(ctx, version.id);
    const wanted = input.linkIds?.map((id) => {
      const d = decodeGlobalId(id);
      if (d?.type !== 'TenantLink') throw federationError('FEDERATION_LINK_NOT_FOUND', 'input.linkIds');
      return d.id;
    });
    const links = await ctx.tx
      .repository(TenantLink)
      .findBy({ tenantId: viewer.tenantId, side: TenantLinkSide.SUPERIOR, state: TenantLinkState.ACTIVE });
    const targets = wanted ? links.filter((l) => wanted.includes(l.id)) : links;
    if (wanted && targets.length !== new Set(wanted).size) throw federationError('FEDERATION_LINK_NOT_FOUND', 'input.linkIds');
    if (!targets.length) throw federationError('FEDERATION_NO_SUBORDINATES', 'input.linkIds');
    // each hand-down writes a document into the subordinate: bounded per link and day, counted under a lock of the
    // superior (the only one that hands down its links), and all links checked before any is written
    await holdLock(ctx.tx, `federation-hand-down:${viewer.tenantId}`);
    const limit = ctx.config.federationHandDownsPerDay;
    // every link counted in one statement (in the targets' order): the first at its limit is named
    const counts = await ctx.tx.query<{ id: string; n: number }>(
      `SELECT l.id, app_federation_handed_down_since(l.id, now() - interval '1 day') AS n
         FROM unnest($1::uuid[]) WITH ORDINALITY AS l(id, ord) ORDER BY l.ord`,
      [targets.map((l) => l.id)],
    );
    const full = counts.find((c) => c.n >= limit);
    if (full) {
      const peerTenantId = targets.find((l) => l.id === full.id)?.peerTenantId;
      const [peer] = await ctx.tx.query<{ name: string }>(`SELECT name FROM app_federation_peers() WHERE tenant_id = $1`, [peerTenantId]);
      throw federationError('FEDERATION_TOO_MANY_HANDED_DOWN', {
        field: 'input.linkIds',
        params: { tenant: peer?.name ?? '', count: full.n, limit },
      });
    }
    // and handed down in one more, the document sent once for all of them (up to 512 KB), link after link in that order
    const [{ handed }] = await ctx.tx.query<{ handed: number }>(
      `SELECT count(m.made)::int AS handed
         FROM unnest($1::uuid[]) WITH ORDINALITY AS l(id, ord)
         CROSS JOIN LATERAL (SELECT app_federation_hand_down(l.id, $2, $3, $4::jsonb) AS made) m`,
      [targets.map((l) => l.id), doc.code, doc.name, JSON.stringify(doc)],
    );
    return handed;
  },

  /** What superiors handed down to the viewer's tenant, newest first (a root admin's). */
  async list(ctx: RequestContext, first: number, after?: string): Promise<Page<HandedDownFramework>> {
    const viewer = requireRootAdmin(ctx);
    return keysetPage(
      () => ctx.tx.repository(HandedDownFramework).createQueryBuilder('h').where('h.tenant_id = :t', { t: viewer.tenantId }),
      [
        { sql: 'h.handed_at', type: 'timestamptz', desc: true },
        { sql: 'h.id', type: 'uuid', desc: true },
      ],
      first,
      after,
    );
  },

  async get(ctx: RequestContext, globalId: string): Promise<HandedDownFramework> {
    const viewer = requireRootAdmin(ctx);
    const decoded = decodeGlobalId(globalId);
    const row =
      decoded?.type === 'HandedDownFramework'
        ? await ctx.tx.repository(HandedDownFramework).findOneBy({ tenantId: viewer.tenantId, id: decoded.id })
        : null;
    if (!row) throw federationError('FEDERATION_HANDED_DOWN_NOT_FOUND', 'input.handedDownId');
    return row;
  },

  /**
   * The subordinate adopts a handed-down version: as it is (imported and published at once) or as the
   * base of its own version (imported as a draft to add criteria to and raise thresholds in; published
   * with publishAdoptedFramework, which refuses every breach of the superior's items). Once per row.
   */
  async adopt(ctx: RequestContext, input: { handedDownId: string; asBase: boolean }): Promise<HandedDownFramework> {
    const row = await this.get(ctx, input.handedDownId);
    if (row.adoptedAs) throw federationError('FEDERATION_ALREADY_ADOPTED', 'input.handedDownId');
    let version = await frameworkService.import(ctx, { document: JSON.stringify(row.document) });
    // taken as it is: the superior's own document, held to nothing but itself
    if (!input.asBase) version = await frameworkService.publish(ctx, version.id, { guards: false });
    const claimed = await ctx.tx.execute(
      `UPDATE handed_down_frameworks SET adopted_as = $3, adopted_version_id = $4, adopted_at = now()
        WHERE tenant_id = $1 AND id = $2 AND adopted_as IS NULL`,
      [row.tenantId, row.id, input.asBase ? 'BASE' : 'AS_IS', version.id],
    );
    // a concurrent adoption got there first: this one's import goes with its savepoint
    if (!claimed) throw federationError('FEDERATION_ALREADY_ADOPTED', 'input.handedDownId');
    return this.get(ctx, input.handedDownId);
  },

  /** Every breach of the superior's items in a version of the subordinate's (by default the adopted one). */
  async breaches(ctx: RequestContext, handedDownId: string, versionId?: string | null): Promise<Problem[]> {
    const row = await this.get(ctx, handedDownId);
    let version: FrameworkVersion | null = null;
    if (versionId) {
      const d = decodeGlobalId(versionId);
      version = d?.type === 'FrameworkVersion' ? await frameworkService.findVersion(ctx, d.id) : null;
    } else if (row.adoptedVersionId) version = await frameworkService.findVersion(ctx, row.adoptedVersionId);
    if (!version) throw federationError('FEDERATION_VERSION_NOT_FOUND', versionId ? 'versionId' : 'handedDownId');
    return breachesOf(row.document as FrameworkDoc, await docOf(ctx, version.id));
  },

  /** Publishes the draft adopted as a base, unless it breaches the superior's items (each reported by path). */
  async publishAdopted(ctx: RequestContext, handedDownId: string): Promise<FrameworkVersion> {
    const row = await this.get(ctx, handedDownId);
    if (row.adoptedAs !== 'BASE' || !row.adoptedVersionId) throw federationError('FEDERATION_NOT_ADOPTED_AS_BASE', 'input.handedDownId');
    const problems = await this.breaches(ctx, handedDownId);
    if (problems.length)
      throw federationError('FEDERATION_BREACHES', { field: 'input.handedDownId', params: { count: problems.length }, problems });
    return frameworkService.publish(ctx, row.adoptedVersionId);
  },
};
