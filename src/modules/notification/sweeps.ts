import { DataSource } from 'typeorm';
import { Role } from '../../auth/roles';
import { UserViewer } from '../../auth/viewer';
import { Config } from '../../config';
import { RequestTransaction, withTransaction } from '../../db/request-transaction';
import { RequestContext, createRequestContext } from '../../graphql/context';
import { CampaignDeadline, SubmissionStatus } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Sweep, SweepDeps, SweepOptions, SweepResult, sweepEachTenant } from '../domain-module';
import { orgService } from '../org/org.service';
import { tenantService } from '../tenant/tenant.service';
import { NotificationKind } from './notification.entity';
import { NotificationDraft, insertNotifications, responsibleOfficers } from './notification.service';

/**
 * The reminders and overdue alerts (报送提醒, 整改逾期, 限时办结, 通报未阅): the notification module owns
 * them and registers them as its `sweeps`; the job worker (src/jobs) runs whatever modules register.
 */
export interface NotificationSweepOptions extends SweepOptions {
  /** Remind this many days before a deadline's due date (the latest reminder day reached is sent). */
  deadlineReminderDays?: number[];
  /** Remind a notice's unread recipients this many days after it was issued. */
  noticeReminderDays?: number;
}

export const SWEEP_KINDS = ['deadline-reminders', 'rectifications-overdue', 'service-requests-overdue', 'notices-unread'] as const;
export type SweepKind = (typeof SWEEP_KINDS)[number];

export const DEFAULT_DEADLINE_REMINDER_DAYS = [7, 1];
export const DEFAULT_NOTICE_REMINDER_DAYS = 3;

const NIL = '00000000-0000-0000-0000-000000000000';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);

interface TenantRun {
  ctx: RequestContext;
  tx: RequestTransaction;
  tenantId: string;
  today: string;
  timezone: string;
}

/**
 * A sweep has no request: the tenants are listed with the platform flag, then each tenant gets its
 * own transaction scoped to it (RLS applies) and a system viewer with tenant-admin reach, so the same
 * service reads a request would use (deadline rows, visibility) apply. That viewer exists only here.
 */
type TenantWork = (run: TenantRun) => Promise<NotificationDraft[]>;

/** One tenant's part of a sweep, in a transaction already scoped to that tenant. */
async function inTenant(
  config: Config,
  tx: RequestTransaction,
  tenantId: string,
  options: NotificationSweepOptions,
  work: TenantWork,
): Promise<number> {
  const roots = await tx.query<{ id: string; path: string }>(
    `SELECT id, path::text AS path FROM orgs WHERE tenant_id = $1 AND parent_id IS NULL`,
    [tenantId],
  );
  const viewer: UserViewer = {
    kind: 'user',
    userId: NIL,
    tenantId,
    username: 'system:jobs',
    roles: roots.map((r) => ({ assignmentId: NIL, role: Role.TENANT_ADMIN, orgId: r.id, path: r.path })),
  };
  // The pool is never used through this context: every query goes through `tx`.
  const ctx: RequestContext = { ...createRequestContext(config, null as unknown as DataSource, 'jobs'), tx, viewer };
  const { timezone } = await tenantService.settings(ctx);
  const today = options.asOf ?? (await tx.query<{ d: string }>(`SELECT (now() AT TIME ZONE $1)::date::text AS d`, [timezone]))[0].d;
  return insertNotifications(tx, tenantId, await work({ ctx, tx, tenantId, today, timezone }));
}

/** Each tenant in a transaction of its own (sweepEachTenant), the day judged as of `asOf` or the tenant's today. */
function forEachTenant(deps: SweepDeps, options: NotificationSweepOptions, work: TenantWork): Promise<SweepResult> {
  if (options.asOf !== undefined && !DAY.test(options.asOf)) throw new Error(`asOf must be YYYY-MM-DD, got ${options.asOf}`);
  return sweepEachTenant(deps, 'sweep', (tenantId) =>
    withTransaction(deps.dataSource, { tenantId }, (tx) => inTenant(deps.config, tx, tenantId, options, work)),
  );
}

function fanOut(
  recipients: Map<string, string[]>,
  orgId: string,
  extra: string[],
  draft: Omit<NotificationDraft, 'userId'>,
): NotificationDraft[] {
  const users = [...new Set([...(recipients.get(orgId) ?? []), ...extra])];
  return users.map((userId) => ({ ...draft, userId }));
}

/**
 * 报送提醒: N days before a deadline's due date, the officers answerable for every org that owes it
 * and has not submitted. The occurrence is the reminder day reached (due date − N), so each reminder
 * day yields one notification per org and recipient, however often the sweep runs.
 */
export async function sweepDeadlineReminders(deps: SweepDeps, options: NotificationSweepOptions = {}): Promise<SweepResult> {
  return forEachTenant(deps, options, deadlineReminders(options));
}

function deadlineReminders(options: NotificationSweepOptions): TenantWork {
  const days = [...new Set(options.deadlineReminderDays ?? DEFAULT_DEADLINE_REMINDER_DAYS)]
    .filter((d) => Number.isInteger(d) && d >= 0)
    .sort((a, b) => b - a);
  return async ({ ctx, tx, tenantId, today }) => {
    if (!days.length) return [];
    const deadlines = await ctx.tx
      .repository(CampaignDeadline)
      .createQueryBuilder('d')
      .where('d.tenant_id = :t AND d.due_on >= CAST(:today AS date) AND d.due_on <= CAST(:today AS date) + CAST(:max AS int)', {
        t: tenantId,
        today,
        max: days[0],
      })
      .orderBy('d.due_on')
      .getMany();
    const drafts: NotificationDraft[] = [];
    for (const deadline of deadlines) {
      const occurrence = days
        .map((n) => addDays(deadline.dueOn, -n))
        .filter((d) => d <= today)
        .sort()
        .pop();
      if (!occurrence) continue;
      const campaign = await campaignService.findById(ctx, deadline.campaignId);
      const scope = campaign && (await orgService.findById(ctx, campaign.scopeOrgId));
      if (!campaign || !scope) continue;
      const missing = await campaignService.deadlineRows(ctx, deadline, scope, SubmissionStatus.MISSING);
      const officers = await responsibleOfficers(
        tx,
        tenantId,
        missing.map((r) => r.org.id),
      );
      const left = Math.round((Date.parse(deadline.dueOn) - Date.parse(today)) / 86400_000);
      for (const { org } of missing) {
        drafts.push(
          ...fanOut(officers, org.id, [], {
            kind: NotificationKind.DEADLINE_REMINDER,
            subjectType: 'CampaignDeadline',
            subjectId: deadline.id,
            orgId: org.id,
            occurrence,
            title: `【报送提醒】${deadline.name}`,
            body: `${org.name}尚未报送“${deadline.name}”（${campaign.name}），截止日期${deadline.dueOn}${left > 0 ? `，还有${left}天` : '，今天截止'}。`,
          }),
        );
      }
    }
    return drafts;
  };
}

/**
 * 整改逾期: a rectification past its due date and not signed off (销号) notifies the owner org's
 * answerable officers and the issuing team's leader and members, once per due date.
 */
export async function sweepRectificationsOverdue(deps: SweepDeps, options: NotificationSweepOptions = {}): Promise<SweepResult> {
  return forEachTenant(deps, options, rectificationsOverdue);
}

const rectificationsOverdue: TenantWork = async ({ tx, tenantId, today }) => {
  const rows = await tx.query<{
    id: string;
    owner_org_id: string;
    org_name: string;
    team_id: string;
    team_name: string;
    due_on: string;
    state: string;
    description: string;
  }>(
    `SELECT r.id, r.owner_org_id, o.name AS org_name, r.team_id, t.name AS team_name, r.due_on::text AS due_on, r.state, f.description
       FROM rectifications r
       JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.owner_org_id
       JOIN supervision_teams t ON t.tenant_id = r.tenant_id AND t.id = r.team_id
       JOIN findings f ON f.tenant_id = r.tenant_id AND f.id = r.finding_id
      WHERE r.tenant_id = $1 AND r.state NOT IN ('VERIFIED', 'WITHDRAWN') AND r.due_on < $2::date
      ORDER BY r.due_on, r.id`,
    [tenantId, today],
  );
  if (!rows.length) return [];
  const officers = await responsibleOfficers(
    tx,
    tenantId,
    rows.map((r) => r.owner_org_id),
  );
  const people = await tx.query<{ team_id: string; user_id: string }>(
    `SELECT p.team_id, p.user_id FROM (
       SELECT id AS team_id, leader_id AS user_id FROM supervision_teams WHERE tenant_id = $1 AND id = ANY($2::uuid[])
       UNION SELECT team_id, user_id FROM supervision_team_members WHERE tenant_id = $1 AND team_id = ANY($2::uuid[])
     ) p JOIN users u ON u.tenant_id = $1 AND u.id = p.user_id AND NOT u.disabled
      -- the team's people while they hold the INSPECTOR role (supervisionService.isMember)
      WHERE EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.tenant_id = $1 AND ra.user_id = p.user_id AND ra.role = 'INSPECTOR')`,
    [tenantId, [...new Set(rows.map((r) => r.team_id))]],
  );
  return rows.flatMap((r) =>
    fanOut(
      officers,
      r.owner_org_id,
      people.filter((p) => p.team_id === r.team_id).map((p) => p.user_id),
      {
        kind: NotificationKind.RECTIFICATION_OVERDUE,
        subjectType: 'Rectification',
        subjectId: r.id,
        orgId: r.owner_org_id,
        occurrence: r.due_on,
        title: `【整改逾期】${r.org_name}`,
        body: `${r.org_name}的整改事项“${r.description.slice(0, 100)}”（${r.team_name}督查发现）已过整改期限${r.due_on}，尚未销号。`,
      },
    ),
  );
};

/** 限时办结: an unanswered service request past its time limit notifies the answering org's officers, once. */
export async function sweepServiceRequestsOverdue(deps: SweepDeps, options: NotificationSweepOptions = {}): Promise<SweepResult> {
  return forEachTenant(deps, options, serviceRequestsOverdue);
}

const serviceRequestsOverdue: TenantWork = async ({ tx, tenantId, timezone }) => {
  const rows = await tx.query<{
    id: string;
    to_org_id: string;
    to_name: string;
    from_name: string;
    title: string;
    due_day: string;
    due_text: string;
  }>(
    `SELECT s.id, s.to_org_id, t.name AS to_name, f.name AS from_name, s.title,
            (s.due_at AT TIME ZONE $2)::date::text AS due_day, to_char(s.due_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI') AS due_text
       FROM service_requests s
       JOIN orgs t ON t.tenant_id = s.tenant_id AND t.id = s.to_org_id
       JOIN orgs f ON f.tenant_id = s.tenant_id AND f.id = s.from_org_id
      WHERE s.tenant_id = $1 AND s.state = 'OPEN' AND s.due_at < now()
      ORDER BY s.due_at, s.id`,
    [tenantId, timezone],
  );
  if (!rows.length) return [];
  const officers = await responsibleOfficers(
    tx,
    tenantId,
    rows.map((r) => r.to_org_id),
  );
  return rows.flatMap((r) =>
    fanOut(officers, r.to_org_id, [], {
      kind: NotificationKind.SERVICE_REQUEST_OVERDUE,
      subjectType: 'ServiceRequest',
      subjectId: r.id,
      orgId: r.to_org_id,
      occurrence: r.due_day,
      title: `【服务请求超时】${r.from_name}：${r.title}`,
      body: `${r.from_name}向${r.to_name}提出的服务请求“${r.title}”已超过办结时限（${r.due_text}），请尽快答复。`,
    }),
  );
};

/** 通报未阅: N days after a notice was issued, each recipient org that has not read it is reminded, once. */
export async function sweepNoticesUnread(deps: SweepDeps, options: NotificationSweepOptions = {}): Promise<SweepResult> {
  return forEachTenant(deps, options, noticesUnread(options));
}

function noticesUnread(options: NotificationSweepOptions): TenantWork {
  const days = options.noticeReminderDays ?? DEFAULT_NOTICE_REMINDER_DAYS;
  return async ({ tx, tenantId, today }) => {
    const rows = await tx.query<{ id: string; title: string; org_id: string; org_name: string; issued_on: string; occurrence: string }>(
      `SELECT n.id, n.title, r.org_id, o.name AS org_name, n.issued_on::text AS issued_on, (n.issued_on + $3::int)::text AS occurrence
         FROM notice_recipients r
         JOIN notices n ON n.tenant_id = r.tenant_id AND n.id = r.notice_id
         JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.org_id
        WHERE r.tenant_id = $1 AND n.state = 'ISSUED' AND r.read_at IS NULL AND n.issued_on + $3::int <= $2::date
        ORDER BY n.issued_on, n.id, o.path`,
      [tenantId, today, days],
    );
    if (!rows.length) return [];
    const officers = await responsibleOfficers(
      tx,
      tenantId,
      rows.map((r) => r.org_id),
    );
    return rows.flatMap((r) =>
      fanOut(officers, r.org_id, [], {
        kind: NotificationKind.NOTICE_UNREAD,
        subjectType: 'Notice',
        subjectId: r.id,
        orgId: r.org_id,
        occurrence: r.occurrence,
        title: `【通报未阅】${r.title}`,
        body: `${r.issued_on}印发的通报“${r.title}”，${r.org_name}尚未阅知，请及时阅读并确认。`,
      }),
    );
  };
}

/** What the module registers: each sweep with its cron (Asia/Shanghai); the job worker runs them. */
export const notificationSweeps: Sweep[] = [
  { name: 'deadline-reminders', schedule: '5 * * * *', run: sweepDeadlineReminders },
  { name: 'rectifications-overdue', schedule: '15 * * * *', run: sweepRectificationsOverdue },
  { name: 'service-requests-overdue', schedule: '*/10 * * * *', run: sweepServiceRequestsOverdue },
  { name: 'notices-unread', schedule: '25 * * * *', run: sweepNoticesUnread },
] satisfies (Sweep & { name: SweepKind })[];

const works: Record<SweepKind, (options: NotificationSweepOptions) => TenantWork> = {
  'deadline-reminders': deadlineReminders,
  'rectifications-overdue': () => rectificationsOverdue,
  'service-requests-overdue': () => serviceRequestsOverdue,
  'notices-unread': noticesUnread,
};

/** One sweep for one tenant inside a transaction the caller holds (the demo seed); returns the notifications written. */
export function sweepInTransaction(
  kind: SweepKind,
  config: Config,
  tx: RequestTransaction,
  tenantId: string,
  options: NotificationSweepOptions = {},
): Promise<number> {
  return inTenant(config, tx, tenantId, options, works[kind](options));
}
