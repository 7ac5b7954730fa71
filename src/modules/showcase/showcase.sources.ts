import { RequestContext } from '../../graphql/context';
import { decodeGlobalId } from '../../graphql/relay';
import { CommitmentState } from '../commitment/commitment.entity';
import { commitmentService } from '../commitment/commitment.service';
import { HOLDING_STATES } from '../exemplar/exemplar.entity';
import { exemplarKindService } from '../exemplar/exemplar-kind.service';
import { exemplarService } from '../exemplar/exemplar.service';
import { InnovationStage, innovationAwardLevelLabels } from '../innovation/innovation.entity';
import { innovationService } from '../innovation/innovation.service';
import { BriefingState } from '../ledger/ledger.entity';
import { briefingService } from '../ledger/ledger.service';
import { serviceBrandService } from '../service-brand/service-brand.service';
import { serviceKindLabels } from '../service-team/service-team.entity';
import { serviceTeamService } from '../service-team/service-team.service';
import { ShowcaseSource, showcaseSourceLabels } from './showcase.entity';
import { showcaseError } from './showcase.errors';

/** What an item shows the public, taken from its record when proposed: plain text, contact data masked. */
export interface Snapshot {
  type: ShowcaseSource;
  sourceId: string;
  orgId: string;
  category: string;
  title: string;
  summary: string;
  body: string;
}

/** The GraphQL type of each record that can be shown. */
const TYPES: Record<string, ShowcaseSource> = {
  Briefing: ShowcaseSource.BRIEFING,
  Exemplar: ShowcaseSource.EXEMPLAR,
  ServiceBrand: ShowcaseSource.SERVICE_BRAND,
  Commitment: ShowcaseSource.COMMITMENT,
  InnovationProject: ShowcaseSource.INNOVATION_PROJECT,
  ServiceTeam: ShowcaseSource.SERVICE_TEAM,
  ServiceRecord: ShowcaseSource.SERVICE_RECORD,
};

/**
 * Whether the record of an item (alias `s`) may still be shown: one condition per source, read whenever
 * the public feed is (a revoked title, a deleted record or an archived org leaves the feed at once).
 */
export const ELIGIBLE_SQL = `(CASE s.source_type
  WHEN 'BRIEFING' THEN EXISTS (SELECT 1 FROM briefings x WHERE x.tenant_id = s.tenant_id AND x.id = s.source_id AND x.state = 'PUBLISHED')
  WHEN 'EXEMPLAR' THEN EXISTS (SELECT 1 FROM exemplars x WHERE x.tenant_id = s.tenant_id AND x.id = s.source_id AND x.state IN ('NAMED', 'RE_EVALUATED'))
  WHEN 'SERVICE_BRAND' THEN EXISTS (SELECT 1 FROM service_brands x WHERE x.tenant_id = s.tenant_id AND x.id = s.source_id)
  WHEN 'COMMITMENT' THEN EXISTS (SELECT 1 FROM commitments x WHERE x.tenant_id = s.tenant_id AND x.id = s.source_id AND x.state = 'FULFILLED')
  WHEN 'INNOVATION_PROJECT' THEN EXISTS (SELECT 1 FROM innovation_projects x WHERE x.tenant_id = s.tenant_id AND x.id = s.source_id AND x.stage IN ('AWARDED', 'PROMOTED'))
  WHEN 'SERVICE_TEAM' THEN EXISTS (SELECT 1 FROM service_teams x WHERE x.tenant_id = s.tenant_id AND x.id = s.source_id AND x.disbanded_on IS NULL)
  WHEN 'SERVICE_RECORD' THEN EXISTS (SELECT 1 FROM service_records x WHERE x.tenant_id = s.tenant_id AND x.id = s.source_id)
  ELSE false END)`;

const CONTACT_MASK = '[联系方式已隐去]';
/**
 * Every repetition is bounded and no look-behind holds a variable run, so each pattern costs a bounded number
 * of steps per position of the text: an unbounded `\s*` in a look-behind was quadratic on a long run of spaces,
 * and `[\w.+-]+@` backtracked over every long word.
 */
const CONTACT_PATTERNS = [
  /[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/g, // e-mail addresses
  /(?<!\d)\d{17}[\dXx](?![\dXx])/g, // 身份证号
  /(?<![\d-])(\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)/g, // mobile numbers
  /(?<![\d-])\(?0\d{2,3}\)?[- ]?[2-9]\d{6,7}(?:-\d{1,6})?(?![\d-])/g, // landlines with their area code
  /(?<=(?:电话|手机|座机|联系方式|微信|QQ|qq)[:：]?\s{0,3})[\w-]{5,20}/g, // what follows 电话、手机、微信 …
];

/**
 * Masks what looks like a person's contact data in text meant for the public: phone numbers, e-mail
 * addresses, ID numbers. A second wall behind the snapshots, which take no contact fields at all.
 */
export function maskContacts(text: string): string {
  return CONTACT_PATTERNS.reduce((t, pattern) => t.replace(pattern, CONTACT_MASK), text);
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The text masked and clipped to `max`: only what can be shown is masked (twice `max`, so that a contact cut by
 * the first clip lies past the second, and text the masks shortened still has masked text behind it).
 */
const masked = (text: string, max: number) => clip(maskContacts(text.trim().slice(0, 2 * max)), max);

function finish(s: Omit<Snapshot, 'title' | 'summary' | 'body'> & { title: string; summary: string; body: string }): Snapshot {
  return {
    ...s,
    title: masked(s.title, 200),
    summary: masked(s.summary, 1000),
    body: masked(s.body, 20000),
  };
}

/**
 * The record a global id names, as the proposer may read it, turned into what the public would see.
 * Unknown, foreign, invisible ids and records of other types are alike NOT_FOUND; `authorize` is then
 * given the record's org (the caller's role is checked before anything else is read or built); a record
 * not (or no longer) fit to be shown is CONFLICT with the reason.
 */
export async function snapshotOf(
  ctx: RequestContext,
  globalId: string,
  authorize: (orgId: string) => Promise<void> | void = () => undefined,
): Promise<Snapshot> {
  const decoded = decodeGlobalId(globalId);
  const type = decoded ? TYPES[decoded.type] : undefined;
  if (!decoded || !type || !Object.hasOwn(TYPES, decoded.type)) throw showcaseError('SHOWCASE_SOURCE_NOT_FOUND', 'input.sourceId');
  const notFound = () => showcaseError('SHOWCASE_SOURCE_NOT_FOUND', 'input.sourceId');
  /** The record read, authorized on its org. */
  const found = async <R extends { orgId: string }>(record: R | null): Promise<R> => {
    if (!record) throw notFound();
    await authorize(record.orgId);
    return record;
  };
  const base = { type, sourceId: decoded.id };
  switch (type) {
    case ShowcaseSource.BRIEFING: {
      const b = await found(await briefingService.find(ctx, decoded.id));
      if (b.state !== BriefingState.PUBLISHED) throw showcaseError('SHOWCASE_BRIEFING_NOT_PUBLISHED', 'input.sourceId');
      return finish({
        ...base,
        orgId: b.orgId,
        category: showcaseSourceLabels[type],
        title: b.title,
        summary: clip(b.body, 120),
        body: b.body,
      });
    }
    case ShowcaseSource.EXEMPLAR: {
      const e = await found(await exemplarService.find(ctx, decoded.id));
      if (!HOLDING_STATES.includes(e.state)) throw showcaseError('SHOWCASE_EXEMPLAR_NOT_NAMED', 'input.sourceId');
      const kind = await exemplarKindService.label(ctx, e.kind);
      const orgName = await exemplarService.orgName(ctx, e);
      const named = [e.title, e.memberName].filter(Boolean).join(' ');
      return finish({
        ...base,
        orgId: e.orgId,
        category: kind,
        title: `${kind}：${named || orgName}`,
        summary: `${orgName}${named ? ` ${named}` : ''}，${e.year}年度${kind}`,
        body: e.reason,
      });
    }
    case ShowcaseSource.SERVICE_BRAND: {
      const brand = await found(await serviceBrandService.find(ctx, decoded.id));
      const standards = await serviceBrandService.standards(ctx, brand);
      const lines = standards.map((s) => `${s.position}. ${s.title}：${s.content}`);
      return finish({
        ...base,
        orgId: brand.orgId,
        category: showcaseSourceLabels[type],
        title: `服务品牌“${brand.name}”`,
        summary: brand.slogan,
        body: [brand.description, ...(lines.length ? ['服务标准：', ...lines] : [])].filter(Boolean).join('\n'),
      });
    }
    case ShowcaseSource.COMMITMENT: {
      const c = await found(await commitmentService.find(ctx, decoded.id));
      if (c.storedState !== CommitmentState.FULFILLED) throw showcaseError('SHOWCASE_COMMITMENT_NOT_FULFILLED', 'input.sourceId');
      // a member's own pledge is shown as the org's: no person is named
      return finish({
        ...base,
        orgId: c.orgId,
        category: showcaseSourceLabels[type],
        title: `承诺践诺：${clip(c.text, 60)}`,
        summary: c.text,
        body: `承诺：${c.text}\n践诺情况：${c.report ?? ''}`,
      });
    }
    case ShowcaseSource.INNOVATION_PROJECT: {
      const p = await found(await innovationService.find(ctx, decoded.id));
      if (![InnovationStage.AWARDED, InnovationStage.PROMOTED].includes(p.stage))
        throw showcaseError('SHOWCASE_PROJECT_NOT_AWARDED', 'input.sourceId');
      const award = p.awardLevel ? innovationAwardLevelLabels[p.awardLevel] : '';
      return finish({
        ...base,
        orgId: p.orgId,
        category: showcaseSourceLabels[type],
        title: p.theme,
        summary: `${p.year}年度“多彩服务”党建创新活动${award ? `${award}` : '获奖项目'}`,
        body: p.plan,
      });
    }
    case ShowcaseSource.SERVICE_TEAM: {
      const team = await found(await serviceTeamService.findTeam(ctx, decoded.id));
      if (team.disbandedOn) throw showcaseError('SHOWCASE_TEAM_DISBANDED', 'input.sourceId');
      const kinds = team.serviceKinds.map((k) => serviceKindLabels[k]).join('、');
      return finish({
        ...base,
        orgId: team.orgId,
        category: showcaseSourceLabels[type],
        title: team.name,
        summary: kinds ? `主要开展${kinds}服务` : '',
        body: team.description,
      });
    }
    case ShowcaseSource.SERVICE_RECORD: {
      const r = await found(await serviceTeamService.findRecord(ctx, decoded.id));
      const team = await serviceTeamService.getTeamOrThrow(ctx, r.teamId);
      const kind = r.kindText ?? serviceKindLabels[r.kind];
      // where and whom stay out: a home visit's place or a person served is nobody's business
      return finish({
        ...base,
        orgId: r.orgId,
        category: `${showcaseSourceLabels[type]}·${kind}`,
        title: `${team.name}开展${kind}服务`,
        summary: `${r.servedOn}，${r.participantCount}名党员参加，服务${r.hours}小时`,
        body: r.description,
      });
    }
  }
}
