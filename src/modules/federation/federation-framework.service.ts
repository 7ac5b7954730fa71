import { RequestContext } from '../../graphql/context';
import { Problem, reasonProblem } from '../../graphql/errors';
import { keysetPage } from '../../graphql/keyset';
import { Page, decodeGlobalId } from '../../graphql/relay';
import { FrameworkVersion, VersionStatus } from '../framework/framework.entity';
import { CriterionDoc, FrameworkDoc } from '../framework/framework.document';
import { addPublishGuard, frameworkService } from '../framework/framework.service';
import { HandedDownFramework, TenantLink, TenantLinkSide, TenantLinkState } from './federation.entity';
import { federationError } from './federation.errors';
import { requireRootAdmin } from './federation.service';

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
    let handed = 0;
    for (const link of targets) {
      const [{ made }] = await ctx.tx.query<{ made: string | null }>(`SELECT app_federation_hand_down($1, $2, $3, $4::jsonb) AS made`, [
        link.id,
        doc.code,
        doc.name,
        JSON.stringify(doc),
      ]);
      if (made) handed++;
    }
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
