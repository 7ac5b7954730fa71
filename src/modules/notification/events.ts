import { RequestContext } from '../../graphql/context';
import { publishEvent } from '../../graphql/live';
import { toGlobalId } from '../../graphql/relay';
import { MutationHook } from '../domain-module';
import { tenantToday } from '../link-code/public';
import { NotificationKind } from './notification.entity';
import { NotificationDraft, insertNotifications, responsibleOfficers } from './notification.service';

/**
 * Every event that gives someone a task (viewer.tasks) tells them, in the same transaction as the
 * event: a mutation that succeeded is matched by name, its recipients are read with one statement,
 * and the notification is written (and sent live to whoever is connected). The actor is never told
 * of its own act. A notification per subject, kind, recipient and day: an event repeated the same
 * day does not pile up. Every mutation that answers a record also raises `taskChanged` for it, so a
 * subscriber's task list is re-read when something it may act on changed.
 */

interface Subject {
  id: string;
  type: string;
}

type Rule = (ctx: RequestContext, tenantId: string, subject: Subject) => Promise<Omit<NotificationDraft, 'occurrence'>[]>;

const officersOf = async (ctx: RequestContext, tenantId: string, orgId: string | null | undefined): Promise<string[]> =>
  orgId ? ((await responsibleOfficers(ctx.tx, tenantId, [orgId])).get(orgId) ?? []) : [];

const RULES: Record<string, Rule> = {
  /** 待审核: the officers answerable above the org whose evaluation was submitted. */
  async submitEvaluation(ctx, tenantId, s) {
    const [e] = await ctx.tx.query<{ org_id: string; parent_id: string | null; org: string; kind: string }>(
      `SELECT e.org_id, o.parent_id, o.name AS org, e.kind FROM evaluations e JOIN orgs o ON o.tenant_id = e.tenant_id AND o.id = e.org_id
        WHERE e.tenant_id = $1 AND e.id = $2`,
      [tenantId, s.id],
    );
    if (!e) return [];
    return (await officersOf(ctx, tenantId, e.parent_id)).map((userId) => ({
      userId,
      kind: NotificationKind.EVALUATION_AWAITING_REVIEW,
      subjectType: s.type,
      subjectId: s.id,
      orgId: e.org_id,
      title: `${e.org}的${EVALUATION_KINDS[e.kind] ?? '考评'}已提交，请审核`,
      body: '请在“我的待办”中打开该考评，审核通过或写明理由退回。',
    }));
  },

  /** 被退回: whoever submitted the evaluation. */
  async returnEvaluation(ctx, tenantId, s) {
    const [e] = await ctx.tx.query<{
      org_id: string;
      org: string;
      submitted_by: string | null;
      return_reason: string | null;
      kind: string;
    }>(
      `SELECT e.org_id, o.name AS org, e.submitted_by, e.return_reason, e.kind FROM evaluations e
         JOIN orgs o ON o.tenant_id = e.tenant_id AND o.id = e.org_id WHERE e.tenant_id = $1 AND e.id = $2`,
      [tenantId, s.id],
    );
    if (!e?.submitted_by) return [];
    return [
      {
        userId: e.submitted_by,
        kind: NotificationKind.EVALUATION_RETURNED,
        subjectType: s.type,
        subjectId: s.id,
        orgId: e.org_id,
        title: `${e.org}的${EVALUATION_KINDS[e.kind] ?? '考评'}被退回修改`,
        body: `退回理由：${e.return_reason ?? ''}。请修改后重新提交。`,
      },
    ];
  },

  /** 整改: the officers answerable for each org a finalized record orders to rectify (rectifications opened now). */
  async finalizeInspection(ctx, tenantId, s) {
    const rows = await ctx.tx.query<{ id: string; owner_org_id: string; due_on: string; org: string; description: string }>(
      `SELECT r.id, r.owner_org_id, r.due_on::text AS due_on, o.name AS org, f.description
         FROM findings f
         JOIN rectifications r ON r.tenant_id = f.tenant_id AND r.finding_id = f.id
         JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.owner_org_id
        WHERE f.tenant_id = $1 AND f.inspection_id = $2 AND r.created_at = now()`,
      [tenantId, s.id],
    );
    const officers = await responsibleOfficers(
      ctx.tx,
      tenantId,
      rows.map((r) => r.owner_org_id),
    );
    return rows.flatMap((r) =>
      (officers.get(r.owner_org_id) ?? []).map((userId) => ({
        userId,
        kind: NotificationKind.RECTIFICATION_ORDERED,
        subjectType: 'Rectification',
        subjectId: r.id,
        orgId: r.owner_org_id,
        title: `${r.org}须在${r.due_on}前完成整改`,
        body: `督查发现：${r.description.slice(0, 200)}`,
      })),
    );
  },

  /** 首问负责: the staff member an opinion was transferred to. */
  async transferOpinion(ctx, tenantId, s) {
    const [o] = await ctx.tx.query<{ org_id: string; responsible_id: string | null; content: string }>(
      `SELECT org_id, responsible_id, content FROM opinions WHERE tenant_id = $1 AND id = $2`,
      [tenantId, s.id],
    );
    if (!o?.responsible_id) return [];
    return [
      {
        userId: o.responsible_id,
        kind: NotificationKind.OPINION_TRANSFERRED,
        subjectType: s.type,
        subjectId: s.id,
        orgId: o.org_id,
        title: '一件群众意见移交给您办理',
        body: o.content.slice(0, 200),
      },
    ];
  },

  /** 公示异议: the officers answerable for the nominated org. */
  async lodgeExemplarObjection(ctx, tenantId, s) {
    const [x] = await ctx.tx.query<{ exemplar_id: string; org_id: string; name: string }>(
      `SELECT x.exemplar_id, e.org_id, coalesce(e.title, o.name) AS name
         FROM exemplar_objections x JOIN exemplars e ON e.tenant_id = x.tenant_id AND e.id = x.exemplar_id
         JOIN orgs o ON o.tenant_id = e.tenant_id AND o.id = e.org_id
        WHERE x.tenant_id = $1 AND x.id = $2`,
      [tenantId, s.id],
    );
    if (!x) return [];
    return (await officersOf(ctx, tenantId, x.org_id)).map((userId) => ({
      userId,
      kind: NotificationKind.OBJECTION_RAISED,
      subjectType: 'Exemplar',
      subjectId: x.exemplar_id,
      orgId: x.org_id,
      title: `“${x.name}”公示期间收到异议，请答复`,
      body: '请在公示期内核实并答复异议。',
    }));
  },

  /** 退回补充: the officers of the org whose deadline submission was returned. */
  async returnDeadlineSubmission(ctx, tenantId, s) {
    const [d] = await ctx.tx.query<{ org_id: string; name: string; reason: string | null }>(
      `SELECT s.org_id, cd.name, s.return_reason AS reason
         FROM deadline_submissions s JOIN campaign_deadlines cd ON cd.tenant_id = s.tenant_id AND cd.id = s.deadline_id
        WHERE s.tenant_id = $1 AND s.id = $2`,
      [tenantId, s.id],
    );
    if (!d) return [];
    return (await officersOf(ctx, tenantId, d.org_id)).map((userId) => ({
      userId,
      kind: NotificationKind.SUBMISSION_RETURNED,
      subjectType: s.type,
      subjectId: s.id,
      orgId: d.org_id,
      title: `“${d.name}”被退回，请补充后重新报送`,
      body: `退回理由：${d.reason ?? ''}`,
    }));
  },

  /** 上级服务下级: the officers of the org asked for help. */
  async raiseServiceRequest(ctx, tenantId, s) {
    const [r] = await ctx.tx.query<{ to_org_id: string; title: string }>(
      `SELECT to_org_id, title FROM service_requests WHERE tenant_id = $1 AND id = $2`,
      [tenantId, s.id],
    );
    if (!r) return [];
    return (await officersOf(ctx, tenantId, r.to_org_id)).map((userId) => ({
      userId,
      kind: NotificationKind.SERVICE_REQUEST_RAISED,
      subjectType: s.type,
      subjectId: s.id,
      orgId: r.to_org_id,
      title: `下级组织请求服务：${r.title}`.slice(0, 200),
      body: '请在时限内答复。',
    }));
  },

  /** 上级服务下级: a move re-addresses the moved org's open requests to its new superior, whose officers are told. */
  async moveOrg(ctx, tenantId, s) {
    const rows = await ctx.tx.query<{ id: string; to_org_id: string; title: string }>(
      `SELECT id, to_org_id, title FROM service_requests
        WHERE tenant_id = $1 AND from_org_id = $2 AND state = 'OPEN' AND readdressed_at = now()`,
      [tenantId, s.id],
    );
    const officers = await responsibleOfficers(
      ctx.tx,
      tenantId,
      rows.map((r) => r.to_org_id),
    );
    return rows.flatMap((r) =>
      (officers.get(r.to_org_id) ?? []).map((userId) => ({
        userId,
        kind: NotificationKind.SERVICE_REQUEST_RAISED,
        subjectType: 'ServiceRequest',
        subjectId: r.id,
        orgId: r.to_org_id,
        title: `下级组织请求服务：${r.title}`.slice(0, 200),
        body: '提出请求的组织已调整隶属关系，此请求改由您单位答复，请在时限内答复。',
      })),
    );
  },
};

const EVALUATION_KINDS: Record<string, string> = { SELF: '自查', SUPERIOR: '上级评议', PUBLIC: '群众评议', INSPECTION: '督查评分' };

/** The record a mutation answered: an entity object with an id (its class is its GraphQL type). */
function subjectOf(result: unknown): Subject | undefined {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return undefined;
  const id = (result as { id?: unknown }).id;
  const type = result.constructor?.name;
  return typeof id === 'string' && type && type !== 'Object' ? { id, type } : undefined;
}

export const notifyOnEvents: MutationHook = async (ctx, field, _args, run) => {
  const result = await run();
  const viewer = ctx.viewer;
  const subject = subjectOf(result);
  if (!viewer || viewer.kind !== 'user' || !subject || !ctx.tx.isOpen) return result;
  const rule = RULES[field.name];
  if (rule) {
    const occurrence = await tenantToday(ctx);
    const drafts = (await rule(ctx, viewer.tenantId, subject)).filter((d) => d.userId !== viewer.userId).map((d) => ({ ...d, occurrence }));
    await insertNotifications(ctx.tx, viewer.tenantId, drafts);
  }
  await publishEvent(ctx, field.name, [toGlobalId(subject.type, subject.id)]);
  return result;
};
