import { holdsRole, isRootPath, subtreeOf } from '../../auth/scope';
import { Role } from '../../auth/roles';
import { UserViewer, isAncestorOrSelf, scopePaths } from '../../auth/viewer';
import { RequestContext } from '../../graphql/context';
import { coreError } from '../../graphql/errors';
import { Page, decodeCursor, encodeCursor } from '../../graphql/relay';
import { ellipsis } from '../../graphql/messages';
import { EvaluationKind, evaluationKindLabels } from '../framework/pass-rule';
import { EXEMPLAR_NOTICE_DAYS, PAIRING_VISIT_DAYS, TASK_KINDS, Task, TaskAction, TaskCount, TaskKind, taskKindLabels } from './task.types';

/**
 * 待办 (viewer.tasks). Every kind is one SELECT over the table of the records that wait (a draft, an
 * open rectification …), limited to the records the viewer may act on by the rule of the module that
 * performs the action (who submits for an org, who reviews, who reports a fix), scoped by leakproof
 * path_key ranges (subtreeOf), never `<@`. A page is one statement: the UNION ALL of the kinds the
 * viewer may have, each already ordered by its own index and cut at the page size, merged by (due day,
 * undated last; kind; the kind's key) after a keyset cursor. The counts are one statement too; a scope
 * that is the whole tenant (a root admin) needs no join to the org tree to count.
 */

const OFFICERS = [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR, Role.SECRETARY];

/** The roles each kind's module names for its action (kept in step with those services). */
const RULES = {
  /** campaign.service submit: a tenant admin over the org (besides the org's own secretary or supervisor). */
  submitAdmins: [Role.TENANT_ADMIN],
  /** evaluation.service mayEdit / review: officers strictly above the org (自查: the org's own secretary). */
  evaluators: OFFICERS,
  /** rectification.service submit: officers over the owner org (besides its own secretary). */
  reporters: [Role.TENANT_ADMIN, Role.LEADER, Role.SUPERVISOR],
  /** opinion.service HANDLERS take (受理) an org's opinions. */
  handlers: OFFICERS,
  /** service-request.service answer: an officer over the org asked. */
  responders: OFFICERS,
  /** exemplar.service tenantStep: answering objections and naming are the bureau's (admin, leading group). */
  bureau: [Role.TENANT_ADMIN, Role.LEADER],
  /** notice.service markRead: the recipient org's secretary or an officer over it. */
  readers: OFFICERS,
  /** commitment.service COMMITMENT_OFFICERS report for an org's own commitment. */
  pledgers: OFFICERS,
  /** pairing.service CADRE_ROLES: a cadre visits while it is one. */
  cadres: [Role.LEADER, Role.SECRETARY, Role.SUPERVISOR],
};

export interface TaskFilter {
  kinds?: TaskKind[] | null;
  /** Only tasks of orgs in this subtree. */
  underPath?: string | null;
}

interface TaskCursor {
  due: string;
  kind: TaskKind;
  key: string;
}

interface TaskRow {
  kind: TaskKind;
  action: TaskAction;
  subject_type: string;
  subject_id: string;
  task_key: string;
  sort_key: string;
  org_id: string;
  due_on: string | null;
  overdue: boolean;
  org_name: string | null;
  name: string;
  detail: string | null;
}

/** Positional parameters of one statement. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): number {
    this.values.push(value);
    return this.values.length;
  }
  ref(value: unknown, cast: string): string {
    return `$${this.add(value)}::${cast}`;
  }
  /**
   * The statement with only the parameters it still names, renumbered: a kind left out after its
   * conditions were built (a cursor past all its tasks) leaves none behind without a type.
   */
  finish(sql: string): [string, unknown[]] {
    const used = new Map<number, number>();
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      if (!used.has(Number(n))) used.set(Number(n), used.size + 1);
      return `$${used.get(Number(n))}`;
    });
    return [text, [...used.keys()].map((n) => this.values[n - 1])];
  }
}

/** Deeper than any org tree: the upper bound of a deadline that names no depth. */
const MAX_DEPTH = 9999;
const rank = (kind: TaskKind) => TASK_KINDS.indexOf(kind);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** What a cursor key of each kind looks like (the kind's own order after the due day). */
const KEY_SHAPES: Record<TaskKind, RegExp> = {
  // the deadline's id, the owing org's depth (4 digits) and its path
  DEADLINE_SUBMISSION: /^[0-9a-f-]{36}\d{4}[A-Za-z0-9_.]{1,4000}$/,
  EVALUATION_FILL: UUID,
  EVALUATION_RETURNED: UUID,
  EVALUATION_REVIEW: UUID,
  RECTIFICATION_REPORT: UUID,
  RECTIFICATION_VERIFY: UUID,
  OPINION: UUID,
  SERVICE_REQUEST: UUID,
  EXEMPLAR_OBJECTION: UUID,
  EXEMPLAR_NOTICE: UUID,
  // the notice's id and the recipient org's id
  NOTICE_UNREAD: /^[0-9a-f-]{72}$/,
  PAIRING_VISIT: UUID,
  COMMITMENT: UUID,
};

function parseCursor(after: string | undefined): TaskCursor | undefined {
  const values = decodeCursor(after, 3);
  if (!values) return undefined;
  const [due, kind, key] = values;
  const valid =
    typeof due === 'string' &&
    (due === 'infinity' || DAY.test(due)) &&
    typeof kind === 'string' &&
    TASK_KINDS.includes(kind as TaskKind) &&
    typeof key === 'string' &&
    KEY_SHAPES[kind as TaskKind].test(key);
  if (!valid) throw coreError('INVALID_CURSOR', 'after');
  return { due, kind: kind as TaskKind, key };
}

/** What every branch of one statement shares. */
interface Build {
  p: Params;
  viewer: UserViewer;
  /** $n of the tenant id and of the viewer's user id. */
  tenant: string;
  me: string;
  mode: 'page' | 'count';
  limit: number;
  cursor?: TaskCursor;
  underPath?: string | null;
}

/** The orgs a rule reaches: subtrees (the org and everything below), strictly below, or these orgs. */
interface Reach {
  subtrees?: string[];
  below?: string[];
  ids?: string[];
}

/** A condition on the task's org, and whether it reads the org row (`o`) or only the record's org id. */
interface OrgCondition {
  sql: string;
  needsOrg: boolean;
}

/**
 * The orgs of `reach` as a condition on the org joined as `o` (whose id is also `orgColumn` of the
 * record): path_key ranges for subtrees, nothing at all for the tenant's root (every org lies below
 * it), null when the rule reaches no org.
 */
function orgCondition(b: Build, reach: Reach, orgColumn: string): OrgCondition | null {
  const parts: string[] = [];
  let needsOrg = false;
  for (const root of reach.subtrees ?? []) {
    if (isRootPath(root)) return { sql: 'true', needsOrg: false };
    parts.push(subtreeOf('o', b.p.add(root)));
    needsOrg = true;
  }
  for (const root of reach.below ?? []) {
    const rootOrg = b.viewer.roles.find((r) => r.path === root)?.orgId;
    if (isRootPath(root) && rootOrg) {
      parts.push(`${orgColumn} <> ${b.p.ref(rootOrg, 'uuid')}`);
    } else {
      const n = b.p.add(root);
      parts.push(`(${subtreeOf('o', n)} AND o.path_key <> $${n}::text)`);
      needsOrg = true;
    }
  }
  if (reach.ids?.length) parts.push(`${orgColumn} = ANY(${b.p.ref(reach.ids, 'uuid[]')})`);
  return parts.length ? { sql: `(${parts.join(' OR ')})`, needsOrg } : null;
}

const TODAY = `(SELECT on_day FROM today)`;
const TZ = `(SELECT zone FROM today)`;

/** The columns a page branch selects, in this order and with these types (UNION ALL). */
interface Columns {
  action: string;
  subjectType: string;
  subjectId: string;
  taskKey: string;
  sortKey: string;
  orgId: string;
  due: string | null;
  overdue: string;
  orgName?: string;
  name: string;
  detail?: string;
}

function columns(kind: TaskKind, c: Columns): string {
  return `SELECT ${rank(kind)} AS rank, '${kind}'::text AS kind, (${c.action})::text AS action, (${c.subjectType})::text AS subject_type,
    ${c.subjectId} AS subject_id, (${c.taskKey})::text AS task_key, (${c.sortKey})::text AS sort_key, ${c.orgId} AS org_id,
    ${c.due ?? 'NULL'}::date AS due_on, coalesce(${c.overdue}, false) AS overdue, ${c.orgName ?? 'NULL'}::text AS org_name, (${c.name})::text AS name,
    ${c.detail ?? 'NULL'}::text AS detail`;
}

/**
 * A count branch counts its kind's tasks and the overdue ones itself: one row per branch reaches the
 * union (not every task, 20,000 and more for a root admin's reviews).
 */
const countColumns = (kind: TaskKind, overdue: string) =>
  `SELECT '${kind}'::text AS kind, count(*)::int AS count, count(*) FILTER (WHERE coalesce(${overdue}, false))::int AS overdue`;

interface BranchSpec {
  select: Columns;
  /** The records that wait (with the joins their conditions need). */
  from: string;
  /** Their org's id, joined to `orgs o`. */
  orgColumn: string;
  /** Joins that only give names for the title (left out when counting). */
  names?: string;
  where: string[];
  /** The conditions read the org row `o` (a path range). */
  needsOrg: boolean;
  /** The due day (null when the kind has none) and the kind's own key, as SQL over the records. */
  due: string | null;
  key: { sql: string; type: 'uuid' | 'text' };
}

/**
 * One kind as a branch of the statement. Counting reads the records alone when no condition needs the
 * org row. A page applies the cursor's keyset (null when the cursor lies beyond every task of the kind)
 * and stops at the page size in the kind's index order.
 */
function branch(b: Build, kind: TaskKind, spec: BranchSpec): string | null {
  const where = [...spec.where];
  let needsOrg = spec.needsOrg;
  if (b.underPath) {
    where.push(subtreeOf('o', b.p.add(b.underPath)));
    needsOrg = true;
  }
  const tenantOf = spec.orgColumn.split('.')[0];
  const orgJoin = `JOIN orgs o ON o.tenant_id = ${tenantOf}.tenant_id AND o.id = ${spec.orgColumn}`;
  if (b.mode === 'count') {
    return `${countColumns(kind, spec.select.overdue)} FROM ${spec.from} ${needsOrg ? orgJoin : ''} WHERE ${where.join(' AND ')}`;
  }
  const keyExpr = spec.key.type === 'text' ? `(${spec.key.sql}) COLLATE "C"` : spec.key.sql;
  const c = b.cursor;
  if (c) {
    const r = rank(kind);
    const cr = rank(c.kind);
    if (spec.due === null) {
      // every task of the kind sorts at 'infinity', after any dated cursor
      if (c.due === 'infinity') {
        if (r < cr) return null;
        if (r === cr) where.push(`${keyExpr} > ${b.p.ref(c.key, spec.key.type)}`);
      }
    } else {
      if (c.due === 'infinity') return null;
      const due = b.p.ref(c.due, 'date');
      if (r < cr) where.push(`${spec.due} > ${due}`);
      else if (r > cr) where.push(`${spec.due} >= ${due}`);
      else where.push(`(${spec.due}, ${keyExpr}) > (${due}, ${b.p.ref(c.key, spec.key.type)})`);
    }
  }
  const order = spec.due === null ? keyExpr : `${spec.due}, ${keyExpr}`;
  // the org's name comes with the row when the org is joined anyway; else from the org loader (one batch per page)
  const select = columns(kind, { ...spec.select, orgName: needsOrg ? 'o.name' : 'NULL' });
  return `(${select} FROM ${spec.from} ${needsOrg ? orgJoin : ''} ${spec.names ?? ''}
    WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${b.limit})`;
}

/** The viewer's scope roots for `roles` (nested ones folded into their ancestors). */
const roots = (viewer: UserViewer, roles: Role[]) => scopePaths(viewer, roles);
const roleOrgs = (viewer: UserViewer, roles: Role[]) => [
  ...new Set(viewer.roles.filter((r) => roles.includes(r.role)).map((r) => r.orgId)),
];

/**
 * 报送材料: for every deadline of the tenant's campaigns, the orgs that owe it (inside the campaign's
 * scope, of its kinds and depth, live, founded by its due day) with no submission or one returned for
 * revision, among the orgs the viewer submits for: a tenant admin's subtrees, and the orgs whose own
 * secretary or supervisor the viewer is. Per deadline the owing orgs are read in (depth, path) order from
 * orgs_depth_path_key, which also bounds a deadline's depth (直属党组织: one level below the scope), and
 * the read stops at the page; a deadline without a depth walks its scope's levels from the top.
 */
function deadlineBranches(b: Build): string[] {
  const kind = TaskKind.DEADLINE_SUBMISSION;
  const admin = roots(b.viewer, RULES.submitAdmins);
  const own = b.viewer.roles
    .filter((r) => (r.role === Role.SECRETARY || r.role === Role.SUPERVISOR) && !admin.some((a) => isAncestorOrSelf(a, r.path)))
    .map((r) => r.orgId);
  // one walk per admin subtree, one lookup of the viewer's own orgs
  const drivers: Reach[] = [...admin.map((root) => ({ subtrees: [root] })), ...(own.length ? [{ ids: [...new Set(own)] }] : [])];
  const c = b.mode === 'page' ? b.cursor : undefined;
  if (c?.due === 'infinity') return [];
  const page = b.mode === 'page';
  return drivers.map((driver) => {
    const p = b.p;
    const inner: string[] = [
      `o.tenant_id = ${b.tenant}`,
      orgCondition(b, driver, 'o.id')?.sql ?? 'false',
      `o.path_key >= d.lo_key AND o.path_key < d.hi_key`,
      `o.depth >= d.lo_depth AND o.depth <= d.hi_depth`,
      `o.kind = ANY(d.org_kinds) AND o.archived_at IS NULL AND (o.established_on IS NULL OR o.established_on <= d.due_on)`,
      `(s.id IS NULL OR s.state = 'RETURNED')`,
    ];
    if (b.underPath) inner.push(subtreeOf('o', p.add(b.underPath)));
    const outer: string[] = [`d.tenant_id = ${b.tenant}`];
    // where a page resumes inside a deadline (from its first org for every later deadline)
    let after = `0 AS after_depth, ''::text AS after_key`;
    if (c) {
      const due = p.ref(c.due, 'date');
      const r = rank(kind);
      const cr = rank(c.kind);
      if (r < cr) outer.push(`d.due_on > ${due}`);
      else if (r > cr) outer.push(`d.due_on >= ${due}`);
      else {
        const deadlineId = p.ref(c.key.slice(0, 36), 'uuid');
        outer.push(`(d.due_on, d.id) >= (${due}, ${deadlineId})`);
        after = `CASE WHEN d.id = ${deadlineId} THEN ${p.ref(Number(c.key.slice(36, 40)), 'int')} ELSE 0 END AS after_depth,
                 CASE WHEN d.id = ${deadlineId} THEN ${p.ref(c.key.slice(40), 'text')} ELSE '' END AS after_key`;
        inner.push(`(o.depth, o.path_key) > (d.after_depth, d.after_key)`);
      }
    }
    const select = page
      ? columns(kind, {
          action: `CASE WHEN x.submission_id IS NULL THEN '${TaskAction.SUBMIT}' ELSE '${TaskAction.RESUBMIT}' END`,
          subjectType: `CASE WHEN x.submission_id IS NULL THEN 'CampaignDeadline' ELSE 'DeadlineSubmission' END`,
          subjectId: `coalesce(x.submission_id, d.id)`,
          taskKey: `d.id::text || ':' || x.id::text`,
          sortKey: `d.id::text || lpad(x.depth::text, 4, '0') || x.path_key`,
          orgId: `x.id`,
          due: `d.due_on`,
          overdue: `d.due_on < ${TODAY}`,
          orgName: `x.name`,
          name: `d.name`,
        })
      : countColumns(kind, `d.due_on < ${TODAY}`);
    const sql = `${select}
      FROM (
        -- each deadline with the bounds of the orgs that owe it, computed here: OFFSET 0 keeps these
        -- expressions out of the org scan, whose conditions stay leakproof index bounds under row-level security
        SELECT d.id, d.tenant_id, d.due_on, d.name, d.org_kinds, sc.path_key AS lo_key, sc.path_key || '/' AS hi_key,
               coalesce(sc.depth + d.relative_depth, sc.depth) AS lo_depth, coalesce(sc.depth + d.relative_depth, ${MAX_DEPTH}) AS hi_depth,
               ${after}
          FROM campaign_deadlines d
          JOIN campaigns c ON c.tenant_id = d.tenant_id AND c.id = d.campaign_id
          JOIN orgs sc ON sc.tenant_id = c.tenant_id AND sc.id = c.scope_org_id
         WHERE ${outer.join(' AND ')}
        OFFSET 0
      ) d
      CROSS JOIN LATERAL (
        SELECT o.id, o.name, o.depth, o.path_key, s.id AS submission_id
          FROM orgs o
          LEFT JOIN deadline_submissions s ON s.tenant_id = o.tenant_id AND s.deadline_id = d.id AND s.org_id = o.id
         WHERE ${inner.join(' AND ')}
         ${page ? `ORDER BY o.depth, o.path_key LIMIT ${b.limit}` : ''}
      ) x`;
    return page ? `(${sql} ORDER BY d.due_on, d.id, x.depth, x.path_key LIMIT ${b.limit})` : sql;
  });
}

/** 填报评议, 评议退回修改, 审核评议: the evaluations that wait on the viewer, by state. */
function evaluationBranches(b: Build, want: (k: TaskKind) => boolean): (string | null)[] {
  const officers = roots(b.viewer, RULES.evaluators);
  const secretaryOrgs = roleOrgs(b.viewer, [Role.SECRETARY]);
  const out: (string | null)[] = [];
  const evaluation = (kind: TaskKind, action: TaskAction, state: string, editors: (OrgCondition | null)[]) => {
    const reach = editors.filter((e): e is OrgCondition => !!e);
    if (!reach.length) return null;
    return branch(b, kind, {
      select: {
        action: `'${action}'`,
        subjectType: `'Evaluation'`,
        subjectId: 'e.id',
        taskKey: 'e.id::text',
        sortKey: 'e.id::text',
        orgId: 'e.org_id',
        due: null,
        overdue: 'false',
        name: `''`,
        detail: 'e.kind',
      },
      from: 'evaluations e',
      orgColumn: 'e.org_id',
      where: [`e.tenant_id = ${b.tenant}`, `e.state = '${state}'`, `(${reach.map((r) => r.sql).join(' OR ')})`],
      needsOrg: reach.some((r) => r.needsOrg),
      due: null,
      key: { sql: 'e.id', type: 'uuid' },
    });
  };
  // 自查: the org's own secretary; 上级评议 and 群众评议: an officer strictly above the org (who, once
  // returned, is the one who submitted it); an inspection's score sheet waits on nobody
  const self = (): OrgCondition | null =>
    secretaryOrgs.length ? { sql: `(e.kind = 'SELF' AND e.org_id = ANY(${b.p.ref(secretaryOrgs, 'uuid[]')}))`, needsOrg: false } : null;
  const above = (extra = ''): OrgCondition | null => {
    const below = orgCondition(b, { below: officers }, 'e.org_id');
    return below && { sql: `(e.kind IN ('SUPERIOR', 'PUBLIC') AND ${below.sql}${extra})`, needsOrg: below.needsOrg };
  };
  if (want(TaskKind.EVALUATION_FILL)) out.push(evaluation(TaskKind.EVALUATION_FILL, TaskAction.FILL, 'DRAFT', [self(), above()]));
  if (want(TaskKind.EVALUATION_RETURNED)) {
    out.push(evaluation(TaskKind.EVALUATION_RETURNED, TaskAction.RESUBMIT, 'RETURNED', [self(), above(` AND e.submitted_by = ${b.me}`)]));
  }
  if (want(TaskKind.EVALUATION_REVIEW)) {
    // a reviewer stands strictly above the org and never reviews its own submission
    const below = orgCondition(b, { below: officers }, 'e.org_id');
    out.push(
      below &&
        evaluation(TaskKind.EVALUATION_REVIEW, TaskAction.REVIEW, 'SUBMITTED', [
          { sql: `(${below.sql} AND e.submitted_by IS DISTINCT FROM ${b.me})`, needsOrg: below.needsOrg },
        ]),
    );
  }
  return out;
}

/** 报告整改 (the owner org's secretary or officers over it) and 整改销号 (the issuing team's people). */
function rectificationBranches(b: Build, want: (k: TaskKind) => boolean): (string | null)[] {
  const rectification = (kind: TaskKind, action: TaskAction, where: string[], needsOrg: boolean) =>
    branch(b, kind, {
      select: {
        action: `'${action}'`,
        subjectType: `'Rectification'`,
        subjectId: 'r.id',
        taskKey: 'r.id::text',
        sortKey: 'r.id::text',
        orgId: 'r.owner_org_id',
        due: 'r.due_on',
        overdue: `r.due_on < ${TODAY}`,
        name: 'f.description',
      },
      from: 'rectifications r',
      orgColumn: 'r.owner_org_id',
      names: 'JOIN findings f ON f.tenant_id = r.tenant_id AND f.id = r.finding_id',
      where: [`r.tenant_id = ${b.tenant}`, ...where],
      needsOrg,
      due: 'r.due_on',
      key: { sql: 'r.id', type: 'uuid' },
    });
  const out: (string | null)[] = [];
  if (want(TaskKind.RECTIFICATION_REPORT)) {
    const reach = orgCondition(
      b,
      { subtrees: roots(b.viewer, RULES.reporters), ids: roleOrgs(b.viewer, [Role.SECRETARY]) },
      'r.owner_org_id',
    );
    out.push(
      reach &&
        rectification(TaskKind.RECTIFICATION_REPORT, TaskAction.REPORT_FIX, [`r.state IN ('OPEN', 'REOPENED')`, reach.sql], reach.needsOrg),
    );
  }
  if (want(TaskKind.RECTIFICATION_VERIFY)) {
    out.push(
      rectification(
        TaskKind.RECTIFICATION_VERIFY,
        TaskAction.VERIFY,
        [
          `r.state = 'SUBMITTED'`,
          // never one's own report (rectificationService.verify: VERIFIER_IS_REPORTER)
          `r.submitted_by IS DISTINCT FROM ${b.me}`,
          // the team's people while they hold the INSPECTOR role (supervisionService.isMember): a revoked one signs nothing off
          `r.team_id IN (SELECT t.id FROM supervision_teams t WHERE t.tenant_id = ${b.tenant} AND t.leader_id = ${b.me}
                         UNION ALL SELECT m.team_id FROM supervision_team_members m WHERE m.tenant_id = ${b.tenant} AND m.user_id = ${b.me})`,
          `EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.tenant_id = ${b.tenant} AND ra.user_id = ${b.me} AND ra.role = 'INSPECTOR')`,
        ],
        false,
      ),
    );
  }
  return out;
}

/** Every branch the viewer may have among `kinds`. */
function branches(b: Build, kinds: Set<TaskKind>): string[] {
  const { viewer } = b;
  const want = (k: TaskKind) => kinds.has(k);
  const out: (string | null)[] = [];

  if (want(TaskKind.DEADLINE_SUBMISSION)) out.push(...deadlineBranches(b));
  out.push(...evaluationBranches(b, want));
  out.push(...rectificationBranches(b, want));

  // a responsible person answers while it still handles opinions somewhere (opinion.service actsAsResponsible)
  if (want(TaskKind.OPINION) && holdsRole(viewer, RULES.handlers)) {
    // 受理 (first come, first responsible) by a handler over the org; then 答复 by the one responsible
    const handles = orgCondition(b, { subtrees: roots(viewer, RULES.handlers) }, 'x.org_id');
    const due = `(x.due_at AT TIME ZONE ${TZ})::date`;
    out.push(
      branch(b, TaskKind.OPINION, {
        select: {
          action: `CASE WHEN x.state = 'RECEIVED' THEN '${TaskAction.ACCEPT}' ELSE '${TaskAction.ANSWER}' END`,
          subjectType: `'Opinion'`,
          subjectId: 'x.id',
          taskKey: 'x.id::text',
          sortKey: 'x.id::text',
          orgId: 'x.org_id',
          due,
          overdue: 'x.due_at < now()',
          name: 'x.content',
        },
        from: 'opinions x',
        orgColumn: 'x.org_id',
        where: [
          `x.tenant_id = ${b.tenant}`,
          `x.state IN ('RECEIVED', 'ACCEPTED')`,
          `((x.state = 'ACCEPTED' AND x.responsible_id = ${b.me})${handles ? ` OR (x.state = 'RECEIVED' AND ${handles.sql})` : ''})`,
        ],
        needsOrg: !!handles?.needsOrg,
        due,
        key: { sql: 'x.id', type: 'uuid' },
      }),
    );
  }

  if (want(TaskKind.SERVICE_REQUEST)) {
    const answers = orgCondition(b, { subtrees: roots(viewer, RULES.responders) }, 's.to_org_id');
    const due = `(s.due_at AT TIME ZONE ${TZ})::date`;
    out.push(
      answers &&
        branch(b, TaskKind.SERVICE_REQUEST, {
          select: {
            action: `'${TaskAction.ANSWER}'`,
            subjectType: `'ServiceRequest'`,
            subjectId: 's.id',
            taskKey: 's.id::text',
            sortKey: 's.id::text',
            orgId: 's.to_org_id',
            due,
            overdue: 's.due_at < now()',
            name: 's.title',
            detail: 'fo.name',
          },
          from: 'service_requests s',
          orgColumn: 's.to_org_id',
          names: 'JOIN orgs fo ON fo.tenant_id = s.tenant_id AND fo.id = s.from_org_id',
          where: [`s.tenant_id = ${b.tenant}`, `s.state = 'OPEN'`, answers.sql],
          needsOrg: answers.needsOrg,
          due,
          key: { sql: 's.id', type: 'uuid' },
        }),
    );
  }

  const bureau = roots(viewer, RULES.bureau);
  if (want(TaskKind.EXEMPLAR_OBJECTION)) {
    const reach = orgCondition(b, { subtrees: bureau }, 'e.org_id');
    out.push(
      reach &&
        branch(b, TaskKind.EXEMPLAR_OBJECTION, {
          select: {
            action: `'${TaskAction.ANSWER}'`,
            subjectType: `'ExemplarObjection'`,
            subjectId: 'x.id',
            taskKey: 'x.id::text',
            sortKey: 'x.id::text',
            orgId: 'e.org_id',
            due: 'e.notice_ends_on',
            overdue: `e.notice_ends_on < ${TODAY}`,
            name: `coalesce(e.title, '')`,
            detail: `(SELECT k.name FROM exemplar_kinds k WHERE k.tenant_id = e.tenant_id AND k.code = e.kind)`,
          },
          from: 'exemplar_objections x JOIN exemplars e ON e.tenant_id = x.tenant_id AND e.id = x.exemplar_id',
          orgColumn: 'e.org_id',
          where: [`x.tenant_id = ${b.tenant}`, `x.answered_at IS NULL`, `e.state = 'PUBLIC_NOTICE'`, reach.sql],
          needsOrg: reach.needsOrg,
          due: 'e.notice_ends_on',
          key: { sql: 'x.id', type: 'uuid' },
        }),
    );
  }
  if (want(TaskKind.EXEMPLAR_NOTICE)) {
    const reach = orgCondition(b, { subtrees: bureau }, 'e.org_id');
    out.push(
      reach &&
        branch(b, TaskKind.EXEMPLAR_NOTICE, {
          select: {
            action: `'${TaskAction.NAME}'`,
            subjectType: `'Exemplar'`,
            subjectId: 'e.id',
            taskKey: 'e.id::text',
            sortKey: 'e.id::text',
            orgId: 'e.org_id',
            due: 'e.notice_ends_on',
            overdue: `e.notice_ends_on < ${TODAY}`,
            name: `coalesce(e.title, '')`,
            detail: `(SELECT k.name FROM exemplar_kinds k WHERE k.tenant_id = e.tenant_id AND k.code = e.kind)`,
          },
          from: 'exemplars e',
          orgColumn: 'e.org_id',
          where: [
            `e.tenant_id = ${b.tenant}`,
            `e.state = 'PUBLIC_NOTICE'`,
            `e.notice_ends_on <= ${TODAY} + ${EXEMPLAR_NOTICE_DAYS}`,
            reach.sql,
          ],
          needsOrg: reach.needsOrg,
          due: 'e.notice_ends_on',
          key: { sql: 'e.id', type: 'uuid' },
        }),
    );
  }

  if (want(TaskKind.NOTICE_UNREAD)) {
    const reach = orgCondition(b, { subtrees: roots(viewer, RULES.readers) }, 'r.org_id');
    out.push(
      reach &&
        branch(b, TaskKind.NOTICE_UNREAD, {
          select: {
            action: `'${TaskAction.READ}'`,
            subjectType: `'Notice'`,
            subjectId: 'n.id',
            taskKey: `n.id::text || ':' || r.org_id::text`,
            sortKey: 'n.id::text || r.org_id::text',
            orgId: 'r.org_id',
            due: null,
            overdue: 'false',
            name: 'n.title',
          },
          from: 'notice_recipients r JOIN notices n ON n.tenant_id = r.tenant_id AND n.id = r.notice_id',
          orgColumn: 'r.org_id',
          where: [`r.tenant_id = ${b.tenant}`, `r.read_at IS NULL`, `n.state = 'ISSUED'`, reach.sql],
          needsOrg: reach.needsOrg,
          due: null,
          key: { sql: 'n.id::text || r.org_id::text', type: 'text' },
        }),
    );
  }

  // a cadre visits while it is one (pairing.service actsAsCadre)
  if (want(TaskKind.PAIRING_VISIT) && holdsRole(viewer, RULES.cadres)) {
    // due: the last visit (or the start, when never visited) plus the days a pairing may go without one
    const visitDue = `(greatest(pr.started_on, lv.last) + ${PAIRING_VISIT_DAYS})`;
    out.push(
      branch(b, TaskKind.PAIRING_VISIT, {
        select: {
          action: `'${TaskAction.VISIT}'`,
          subjectType: `'Pairing'`,
          subjectId: 'pr.id',
          taskKey: 'pr.id::text',
          sortKey: 'pr.id::text',
          orgId: 'pp.org_id',
          due: visitDue,
          overdue: `${visitDue} < ${TODAY}`,
          name: 'pp.name',
        },
        from: `pairings pr
          JOIN pairing_persons pp ON pp.tenant_id = pr.tenant_id AND pp.id = pr.person_id
          LEFT JOIN LATERAL (
            SELECT max(v.visited_on) AS last FROM pairing_visits v WHERE v.tenant_id = pr.tenant_id AND v.pairing_id = pr.id
          ) lv ON true`,
        orgColumn: 'pp.org_id',
        where: [`pr.tenant_id = ${b.tenant}`, `pr.cadre_id = ${b.me}`, `pr.ended_on IS NULL`, `${visitDue} <= ${TODAY}`],
        needsOrg: false,
        due: visitDue,
        key: { sql: 'pr.id', type: 'uuid' },
      }),
    );
  }

  if (want(TaskKind.COMMITMENT)) {
    // an org's commitment: its secretary or an officer over it; a member's own: that member alone
    const officers = orgCondition(b, { subtrees: roots(viewer, RULES.pledgers) }, 'cm.org_id');
    out.push(
      branch(b, TaskKind.COMMITMENT, {
        select: {
          action: `'${TaskAction.FULFIL}'`,
          subjectType: `'Commitment'`,
          subjectId: 'cm.id',
          taskKey: 'cm.id::text',
          sortKey: 'cm.id::text',
          orgId: 'cm.org_id',
          due: 'cm.due_on',
          overdue: `cm.due_on < ${TODAY}`,
          name: 'cm.text',
        },
        from: 'commitments cm',
        orgColumn: 'cm.org_id',
        where: [
          `cm.tenant_id = ${b.tenant}`,
          `cm.state = 'PLEDGED'`,
          `(cm.member_user_id = ${b.me}${officers ? ` OR (cm.member_user_id IS NULL AND ${officers.sql})` : ''})`,
        ],
        needsOrg: !!officers?.needsOrg,
        due: 'cm.due_on',
        key: { sql: 'cm.id', type: 'uuid' },
      }),
    );
  }
  return out.filter((s): s is string => !!s);
}

/** The tenant's today and time zone, computed once per statement. */
const WITH_TODAY = (b: Build) => `WITH today AS (
  SELECT (now() AT TIME ZONE z.zone)::date AS on_day, z.zone
    FROM (SELECT coalesce((SELECT settings->>'timezone' FROM tenants WHERE id = ${b.tenant}), 'Asia/Shanghai') AS zone) z
)`;

function start(viewer: UserViewer, mode: Build['mode'], limit: number, filter: TaskFilter, cursor?: TaskCursor): Build {
  const p = new Params();
  const tenant = p.ref(viewer.tenantId, 'uuid');
  const me = p.ref(viewer.userId, 'uuid');
  return { p, viewer, tenant, me, mode, limit, cursor, underPath: filter.underPath };
}

const wanted = (filter: TaskFilter) => new Set(filter.kinds ?? TASK_KINDS);
const clip = (text: string) => ellipsis(text, 40);

/**
 * The task's Chinese title, from the names its statement read and the org's name (read with the row
 * when the org was joined, else through the org loader; empty when the viewer may not see the org).
 */
export function taskTitle(task: Task, orgName: string): string {
  const name = task.name;
  switch (task.kind) {
    case TaskKind.DEADLINE_SUBMISSION:
      return `${orgName}：${name}`;
    case TaskKind.EVALUATION_FILL:
    case TaskKind.EVALUATION_RETURNED:
    case TaskKind.EVALUATION_REVIEW:
      return `${orgName}${evaluationKindLabels[task.detail as EvaluationKind] ?? ''}`;
    case TaskKind.RECTIFICATION_REPORT:
    case TaskKind.RECTIFICATION_VERIFY:
      return `${orgName}整改：${clip(name)}`;
    case TaskKind.OPINION:
      return `${orgName}民意：${clip(name)}`;
    case TaskKind.SERVICE_REQUEST:
      return `${task.detail ?? ''}服务请求：${clip(name)}`;
    case TaskKind.EXEMPLAR_OBJECTION:
      return `${task.detail ?? ''}“${name || orgName}”公示异议`;
    case TaskKind.EXEMPLAR_NOTICE:
      return `${task.detail ?? ''}“${name || orgName}”公示期满命名`;
    case TaskKind.NOTICE_UNREAD:
      return orgName ? `${name}（${orgName}）` : name;
    case TaskKind.PAIRING_VISIT:
      return `走访结对联系对象${name}`;
    case TaskKind.COMMITMENT:
      return `${orgName}承诺：${clip(name)}`;
  }
}

function toTask(row: TaskRow): Task {
  const task = new Task();
  task.kind = row.kind;
  task.action = row.action;
  task.dueOn = row.due_on;
  task.overdue = row.overdue;
  task.subjectType = row.subject_type;
  task.subjectId = row.subject_id;
  task.orgId = row.org_id;
  task.orgName = row.org_name;
  task.name = row.name;
  task.detail = row.detail;
  task.key = row.task_key;
  task.cursor = encodeCursor([row.due_on ?? 'infinity', row.kind, row.sort_key]);
  return task;
}

/** The count statement of taskService.counts, sent now. */
async function countNow(ctx: RequestContext, viewer: UserViewer, filter: TaskFilter): Promise<TaskCount[]> {
  const kinds = wanted(filter);
  const b = start(viewer, 'count', 0, filter);
  const parts = branches(b, kinds);
  const rows = parts.length
    ? await ctx.tx.query<{ kind: TaskKind; count: number; overdue: number }>(
        ...b.p.finish(
          `${WITH_TODAY(b)}
           SELECT t.kind, sum(t.count)::int AS count, sum(t.overdue)::int AS overdue
             FROM (${parts.join('\n UNION ALL \n')}) t
            GROUP BY t.kind`,
        ),
      )
    : [];
  return TASK_KINDS.filter((k) => kinds.has(k)).map((kind) => {
    const row = rows.find((r) => r.kind === kind);
    return { kind, kindLabel: taskKindLabels[kind], count: row?.count ?? 0, overdueCount: row?.overdue ?? 0 };
  });
}

export const taskService = {
  /** One page of the viewer's tasks: due day (undated last), then kind, then the kind's own order. */
  async list(ctx: RequestContext, viewer: UserViewer, filter: TaskFilter, first: number, after?: string): Promise<Page<Task>> {
    const cursor = parseCursor(after);
    const b = start(viewer, 'page', first + 1, filter, cursor);
    const parts = branches(b, wanted(filter));
    const rows = parts.length
      ? await ctx.tx.query<TaskRow>(
          ...b.p.finish(
            `${WITH_TODAY(b)}
             SELECT t.kind, t.action, t.subject_type, t.subject_id, t.task_key, t.sort_key, t.org_id, t.due_on::text AS due_on, t.overdue,
                    t.org_name, t.name, t.detail
               FROM (${parts.join('\n UNION ALL \n')}) t
              ORDER BY coalesce(t.due_on, 'infinity'::date), t.rank, t.sort_key COLLATE "C"
              LIMIT ${first + 1}`,
          ),
        )
      : [];
    return {
      nodes: rows.slice(0, first).map(toTask),
      hasNextPage: rows.length > first,
      hasPreviousPage: after != null,
      cursorOf: (task) => task.cursor,
      totalCount: async () => (await this.counts(ctx, viewer, filter)).reduce((sum, c) => sum + c.count, 0),
    };
  },

  /**
   * Tasks per kind (every kind asked for, zero included, in the kinds' order) and how many are overdue:
   * one statement. A query's taskCounts and its tasks' totalCount ask the same count (a first screen asks
   * both): counted once per request and filter; a mutation counts afresh, after what it changed.
   */
  async counts(ctx: RequestContext, viewer: UserViewer, filter: TaskFilter): Promise<TaskCount[]> {
    if (!ctx.readOnly) return countNow(ctx, viewer, filter);
    const kinds = TASK_KINDS.filter((k) => wanted(filter).has(k));
    const key = JSON.stringify([viewer.userId, kinds, filter.underPath ?? null]);
    return ctx
      .loader<string, TaskCount[]>('task.counts', (keys) =>
        Promise.all(
          keys.map((k) => {
            const [, kindsOf, underPath] = JSON.parse(k) as [string, TaskKind[], string | null];
            return countNow(ctx, viewer, { kinds: kindsOf, underPath });
          }),
        ),
      )
      .load(key);
  },
};
