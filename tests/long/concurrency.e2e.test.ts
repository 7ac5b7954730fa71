import { GqlResponse, TestServer, lockWaiters, reasons, startTestServer } from '../helpers/server';
import { globalId } from '../helpers/ids';
import { SOURCE_CAMPAIGN, criteriaOf, evaluate, orgIds, scoresFor } from '../helpers/story';
import { day } from '../helpers/dates';
import { MAX_CAMPAIGNS_PER_SCOPE_ORG } from '../../src/modules/campaign/campaign.service';

/**
 * Class guard (issue 10, concurrency): every invariant the domain states holds under 50 concurrent
 * requests over real HTTP, and a lost race is a coded error (CONFLICT or the domain's own code),
 * never INTERNAL_SERVER_ERROR; nothing unknown reaches the server log meanwhile.
 */
const CONCURRENCY = 50;
const TODAY = day(0);
const YEAR = Number(day(-2).slice(0, 4));
const raw = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];

/** Fires `CONCURRENCY` requests at once, the i-th built by `make(i)`. */
const burst = (make: (i: number) => Promise<GqlResponse>) => Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => make(i)));

/**
 * Splits the answers into successes and failures and checks that every failure is one error with a
 * code from `allowed` and the HTTP status that code carries (never a 500).
 */
function tally(responses: GqlResponse[], allowed: string[]) {
  const ok = responses.filter((r) => !r.errors);
  const failed = responses.filter((r) => r.errors);
  for (const r of failed) {
    expect(r.errors).toHaveLength(1);
    expect(allowed).toContain(r.errors![0].extensions?.code);
    expect(typeof r.errors![0].extensions?.reason).toBe('string');
    expect(r.status).toBeLessThan(500);
  }
  expect(ok.length + failed.length).toBe(CONCURRENCY);
  return { ok, failed };
}

describe(`concurrency: every stated invariant under ${CONCURRENCY} concurrent requests`, () => {
  let server: TestServer;
  let ids: Record<string, string>;
  let t: Record<'admin' | 'leader' | 'supervisor' | 'secretary' | 'inspector', string>;
  let campaignId: string;
  let teamId: string;
  let crit: Awaited<ReturnType<typeof criteriaOf>>;
  let logged: unknown[][];
  const gql = (q: string, v: Record<string, unknown>, token?: string) => server.gql(q, v, token);

  beforeAll(async () => {
    // the per-user request limit would answer RATE_LIMITED long before the invariants are tried; the sign-out
    // race below holds 50 sessions of one user, past the default bound of live sessions (20)
    server = await startTestServer({
      env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0', SESSIONS_PER_USER: '1000' },
    });
    ids = await orgIds(server, 'jtj');
    const tokens = await Promise.all(['admin', 'leader', 'supervisor', 'secretary', 'inspector'].map((u) => server.token('jtj', u)));
    t = { admin: tokens[0], leader: tokens[1], supervisor: tokens[2], secretary: tokens[3], inspector: tokens[4] };
    const versionId = (await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, t.admin)).data.importFramework.id;
    await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: versionId }, t.admin);
    campaignId = (
      await gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        { input: { name: '创建活动', versionId, scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN, endsOn: '2030-12-31' } },
        t.admin,
      )
    ).data.createCampaign.id;
    crit = await criteriaOf(server, t.admin, versionId);
    const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, t.admin)).data.users.nodes;
    teamId = (
      await gql(
        `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
        {
          input: {
            name: '督导组',
            leaderId: users.find((u: { username: string }) => u.username === 'inspector').id,
            scopeOrgIds: [ids['市公交集团党委']],
            campaignId,
          },
        },
        t.leader,
      )
    ).data.createSupervisionTeam.id;
  }, 60_000);
  afterAll(() => server.close());

  // Unknown faults are logged as '[error]' (mapped ones are not logged at all): none may appear.
  let spy: jest.SpyInstance;
  beforeEach(() => {
    logged = [];
    spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
  });
  afterEach(() => {
    spy.mockRestore();
    expect(logged).toEqual([]);
  });

  const recordDraft = async (key: string, org: string, findings: Record<string, unknown>[] = []) => {
    const res = await gql(
      `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
      { input: { idempotencyKey: key, teamId, orgId: ids[org], inspectedOn: day(-2), methods: ['BRIEFING'], summary: key, findings } },
      t.inspector,
    );
    expect(res.errors).toBeUndefined();
    return res.data.recordInspection.id as string;
  };
  const FINALIZE = `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { id chainSeq } }`;

  it('finalizes each inspection once and keeps the chain unforked: seqs unique and contiguous, verifyRecords ok', async () => {
    const drafts = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        recordDraft(`conc-final-${i}`, i % 2 ? '第一车队党支部' : '第二车队党支部', [{ severity: 'MINOR', description: `问题${i}` }]),
      ),
    );
    const answers = await burst((i) => gql(FINALIZE, { id: drafts[i % drafts.length] }, t.inspector));
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(drafts.length);
    expect(new Set(ok.map((r) => r.data.finalizeInspection.id))).toEqual(new Set(drafts));
    expect(ok.map((r) => r.data.finalizeInspection.chainSeq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(failed.every((r) => r.errors![0].extensions?.reason === 'INSPECTION_FINALIZED')).toBe(true);
    const su = await server.superuser();
    const seqs = (
      await su.query(
        `SELECT chain_seq::int AS seq FROM inspections WHERE state = 'FINALIZED' AND tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj') ORDER BY 1`,
      )
    ).rows.map((r) => r.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(
      (await su.query(`SELECT last_seq::int AS seq FROM record_chains WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`)).rows,
    ).toEqual([{ seq: 5 }]);
    expect((await gql(`{ verifyRecords { ok checked } }`, {}, t.admin)).data.verifyRecords).toEqual({ ok: true, checked: 5 });
  });

  it('answers a retry whose winning record was discarded before it read it INSPECTION_NOT_FOUND, never a 500', async () => {
    const su = await server.superuser();
    // the retry's insert that found the key taken (it inserted nothing) pauses while the test holds advisory lock 7071
    await su.query(`CREATE FUNCTION test_pause_on_conflict() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NOT EXISTS (SELECT 1 FROM new_rows) THEN PERFORM pg_advisory_xact_lock(7071); END IF; RETURN NULL; END $$`);
    await su.query(`CREATE TRIGGER test_pause_on_conflict AFTER INSERT ON inspections REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION test_pause_on_conflict()`);
    const holder = await server.superuser({ own: true });
    const first = await server.superuser({ own: true });
    try {
      const model = await recordDraft('discard-race-model', '第二车队党支部');
      await holder.query(`SELECT pg_advisory_lock(7071)`);
      // the first request's record, not yet committed when the retry looks its key up
      await first.query('BEGIN');
      const inserted = await first.query<{ id: string }>(
        `INSERT INTO inspections (tenant_id, team_id, org_id, campaign_id, inspected_on, methods, summary, idempotency_key, request_hash, created_by)
         SELECT tenant_id, team_id, org_id, campaign_id, inspected_on, methods, summary, 'discard-race', request_hash, created_by
           FROM inspections WHERE id = $1 RETURNING id`,
        [raw(model)],
      );
      const retry = gql(
        `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`,
        {
          input: {
            idempotencyKey: 'discard-race',
            teamId,
            orgId: ids['第二车队党支部'],
            inspectedOn: day(-2),
            methods: ['BRIEFING'],
            summary: 'discard-race',
            findings: [],
          },
        },
        t.inspector,
      );
      expect(await lockWaiters(su)).toBeGreaterThan(0);
      await first.query('COMMIT');
      // the retry now waits after its insert; the record is discarded meanwhile
      expect(await lockWaiters(su)).toBeGreaterThan(0);
      const globalId = Buffer.from(`Inspection:${inserted.rows[0].id}`).toString('base64url');
      const discarded = await gql(`mutation($id: ID!) { discardInspection(input: { id: $id }) }`, { id: globalId }, t.inspector);
      expect(discarded.errors).toBeUndefined();
      await holder.query(`SELECT pg_advisory_unlock(7071)`);
      const answer = await retry;
      expect(answer.status).toBeLessThan(500);
      expect(answer.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'INSPECTION_NOT_FOUND' });
    } finally {
      await first.query('ROLLBACK').catch(() => undefined);
      await holder.query(`SELECT pg_advisory_unlock_all()`).catch(() => undefined);
      await su.query(`DROP TRIGGER IF EXISTS test_pause_on_conflict ON inspections`);
      await su.query(`DROP FUNCTION IF EXISTS test_pause_on_conflict()`);
      await holder.end();
      await first.end();
    }
  });

  it('amends a record once: of concurrent amendments with different keys exactly one draft is created', async () => {
    const [original] = (await gql(`{ inspections(state: FINALIZED) { nodes { id } } }`, {}, t.inspector)).data.inspections.nodes;
    const answers = await burst((i) =>
      gql(
        `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { id } }`,
        { input: { inspectionId: original.id, idempotencyKey: `conc-amend-${i}`, reason: '更正摘要', summary: `更正 ${i}` } },
        t.inspector,
      ),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(failed.every((r) => r.errors![0].extensions?.reason === 'ALREADY_AMENDED')).toBe(true);
    const su = await server.superuser();
    expect((await su.query(`SELECT count(*)::int AS n FROM inspections WHERE amends_id = $1`, [raw(original.id)])).rows[0].n).toBe(1);
    // and finalizing it concurrently appends it once, after the five
    const amendment = ok[0].data.amendInspection.id;
    const finals = tally(await burst(() => gql(FINALIZE, { id: amendment }, t.inspector)), ['CONFLICT']);
    expect(finals.ok.map((r) => r.data.finalizeInspection.chainSeq)).toEqual([6]);
    expect((await gql(`{ verifyRecords { ok checked } }`, {}, t.admin)).data.verifyRecords).toEqual({ ok: true, checked: 6 });
  });

  it('verifies each rectification once', async () => {
    const id = await recordDraft('conc-rect', '第一车队党支部', [
      { severity: 'SERIOUS', description: '台帐不全', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) },
      { severity: 'MODERATE', description: '公开栏未更新', rectifyOrgId: ids['第一车队党支部'], rectifyDueOn: day(10) },
    ]);
    const finalized = await gql(
      `mutation($id: ID!) { finalizeInspection(input: { id: $id }) { findings { rectification { id } } } }`,
      { id },
      t.inspector,
    );
    const rectifications = finalized.data.finalizeInspection.findings.map((f: { rectification: { id: string } }) => f.rectification.id);
    for (const r of rectifications) {
      expect(
        (await gql(`mutation($id: ID!) { submitRectification(input: { id: $id, report: "已整改" }) { state } }`, { id: r }, t.secretary))
          .errors,
      ).toBeUndefined();
    }
    // half accept, half reopen: whichever comes first decides, the rest find it no longer SUBMITTED
    const answers = await burst((i) =>
      gql(
        `mutation($id: ID!, $a: Boolean!) { verifyRectification(input: { id: $id, accept: $a, reason: "证据不足" }) { id state } }`,
        { id: rectifications[i % 2], a: i % 4 < 2 },
        t.inspector,
      ),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(2);
    expect(new Set(ok.map((r) => r.data.verifyRectification.id))).toEqual(new Set(rectifications));
    expect(failed.every((r) => r.errors![0].extensions?.reason === 'WRONG_RECTIFICATION_STATE')).toBe(true);
  });

  it('accepts each evaluation once', async () => {
    const branches = ['第一车队党支部', '第二车队党支部'];
    const submitted = await Promise.all(
      branches.map((org) => evaluate(server, t.supervisor, { campaignId, orgId: ids[org], kind: 'SUPERIOR' }, scoresFor(crit))),
    );
    const answers = await burst((i) =>
      gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { id state } }`, { id: submitted[i % 2].id }, t.leader),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(2);
    expect(new Set(ok.map((r) => r.data.acceptEvaluation.id))).toEqual(new Set(submitted.map((e) => e.id)));
    expect(failed.every((r) => r.errors![0].extensions?.reason === 'NOT_SUBMITTED')).toBe(true);
    const su = await server.superuser();
    expect(
      (await su.query(`SELECT count(*)::int AS n FROM campaign_results WHERE org_id = ANY($1::uuid[])`, [branches.map((b) => raw(ids[b]))]))
        .rows[0].n,
    ).toBe(2);
  });

  it('never lets a reviewer accept its own submission: a return and its resubmission landing while an acceptance waits', async () => {
    // submitted by the admin; the leader, who may both fill it in and review it, accepts it
    const submitted = await evaluate(server, t.admin, { campaignId, orgId: ids['第一分公司党支部'], kind: 'SUPERIOR' }, scoresFor(crit));
    const su = await server.superuser();
    const locker = await server.superuser({ own: true });
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM evaluations WHERE id = $1 FOR UPDATE`, [raw(submitted.id)]);
    try {
      const accepting = gql(
        `mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`,
        { id: submitted.id },
        t.leader,
      );
      expect(await lockWaiters(su)).toBeGreaterThan(0);
      // meanwhile the admin returned it and the leader resubmitted it (as their commits leave the row)
      await locker.query(
        `UPDATE evaluations SET submitted_by = (SELECT id FROM users WHERE tenant_id = evaluations.tenant_id AND username = 'leader'),
                submitted_at = now(), version = version + 2 WHERE id = $1`,
        [raw(submitted.id)],
      );
      await locker.query('COMMIT');
      const answer = await accepting;
      expect(answer.status).toBeLessThan(500);
      expect(answer.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'REVIEWER_IS_SUBMITTER' });
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    // and a burst of acceptances, returns and resubmissions leaves none reviewed by its submitter
    const second = await evaluate(server, t.admin, { campaignId, orgId: ids['第二分公司党支部'], kind: 'SUPERIOR' }, scoresFor(crit));
    const VERSION = `query($id: ID!) { node(id: $id) { ... on Evaluation { version } } }`;
    const answers = await burst(async (i) => {
      if (i % 3 === 0)
        return gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`, { id: second.id }, t.leader);
      if (i % 3 === 1)
        return gql(
          `mutation($id: ID!) { returnEvaluation(input: { evaluationId: $id, reason: "重填" }) { state } }`,
          { id: second.id },
          t.admin,
        );
      const version = (await gql(VERSION, { id: second.id }, t.leader)).data.node.version;
      return gql(
        `mutation($id: ID!, $v: Int!) { submitEvaluation(input: { evaluationId: $id, expectedVersion: $v }) { state } }`,
        { id: second.id, v: version },
        t.leader,
      );
    });
    tally(answers, ['CONFLICT', 'FORBIDDEN']);
    const own = await su.query(`SELECT id FROM evaluations WHERE reviewed_by = submitted_by AND kind <> 'INSPECTION'`);
    expect(own.rows).toEqual([]);
  });

  it('combines two kinds accepted at once into the org’s campaign result: neither acceptance overwrites the other', async () => {
    const branches = ['第三车队党支部', '保修公司党支部', '党员学雷锋车队党支部'];
    const submitted = await Promise.all(
      branches.flatMap((org) =>
        ['SUPERIOR', 'PUBLIC'].map((kind) => evaluate(server, t.supervisor, { campaignId, orgId: ids[org], kind }, scoresFor(crit))),
      ),
    );
    // both kinds of each org accepted at the same moment, by two reviewers
    const answers = await Promise.all(
      submitted.map((e, i) =>
        gql(`mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`, { id: e.id }, i % 2 ? t.admin : t.leader),
      ),
    );
    expect(answers.map((a) => a.errors ?? a.data.acceptEvaluation.state)).toEqual(submitted.map(() => 'ACCEPTED'));
    const su = await server.superuser();
    const kinds = await su.query<{ kinds: string[] }>(
      `SELECT (SELECT array_agg(c->>'kind' ORDER BY c->>'kind') FROM jsonb_array_elements(r.components) c) AS kinds
         FROM campaign_results r WHERE r.org_id = ANY($1::uuid[])`,
      [branches.map((b) => raw(ids[b]))],
    );
    expect(kinds.rows.map((r) => r.kinds)).toEqual(branches.map(() => ['PUBLIC', 'SUPERIOR']));
  });

  it('starts an evaluation of a kind once per org: concurrent starts all answer the one evaluation, never a bare DUPLICATE', async () => {
    const org = ids['航道站党支部'];
    const answers = await burst(() =>
      gql(
        `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id state version } }`,
        { input: { campaignId, orgId: org, kind: 'SUPERIOR' } },
        t.admin,
      ),
    );
    const { ok } = tally(answers, []);
    expect(new Set(ok.map((r) => r.data.startEvaluation.id)).size).toBe(1);
    expect(ok[0].data.startEvaluation).toMatchObject({ state: 'DRAFT', version: 1 });
    const su = await server.superuser();
    expect(
      (await su.query(`SELECT count(*)::int AS n FROM evaluations WHERE org_id = $1 AND kind = 'SUPERIOR'`, [raw(org)])).rows[0].n,
    ).toBe(1);
  });

  it('assigns a role once: concurrent identical assignments all answer the one assignment, never a bare DUPLICATE', async () => {
    const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, t.admin)).data.users.nodes;
    const member = users.find((u: { username: string }) => u.username === 'member').id;
    const org = ids['港政科党支部'];
    const answers = await burst(() =>
      gql(
        `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id role } }`,
        { input: { userId: member, role: 'SUPERVISOR', orgId: org } },
        t.admin,
      ),
    );
    const { ok } = tally(answers, []);
    expect(new Set(ok.map((r) => r.data.assignRole.id)).size).toBe(1);
    const su = await server.superuser();
    expect(
      (
        await su.query(`SELECT count(*)::int AS n FROM role_assignments WHERE user_id = $1 AND org_id = $2 AND role = 'SUPERVISOR'`, [
          raw(member),
          raw(org),
        ])
      ).rows[0].n,
    ).toBe(1);
  });

  it('numbers versions one after another: imports and copies into one framework at once, never a bare DUPLICATE', async () => {
    const imports = await burst((i) =>
      i % 2
        ? gql(`mutation { importFramework(input: { template: "sqsy" }) { id number } }`, {}, t.admin)
        : gql(`mutation { importFramework(input: { template: "wqwh" }) { id number } }`, {}, t.admin),
    );
    const { ok } = tally(imports, []);
    const copies = await burst(() =>
      gql(`mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id number } }`, { v: ok[1].data.importFramework.id }, t.admin),
    );
    tally(copies, []);
    const su = await server.superuser();
    const numbers = await su.query<{ code: string; n: number; distinct_numbers: number; top: number }>(
      `SELECT f.code, count(*)::int AS n, count(DISTINCT v.number)::int AS distinct_numbers, max(v.number) AS top
         FROM framework_versions v JOIN frameworks f ON f.tenant_id = v.tenant_id AND f.id = v.framework_id
        WHERE f.tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj') GROUP BY f.code`,
    );
    // every framework of the tenant numbers its versions 1..n without a gap or a twin
    for (const row of numbers.rows) expect(row).toMatchObject({ distinct_numbers: row.n, top: row.n });
    expect(
      await su.query(
        `SELECT count(*)::int AS n FROM frameworks WHERE code = 'WQWH' AND tenant_id = (SELECT id FROM tenants WHERE slug = 'jtj')`,
      ),
    ).toMatchObject({ rows: [{ n: 1 }] });
  });

  it('deletes a criterion once: concurrent deletes and moves of it leave its siblings numbered 0..n-1, the losers CRITERION_NOT_FOUND', async () => {
    const draft = (await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, t.admin)).data.importFramework.id;
    const su = await server.superuser();
    const leaves = (await criteriaOf(server, t.admin, draft)).filter((c) => c.isLeaf);
    const remove = (id: string) => gql(`mutation($id: ID!) { deleteCriterion(input: { id: $id }) }`, { id }, t.admin);
    const deletes = tally(await burst(() => remove(leaves[0].id)), ['NOT_FOUND']);
    expect(deletes.ok).toHaveLength(1);
    expect(new Set(deletes.failed.map((r) => r.errors![0].extensions!.reason))).toEqual(new Set(['CRITERION_NOT_FOUND']));
    const raced = tally(
      await burst((i) =>
        i % 2
          ? remove(leaves[1].id)
          : gql(`mutation($id: ID!) { moveCriterion(input: { id: $id, position: 0 }) { id } }`, { id: leaves[1].id }, t.admin),
      ),
      ['NOT_FOUND'],
    );
    expect(raced.ok.filter((r) => r.data.deleteCriterion === true)).toHaveLength(1);
    const positions = await su.query<{ p: number[]; n: number }>(
      `SELECT array_agg(position ORDER BY position) AS p, count(*)::int AS n FROM criteria WHERE version_id = $1 GROUP BY parent_id`,
      [raw(draft)],
    );
    for (const row of positions.rows) expect(row.p).toEqual(Array.from({ length: row.n }, (_, i) => i));
  });

  it('holds a draft’s edits to the limits import and publish hold: 5 levels, 2,000 criteria', async () => {
    const draft = (await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, t.admin)).data.importFramework.id;
    const ADD = `mutation($input: AddCriterionInput!) { addCriterion(input: $input) { id } }`;
    const MOVE = `mutation($id: ID!, $p: ID) { moveCriterion(input: { id: $id, newParentId: $p }) { id } }`;
    const reasons = (r: GqlResponse) => (r.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.reason}`);
    const dims = (await gql(`query($id: ID!) { frameworkVersion(id: $id) { dimensions { id } } }`, { id: draft }, t.admin)).data
      .frameworkVersion.dimensions as { id: string }[];
    // a chain under the first dimension down to the fifth level; a sixth is refused
    let parent = dims[0].id;
    for (let level = 2; level <= 5; level++) {
      const added = await gql(ADD, { input: { versionId: draft, parentId: parent, code: `DEEP${level}`, title: `第${level}层` } }, t.admin);
      expect([level, added.errors]).toEqual([level, undefined]);
      parent = added.data.addCriterion.id;
    }
    const sixth = await gql(ADD, { input: { versionId: draft, parentId: parent, code: 'DEEP6', title: '第6层' } }, t.admin);
    expect(reasons(sixth)).toEqual(['BAD_USER_INPUT/CRITERIA_TOO_DEEP']);
    // another dimension (two levels or more) moved under the fifth level is refused; the fifth level's leaf may move to the top
    expect(reasons(await gql(MOVE, { id: dims[1].id, p: parent }, t.admin))).toEqual(['BAD_USER_INPUT/CRITERIA_TOO_DEEP']);
    expect((await gql(MOVE, { id: parent, p: null }, t.admin)).errors).toBeUndefined();
    // filled up to 2,000 criteria (by the database, as an import of that many would): the next is refused
    const su = await server.superuser();
    const [{ n }] = (await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM criteria WHERE version_id = $1`, [raw(draft)])).rows;
    await su.query(
      `INSERT INTO criteria (tenant_id, version_id, parent_id, code, title, position)
       SELECT c.tenant_id, c.version_id, c.id, 'FILL' || g, '填充', g - 1 FROM criteria c, generate_series(1, $2::int) g WHERE c.id = $1`,
      [raw(dims[2].id), 2000 - n],
    );
    const over = await gql(ADD, { input: { versionId: draft, parentId: dims[2].id, code: 'ONE_MORE', title: '多一个' } }, t.admin);
    expect(reasons(over)).toEqual(['BAD_USER_INPUT/CRITERIA_TOO_MANY']);
    expect((await su.query(`SELECT count(*)::int AS n FROM criteria WHERE version_id = $1`, [raw(draft)])).rows[0].n).toBe(2000);
  });

  it('publishes one version a framework: drafts published at once leave exactly one published, a draft published twice once', async () => {
    const source = (await gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, t.admin)).data.importFramework.id;
    const drafts = await Promise.all(
      Array.from(
        { length: 5 },
        async () =>
          (await gql(`mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id } }`, { v: source }, t.admin)).data.createDraftFrom
            .id,
      ),
    );
    const PUBLISH = `mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id status } }`;
    const answers = await burst((i) => gql(PUBLISH, { v: drafts[i % drafts.length] }, t.admin));
    const { ok, failed } = tally(answers, ['CONFLICT']);
    // each draft is published once; the others asking for it are told it is a draft no longer
    expect(new Set(ok.map((r) => r.data.publishVersion.id))).toEqual(new Set(drafts));
    expect(ok).toHaveLength(drafts.length);
    expect(failed.every((r) => r.errors![0].extensions?.reason === 'VERSION_NOT_DRAFT')).toBe(true);
    const su = await server.superuser();
    const published = await su.query(
      `SELECT count(*)::int AS n FROM framework_versions WHERE status = 'PUBLISHED'
          AND framework_id = (SELECT framework_id FROM framework_versions WHERE id = $1)`,
      [raw(drafts[0])],
    );
    expect(published.rows[0].n).toBe(1);
    // retired at once by all: once, the others told it is published no longer
    const [{ id: live }] = (
      await su.query<{ id: string }>(
        `SELECT id FROM framework_versions WHERE status = 'PUBLISHED' AND framework_id = (SELECT framework_id FROM framework_versions WHERE id = $1)`,
        [raw(drafts[0])],
      )
    ).rows;
    const retired = await burst(() =>
      gql(
        `mutation($v: ID!) { retireVersion(input: { versionId: $v }) { status } }`,
        { v: Buffer.from(`FrameworkVersion:${live}`).toString('base64url') },
        t.admin,
      ),
    );
    const retiring = tally(retired, ['BAD_USER_INPUT', 'CONFLICT']);
    expect(retiring.ok).toHaveLength(1);
    expect(retiring.failed.every((r) => r.errors![0].extensions?.reason === 'VERSION_NOT_PUBLISHED')).toBe(true);
  });

  it('binds no campaign to a version retired while the campaign was being created: the version is held until it commits', async () => {
    const version = (await gql(`mutation { importFramework(input: { template: "wqwh" }) { id } }`, {}, t.admin)).data.importFramework.id;
    expect(
      (await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: version }, t.admin)).errors,
    ).toBeUndefined();
    const su = await server.superuser();
    // a retirement (another draft's publication, or retireVersion) under way when the campaign is created
    const retirer = await server.superuser({ own: true });
    try {
      await retirer.query('BEGIN');
      await retirer.query(`UPDATE framework_versions SET status = 'RETIRED', updated_at = now() WHERE id = $1`, [raw(version)]);
      const pending = gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        {
          input: {
            name: '版本停用时发起的活动',
            versionId: version,
            scopeOrgId: ids['市公交集团党委'],
            ...SOURCE_CAMPAIGN,
            endsOn: '2030-12-31',
          },
        },
        t.admin,
      );
      const waiting = await lockWaiters(su, 1);
      await retirer.query('COMMIT');
      const answer = await pending;
      expect(waiting).toBe(1);
      expect(reasons(answer)).toEqual(['BAD_USER_INPUT/VERSION_NOT_PUBLISHED']);
    } finally {
      await retirer.query('ROLLBACK').catch(() => undefined);
      await retirer.end();
    }
    expect((await su.query(`SELECT count(*)::int AS n FROM campaigns WHERE version_id = $1`, [raw(version)])).rows[0].n).toBe(0);
  });

  it('pairs a cadre with a person once: concurrent pairings answer ALREADY_PAIRED, never a bare DUPLICATE', async () => {
    const person = await gql(
      `mutation($input: CreatePairingPersonInput!) { createPairingPerson(input: $input) { id } }`,
      { input: { orgId: ids['港政科党支部'], name: '并发结对对象', kind: 'RESIDENT', difficulty: '独居老人' } },
      t.admin,
    );
    expect(person.errors).toBeUndefined();
    const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, t.admin)).data.users.nodes;
    const cadre = users.find((u: { username: string }) => u.username === 'secretary').id;
    const answers = await burst(() =>
      gql(
        `mutation($input: CreatePairingInput!) { createPairing(input: $input) { id } }`,
        { input: { cadreId: cadre, personId: person.data.createPairingPerson.id } },
        t.admin,
      ),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(failed.every((r) => r.errors![0].extensions?.reason === 'ALREADY_PAIRED')).toBe(true);
  });

  it('names no more exemplars per category than the limit', async () => {
    const LIMIT = 2;
    const limit = await gql(
      `mutation($input: SetExemplarLimitInput!) { setExemplarLimit(input: $input) { limit } }`,
      { input: { year: YEAR, kind: 'MODEL_WINDOW', category: 'ENTERPRISE', limit: LIMIT } },
      t.admin,
    );
    expect(limit.errors).toBeUndefined();
    const su = await server.superuser();
    const exemplars: string[] = [];
    for (let i = 0; i < 8; i++) {
      const nominated = await gql(
        `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { id } }`,
        {
          input: {
            year: YEAR,
            kind: 'MODEL_WINDOW',
            orgId: ids[i % 2 ? '第一车队党支部' : '第二车队党支部'],
            title: `服务窗口${i}`,
            reason: '群众满意',
          },
        },
        t.admin,
      );
      const id = nominated.data.nominateExemplar.id;
      await gql(`mutation($id: ID!) { startExemplarReview(input: { id: $id }) { id } }`, { id }, t.admin);
      await gql(
        `mutation($input: StartExemplarNoticeInput!) { startExemplarNotice(input: $input) { id } }`,
        { input: { id, startsOn: TODAY, endsOn: TODAY } },
        t.admin,
      );
      exemplars.push(id);
    }
    // the notice windows are over (moved into the past, as if the days had gone by)
    await su.query(`UPDATE exemplars SET notice_starts_on = $2, notice_ends_on = $3 WHERE id = ANY($1::uuid[])`, [
      exemplars.map(raw),
      day(-7),
      day(-1),
    ]);
    const answers = await burst((i) =>
      gql(
        `mutation($id: ID!) { nameExemplar(input: { id: $id, note: "命名" }) { id state } }`,
        { id: exemplars[i % exemplars.length] },
        t.admin,
      ),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(LIMIT);
    expect(failed.every((r) => ['CATEGORY_LIMIT_REACHED', 'WRONG_EXEMPLAR_STATE'].includes(r.errors![0].extensions!.reason!))).toBe(true);
    expect(
      (await su.query(`SELECT count(*)::int AS n FROM exemplars WHERE id = ANY($1::uuid[]) AND state = 'NAMED'`, [exemplars.map(raw)]))
        .rows[0].n,
    ).toBe(LIMIT);
  });

  it('restores an org with a title and names another at once: the category never passes its limit', async () => {
    const Y = YEAR - 1; // a year the other tests leave alone
    const su = await server.superuser();
    const org = async (name: string) =>
      (
        await gql(
          `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
          { input: { parentId: ids['市公交集团党委'], name, kind: 'BRANCH', category: 'ENTERPRISE' } },
          t.admin,
        )
      ).data.createOrg.id as string;
    const throughNotice = async (orgId: string, title: string) => {
      const id = (
        await gql(
          `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { id } }`,
          { input: { year: Y, kind: 'MODEL_WINDOW', orgId, title, reason: '群众满意' } },
          t.admin,
        )
      ).data.nominateExemplar.id as string;
      await gql(`mutation($id: ID!) { startExemplarReview(input: { id: $id }) { id } }`, { id }, t.admin);
      await gql(
        `mutation($input: StartExemplarNoticeInput!) { startExemplarNotice(input: $input) { id } }`,
        { input: { id, startsOn: TODAY, endsOn: TODAY } },
        t.admin,
      );
      await su.query(`UPDATE exemplars SET notice_starts_on = $2, notice_ends_on = $3 WHERE id = $1`, [raw(id), day(-7), day(-1)]);
      return id;
    };
    const NAME = `mutation($id: ID!) { nameExemplar(input: { id: $id, note: "命名" }) { id state } }`;
    const [a, b] = [await org('恢复与命名并发的甲支部'), await org('恢复与命名并发的乙支部')];
    const limit = await gql(
      `mutation($input: SetExemplarLimitInput!) { setExemplarLimit(input: $input) { limit } }`,
      { input: { year: Y, kind: 'MODEL_WINDOW', category: 'ENTERPRISE', limit: 1 } },
      t.admin,
    );
    expect(limit.errors).toBeUndefined();
    const ea = await throughNotice(a, '甲窗口');
    expect((await gql(NAME, { id: ea }, t.admin)).data.nameExemplar.state).toBe('NAMED');
    expect((await gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: a }, t.admin)).errors).toBeUndefined();
    const eb = await throughNotice(b, '乙窗口');

    // the namings go out first, the restores of the titled org right behind them
    const answers = await burst((i) =>
      i < CONCURRENCY / 2
        ? gql(NAME, { id: eb }, t.admin)
        : gql(`mutation($id: ID!) { restoreOrg(input: { id: $id }) { id } }`, { id: a }, t.admin),
    );
    const { failed } = tally(answers, ['CONFLICT']);
    expect(
      failed.every((r) =>
        ['RESTORE_OVER_EXEMPLAR_LIMIT', 'CATEGORY_LIMIT_REACHED', 'WRONG_EXEMPLAR_STATE'].includes(r.errors![0].extensions!.reason!),
      ),
    ).toBe(true);
    const [{ live, named }] = (
      await su.query<{ live: boolean; named: number }>(
        `SELECT (SELECT archived_at IS NULL FROM orgs WHERE id = $1) AS live,
                (SELECT count(*)::int FROM exemplars e JOIN orgs o ON o.tenant_id = e.tenant_id AND o.id = e.org_id AND o.archived_at IS NULL
                  WHERE e.year = $2 AND e.kind = 'MODEL_WINDOW' AND e.category = 'ENTERPRISE' AND e.state IN ('NAMED', 'RE_EVALUATED')) AS named`,
        [raw(a), Y],
      )
    ).rows;
    expect(named).toBe(1);
    // either the restore won (乙 stays in its notice) or the naming did (甲 stays archived)
    const ebState = (await su.query<{ state: string }>(`SELECT state FROM exemplars WHERE id = $1`, [raw(eb)])).rows[0].state;
    expect([live, ebState]).toEqual(live ? [true, 'PUBLIC_NOTICE'] : [false, 'NAMED']);
  });

  it('nominates a post once: concurrent nominations of the same post answer ALREADY_NOMINATED, never a bare DUPLICATE', async () => {
    const answers = await burst(() =>
      gql(
        `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { id } }`,
        { input: { year: YEAR, kind: 'MODEL_POST', orgId: ids['第三车队党支部'], title: '第三车队党员示范岗', reason: '群众满意' } },
        t.admin,
      ),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(new Set(failed.map((r) => r.errors![0].extensions!.reason))).toEqual(new Set(['ALREADY_NOMINATED']));
    const su = await server.superuser();
    expect((await su.query(`SELECT count(*)::int AS n FROM exemplars WHERE title = '第三车队党员示范岗'`)).rows[0].n).toBe(1);
  });

  /** A branch of its own for a cap, and what a row written beside the API needs: the tenant, the org, its parent and a creator. */
  const branchForCap = async (name: string) => {
    const made = await gql(
      `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
      { input: { parentId: ids['市公交集团党委'], name, kind: 'BRANCH', category: 'ENTERPRISE' } },
      t.admin,
    );
    expect(made.errors).toBeUndefined();
    const su = await server.superuser();
    const [row] = (
      await su.query<{ tenant_id: string; id: string; parent_id: string; admin: string }>(
        `SELECT o.tenant_id, o.id, o.parent_id, u.id AS admin FROM orgs o JOIN users u ON u.tenant_id = o.tenant_id AND u.username = 'admin'
          WHERE o.id = $1`,
        [raw(made.data.createOrg.id)],
      )
    ).rows;
    return { su, id: made.data.createOrg.id as string, row };
  };

  it('keeps an org’s open service requests to the cap: at the boundary, of 50 raised at once exactly one passes', async () => {
    const CAP = server.config.openServiceRequestsPerOrg;
    const { su, id, row } = await branchForCap('服务请求限额的党支部');
    // one short of the cap open, and answered ones besides (they do not count)
    await su.query(
      `INSERT INTO service_requests (tenant_id, from_org_id, to_org_id, title, description, state, due_at, created_by, answer, answered_by, answered_at)
       SELECT $1, $2, $3, '请求' || n, '情况', CASE WHEN n < $5 THEN 'OPEN' ELSE 'ANSWERED' END, now() + interval '3 days', $4,
              CASE WHEN n < $5 THEN NULL ELSE '已答复' END, CASE WHEN n < $5 THEN NULL ELSE $4::uuid END, CASE WHEN n < $5 THEN NULL ELSE now() END
         FROM generate_series(1, $5 + 9) n`,
      [row.tenant_id, row.id, row.parent_id, row.admin, CAP],
    );
    const RAISE = `mutation($input: RaiseServiceRequestInput!) { raiseServiceRequest(input: $input) { id } }`;
    const answers = await burst((i) =>
      gql(RAISE, { input: { fromOrgId: id, title: `同时请求${i}`, description: '缺少活动场所' } }, t.admin),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(new Set(failed.map((r) => r.errors![0].extensions!.reason))).toEqual(new Set(['TOO_MANY_OPEN_REQUESTS']));
    expect(failed[0].errors![0].message).toBe(`服务请求限额的党支部已有${CAP}个待办理的服务请求，达到上限${CAP}个；请待上级答复后再提出`);
    const open = async () =>
      (await su.query(`SELECT count(*)::int AS n FROM service_requests WHERE from_org_id = $1 AND state = 'OPEN'`, [row.id])).rows[0].n;
    expect(await open()).toBe(CAP);
    // an answer frees a place
    const answered = await gql(
      `mutation($input: AnswerServiceRequestInput!) { answerServiceRequest(input: $input) { state } }`,
      { input: { id: ok[0].data.raiseServiceRequest.id, answer: '已安排' } },
      t.admin,
    );
    expect(answered.errors).toBeUndefined();
    expect(
      (await gql(RAISE, { input: { fromOrgId: id, title: '再次请求', description: '缺少活动场所' } }, t.admin)).errors,
    ).toBeUndefined();
    expect(await open()).toBe(CAP);
  });

  it('keeps an org’s pledges of the year to the cap: at the boundary, of 50 pledged at once exactly one passes', async () => {
    const CAP = server.config.commitmentsPerOrgPerYear;
    const { su, id, row } = await branchForCap('承诺限额的党支部');
    // one short of the cap this year, and last year's besides (they do not count)
    await su.query(
      `INSERT INTO commitments (tenant_id, org_id, text, due_on, created_by, created_at)
       SELECT $1, $2, '承诺' || n, current_date + 30, $3,
              CASE WHEN n < $4 THEN now() ELSE date_trunc('year', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' - interval '1 day' END
         FROM generate_series(1, $4 + 9) n`,
      [row.tenant_id, row.id, row.admin, CAP],
    );
    const answers = await burst((i) =>
      gql(
        `mutation($input: PledgeCommitmentInput!) { pledgeCommitment(input: $input) { id } }`,
        { input: { orgId: id, text: `同时承诺${i}`, dueOn: day(30) } },
        t.admin,
      ),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(new Set(failed.map((r) => r.errors![0].extensions!.reason))).toEqual(new Set(['TOO_MANY_COMMITMENTS']));
    expect(failed[0].errors![0].message).toBe(`承诺限额的党支部${TODAY.slice(0, 4)}年已作出${CAP}项承诺，达到上限${CAP}项`);
    expect((await su.query(`SELECT count(*)::int AS n FROM commitments WHERE org_id = $1`, [row.id])).rows[0].n).toBe(CAP + 10);
  });

  it('keeps a member’s own pledges of the year to the cap: of 50 pledged at once exactly one passes, the org still pledges', async () => {
    const CAP = server.config.commitmentsPerMemberPerYear;
    const member = await server.token('jtj', 'member');
    const su = await server.superuser();
    const [row] = (
      await su.query<{ tenant_id: string; org_id: string; member_id: string }>(
        `SELECT u.tenant_id, u.org_id, u.id AS member_id FROM users u JOIN tenants t ON t.id = u.tenant_id
          WHERE t.slug = 'jtj' AND u.username = 'member'`,
      )
    ).rows;
    // one short of the member's cap this year (with the member's own pledges already made there), and last year's
    const made = (
      await su.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM commitments WHERE tenant_id = $1 AND member_user_id = $2 AND org_id = $3
            AND created_at >= date_trunc('year', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'`,
        [row.tenant_id, row.member_id, row.org_id],
      )
    ).rows[0].n;
    await su.query(
      `INSERT INTO commitments (tenant_id, org_id, member_user_id, text, due_on, created_by, created_at)
       SELECT $1, $2, $3, '个人承诺' || n, current_date + 30, $3,
              CASE WHEN n < $4 THEN now() ELSE date_trunc('year', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' - interval '1 day' END
         FROM generate_series(1, $4 + 4) n`,
      [row.tenant_id, row.org_id, row.member_id, CAP - made],
    );
    const pledge = (input: Record<string, unknown>, token: string) =>
      gql(`mutation($input: PledgeCommitmentInput!) { pledgeCommitment(input: $input) { id } }`, { input }, token);
    const answers = await burst((i) => pledge({ orgId: ids['第一车队党支部'], text: `党员同时承诺${i}`, dueOn: day(30) }, member));
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(new Set(failed.map((r) => r.errors![0].extensions!.reason))).toEqual(new Set(['TOO_MANY_MEMBER_COMMITMENTS']));
    expect(failed[0].errors![0].message).toBe(`该党员${TODAY.slice(0, 4)}年已作出${CAP}项个人承诺，达到上限${CAP}项`);
    // an officer pledging for the member is held to the same cap; for the org itself, not
    expect(
      reasons(
        await pledge(
          { orgId: ids['第一车队党支部'], text: '代党员承诺', dueOn: day(30), memberUserId: globalId('User', row.member_id) },
          t.admin,
        ),
      ),
    ).toEqual(['CONFLICT/TOO_MANY_MEMBER_COMMITMENTS']);
    expect((await pledge({ orgId: ids['第一车队党支部'], text: '支部承诺', dueOn: day(30) }, t.admin)).errors).toBeUndefined();
  });

  it('keeps a team’s drafts to the cap: at the boundary, of 50 recorded at once exactly one passes, and an amendment waits for a place', async () => {
    const CAP = server.config.inspectionDraftsPerTeam;
    const users = (await gql(`{ users(first: 50) { nodes { id username } } }`, {}, t.admin)).data.users.nodes;
    const team = (
      await gql(
        `mutation($input: CreateSupervisionTeamInput!) { createSupervisionTeam(input: $input) { id } }`,
        {
          input: {
            name: '草稿限额督导组',
            leaderId: users.find((u: { username: string }) => u.username === 'inspector').id,
            scopeOrgIds: [ids['市公交集团党委']],
          },
        },
        t.leader,
      )
    ).data.createSupervisionTeam.id;
    const RECORD = `mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { id } }`;
    const record = (key: string) =>
      gql(
        RECORD,
        {
          input: {
            idempotencyKey: key,
            teamId: team,
            orgId: ids['第三车队党支部'],
            inspectedOn: day(-2),
            methods: ['BRIEFING'],
            summary: key,
          },
        },
        t.inspector,
      );
    const first = await record('drafts-cap-finalized');
    expect(first.errors).toBeUndefined();
    const finalized = first.data.recordInspection.id;
    expect((await gql(FINALIZE, { id: finalized }, t.inspector)).errors).toBeUndefined();
    // one short of the cap in drafts, beside the finalized record (it does not count)
    const su = await server.superuser();
    await su.query(
      `INSERT INTO inspections (tenant_id, team_id, org_id, inspected_on, methods, summary, idempotency_key, request_hash, created_by)
       SELECT tenant_id, team_id, org_id, inspected_on, methods, '草稿' || n, 'drafts-cap-' || n, request_hash, created_by
         FROM inspections, generate_series(1, $2 - 1) n WHERE id = $1`,
      [raw(finalized), CAP],
    );
    const drafts = async () =>
      (await su.query(`SELECT count(*)::int AS n FROM inspections WHERE team_id = $1 AND state = 'DRAFT'`, [raw(team)])).rows[0].n;
    expect(await drafts()).toBe(CAP - 1);
    const answers = await burst((i) => record(`drafts-cap-burst-${i}`));
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(new Set(failed.map((r) => r.errors![0].extensions!.reason))).toEqual(new Set(['TOO_MANY_DRAFTS']));
    expect(failed[0].errors![0].message).toBe(`草稿限额督导组已有${CAP}份督查记录草稿（含更正草稿），达到上限${CAP}份；请先定稿或删除草稿`);
    expect(await drafts()).toBe(CAP);
    // the winner's retry is still answered with its record
    expect((await record(`drafts-cap-burst-${answers.indexOf(ok[0])}`)).data?.recordInspection.id).toBe(ok[0].data.recordInspection.id);
    // an amendment is a draft too: refused at the cap, made once a draft is discarded
    const AMEND = `mutation($input: AmendInspectionInput!) { amendInspection(input: $input) { id } }`;
    const amend = () => gql(AMEND, { input: { inspectionId: finalized, idempotencyKey: 'drafts-cap-amend', reason: '更正' } }, t.inspector);
    expect(reasons(await amend())).toEqual(['CONFLICT/TOO_MANY_DRAFTS']);
    expect(
      (await gql(`mutation($id: ID!) { discardInspection(input: { id: $id }) }`, { id: ok[0].data.recordInspection.id }, t.inspector))
        .errors,
    ).toBeUndefined();
    expect((await amend()).errors).toBeUndefined();
    expect(await drafts()).toBe(CAP);
  });

  it('keeps a scope org’s campaigns to the cap: at the boundary, of 50 created at once exactly one passes', async () => {
    const CAP = MAX_CAMPAIGNS_PER_SCOPE_ORG;
    const { su, id, row } = await branchForCap('活动限额的党支部');
    const version = (await gql(`mutation { importFramework(input: { template: "wqwh" }) { id } }`, {}, t.admin)).data.importFramework.id;
    expect(
      (await gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: version }, t.admin)).errors,
    ).toBeUndefined();
    // one short of the cap on the branch
    await su.query(
      `INSERT INTO campaigns (tenant_id, name, version_id, scope_org_id, eligible_kinds, starts_on, ends_on)
       SELECT $1, '活动' || n, $3, $2, ARRAY['BRANCH'], current_date, current_date + 30 FROM generate_series(1, $4 - 1) n`,
      [row.tenant_id, row.id, raw(version), CAP],
    );
    const answers = await burst((i) =>
      gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        { input: { name: `同时发起${i}`, versionId: version, scopeOrgId: id, ...SOURCE_CAMPAIGN, endsOn: '2030-12-31' } },
        t.admin,
      ),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(new Set(failed.map((r) => r.errors![0].extensions!.reason))).toEqual(new Set(['TOO_MANY_CAMPAIGNS']));
    expect(failed[0].errors![0].message).toBe(`活动限额的党支部已有${CAP}个创建活动，达到上限${CAP}个`);
    expect((await su.query(`SELECT count(*)::int AS n FROM campaigns WHERE scope_org_id = $1`, [row.id])).rows[0].n).toBe(CAP);
  });

  it('gives a brand name once per org: concurrent creates answer BRAND_NAME_TAKEN, never a bare DUPLICATE', async () => {
    const answers = await burst(() =>
      gql(
        `mutation($input: CreateServiceBrandInput!) { createServiceBrand(input: $input) { id } }`,
        { input: { orgId: ids['第三车队党支部'], name: '温馨车厢' } },
        t.admin,
      ),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(new Set(failed.map((r) => r.errors![0].extensions!.reason))).toEqual(new Set(['BRAND_NAME_TAKEN']));
    expect(new Set(failed.map((r) => r.errors![0].extensions!.field))).toEqual(new Set(['input.name']));
    const su = await server.superuser();
    expect((await su.query(`SELECT count(*)::int AS n FROM service_brands WHERE name = '温馨车厢'`)).rows[0].n).toBe(1);
  });

  it('answers NOT_FOUND to a change racing the removal of its record: 25 updates and 25 deletes at once, never a 500', async () => {
    const org = ids['第一车队党支部'];
    const made = async (mutation: string, type: string, input: Record<string, unknown>, token = t.admin) => {
      const res = await gql(`mutation($input: ${type}!) { ${mutation}(input: $input) { id } }`, { input }, token);
      expect([mutation, res.errors]).toEqual([mutation, undefined]);
      return res.data[mutation].id as string;
    };
    const standards = [{ title: '准点', content: '准点发车', aspect: 'CONTENT_DEFINED' }];
    const cases: { name: string; create: () => Promise<string>; update: string; remove: string; gone: string; table: string }[] = [
      {
        name: 'ledger',
        create: () =>
          made('createLedgerEntry', 'CreateLedgerEntryInput', {
            orgId: org,
            occurredOn: day(-1),
            category: 'MEETING',
            title: '并发台帐',
            content: '内容',
            participants: 3,
          }),
        update: `mutation($id: ID!) { updateLedgerEntry(input: { id: $id, title: "改过的台帐" }) { id } }`,
        remove: `mutation($id: ID!) { deleteLedgerEntry(input: { id: $id }) }`,
        gone: 'LEDGER_ENTRY_NOT_FOUND',
        table: 'ledger_entries',
      },
      {
        name: 'brand',
        create: () => made('createServiceBrand', 'CreateServiceBrandInput', { orgId: org, name: `并发品牌${Math.random()}`, standards }),
        update: `mutation($id: ID!) { updateServiceBrand(input: { id: $id, slogan: "改过的", standards: [{ title: "文明", content: "文明服务", aspect: WORK_REGULATED }] }) { id } }`,
        remove: `mutation($id: ID!) { deleteServiceBrand(input: { id: $id }) }`,
        gone: 'SERVICE_BRAND_NOT_FOUND',
        table: 'service_brands',
      },
      {
        name: 'briefing update',
        create: () => made('createBriefing', 'CreateBriefingInput', { orgId: org, title: '并发简报', body: '正文' }, t.secretary),
        update: `mutation($id: ID!) { updateBriefing(input: { id: $id, title: "改过的简报" }) { id } }`,
        remove: `mutation($id: ID!) { deleteBriefing(input: { id: $id }) }`,
        gone: 'BRIEFING_NOT_FOUND',
        table: 'briefings',
      },
      {
        name: 'briefing publish',
        create: () => made('createBriefing', 'CreateBriefingInput', { orgId: org, title: '并发简报', body: '正文' }, t.secretary),
        update: `mutation($id: ID!) { publishBriefing(input: { id: $id }) { id } }`,
        remove: `mutation($id: ID!) { deleteBriefing(input: { id: $id }) }`,
        gone: 'BRIEFING_NOT_FOUND',
        table: 'briefings',
      },
    ];
    const su = await server.superuser();
    for (const c of cases) {
      for (let round = 0; round < 3; round++) {
        const id = await c.create();
        // the briefing's writers are the org's own officers: the secretary of 第一车队党支部
        const token = c.name.startsWith('briefing') ? t.secretary : t.admin;
        const answers = await burst((i) => gql(i % 2 ? c.remove : c.update, { id }, token));
        const { failed } = tally(answers, ['NOT_FOUND', 'CONFLICT']);
        const published = c.name === 'briefing publish' && answers.some((r, i) => i % 2 === 0 && !r.errors);
        // a publish that won makes every request after it BRIEFING_PUBLISHED; else a lost race is the record's NOT_FOUND
        const reasons = new Set(failed.map((r) => r.errors![0].extensions!.reason));
        expect([c.name, [...reasons].filter((r) => r !== c.gone && !(published && r === 'BRIEFING_PUBLISHED'))]).toEqual([c.name, []]);
        const left = (await su.query(`SELECT count(*)::int AS n FROM ${c.table} WHERE id = $1`, [raw(id)])).rows[0].n;
        expect([c.name, left]).toEqual([c.name, published ? 1 : 0]);
      }
    }
  });

  it('moves an innovation project one step once: the others are told the stage it stands at now', async () => {
    const id = (
      await gql(
        `mutation($input: RegisterInnovationProjectInput!) { registerInnovationProject(input: $input) { id } }`,
        { input: { orgId: ids['第三车队党支部'], year: YEAR, theme: '爱心预约出行' } },
        t.admin,
      )
    ).data.registerInnovationProject.id;
    const answers = await burst(() =>
      gql(
        `mutation($input: MoveInnovationProjectInput!) { moveInnovationProject(input: $input) { stage } }`,
        { input: { id, to: 'IMPLEMENTING' } },
        t.admin,
      ),
    );
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    for (const r of failed) {
      expect(r.errors![0].extensions).toMatchObject({ reason: 'ILLEGAL_STAGE_MOVE', from: 'IMPLEMENTING', to: 'IMPLEMENTING' });
    }
    const su = await server.superuser();
    expect((await su.query(`SELECT count(*)::int AS n FROM innovation_stage_changes WHERE project_id = $1`, [raw(id)])).rows[0].n).toBe(2);
  });

  it('takes one public review per device and day', async () => {
    const link = await gql(
      `mutation($input: CreateLinkCodeInput!) { createLinkCode(input: $input) { code } }`,
      { input: { orgId: ids['第一车队党支部'], label: '窗口' } },
      t.secretary,
    );
    expect(link.errors).toBeUndefined();
    const code = link.data.createLinkCode.code;
    const answers = await burst((i) =>
      gql(`mutation($input: SubmitPublicReviewInput!) { submitPublicReview(input: $input) { rating } }`, {
        input: { code, rating: 1 + (i % 5), deviceId: 'one-device-all-day' },
      }),
    );
    const { ok, failed } = tally(answers, ['CONFLICT', 'RATE_LIMITED']);
    expect(ok).toHaveLength(1);
    expect(
      failed.every((r) => ['ALREADY_REVIEWED', 'CLIENT_RATE_LIMITED', 'CODE_RATE_LIMITED'].includes(r.errors![0].extensions!.reason!)),
    ).toBe(true);
    const su = await server.superuser();
    expect(
      (
        await su.query(
          `SELECT count(*)::int AS n FROM public_reviews r JOIN link_codes l ON l.tenant_id = r.tenant_id AND l.id = r.link_code_id WHERE l.code = $1`,
          [code],
        )
      ).rows[0].n,
    ).toBe(1);
  });

  it('rotates a refresh token once: of concurrent refreshes with one token exactly one succeeds, and the family is revoked', async () => {
    const login = await gql(`mutation($input: LoginInput!) { login(input: $input) { refreshToken } }`, {
      input: { tenant: 'jtj', username: 'deputy', password: 'demo' },
    });
    const token = login.data.login.refreshToken;
    const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken } }`;
    const answers = await burst(() => gql(REFRESH, { t: token }));
    const { ok, failed } = tally(answers, ['UNAUTHENTICATED']);
    expect(ok).toHaveLength(1);
    expect(failed.every((r) => r.errors![0].extensions?.reason === 'INVALID_REFRESH_TOKEN')).toBe(true);
    // the reuse revoked the family, the winner's new token included: no second session lives on
    const su = await server.superuser();
    const family = token.split('.')[1]; // <tenant id>.<token id>.<secret>
    const live = await su.query(
      `SELECT count(*)::int AS n FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE id = $1) AND used_at IS NULL AND revoked_at IS NULL`,
      [family],
    );
    expect(live.rows[0].n).toBe(0);
    const next = await gql(REFRESH, { t: ok[0].data.refreshToken.refreshToken });
    expect(next.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('keeps every field of partial updates made at once: each request changes its own field, and all of them stay', async () => {
    const ok = (r: GqlResponse, name: string) => {
      expect([name, r.errors]).toEqual([name, undefined]);
      return r.data;
    };
    /** A record made by the admin through `mutation`'s one `input` argument: its id. */
    const created = async (mutation: string, type: string, input: Record<string, unknown>) =>
      ok(await gql(`mutation($input: ${type}!) { ${mutation}(input: $input) { id } }`, { input }, t.admin), mutation)[mutation]
        .id as string;
    const org = ids['第一车队党支部'];
    const team = await created('createServiceTeam', 'CreateServiceTeamInput', {
      orgId: org,
      name: '并发服务队',
      serviceKinds: ['ELDERLY_CARE'],
    });
    const member = await created('addServiceTeamMember', 'AddServiceTeamMemberInput', {
      teamId: team,
      name: '并发队员',
      joinedOn: day(-30),
    });
    const record = await created('recordService', 'RecordServiceInput', {
      teamId: team,
      servedOn: day(-3),
      place: '社区',
      beneficiary: '独居老人',
      kind: 'ELDERLY_CARE',
      hours: 2,
      participantIds: [member],
    });
    const pairing = await created('createPeerPairing', 'CreatePeerPairingInput', {
      orgId: org,
      partnerOrgId: ids['第二车队党支部'],
      startsOn: day(-10),
      endsOn: day(300),
      goals: ['联合开展主题党日'],
    });
    const versions = ok(await gql(`{ frameworks { nodes { versions(first: 50) { nodes { id } } } } }`, {}, t.admin), 'frameworks')
      .frameworks.nodes;
    // a copy of any version is a draft (the tests before may have retired the published one)
    const source = versions.flatMap((f: { versions: { nodes: { id: string }[] } }) => f.versions.nodes)[0].id;
    const draft = ok(
      await gql(`mutation($v: ID!) { createDraftFrom(input: { versionId: $v }) { id } }`, { v: source }, t.admin),
      'createDraftFrom',
    ).createDraftFrom.id;
    const criterion = (await criteriaOf(server, t.admin, draft)).find((c) => c.isLeaf)!.id;
    const ledger = await created('createLedgerEntry', 'CreateLedgerEntryInput', {
      orgId: org,
      occurredOn: day(-5),
      category: 'MEETING',
      title: '并发台帐',
    });
    const project = await created('registerInnovationProject', 'RegisterInnovationProjectInput', {
      orgId: org,
      year: Number(day(0).slice(0, 4)),
      theme: '并发创新项目',
    });
    const brand = await created('createServiceBrand', 'CreateServiceBrandInput', { orgId: org, name: '并发服务品牌' });
    const kind = await created('createExemplarKind', 'CreateExemplarKindInput', {
      name: '并发典型类别',
      subject: 'POST',
      limitMin: 1,
      limitMax: 10,
      limitDefault: 3,
    });

    // each entry: the update mutation, the read of the same fields, and per round the fields each request sets
    const cases: { name: string; update: string; read: string; fields: (r: number) => Record<string, unknown>[] }[] = [
      {
        name: 'updateServiceTeam',
        update: `mutation($input: UpdateServiceTeamInput!) { updateServiceTeam(input: $input) { id } }`,
        read: `query($id: ID!) { node(id: $id) { ... on ServiceTeam { name description serviceKinds } } }`,
        fields: (r) => [
          { name: `并发服务队${r}` },
          { description: `第${r}轮的简介` },
          { serviceKinds: r % 2 ? ['STUDENT_AID'] : ['MILITARY_SUPPORT'] },
        ],
      },
      {
        name: 'updateServiceRecord',
        update: `mutation($input: UpdateServiceRecordInput!) { updateServiceRecord(input: $input) { id } }`,
        read: `query($id: ID!) { node(id: $id) { ... on ServiceRecord { place beneficiary description hours } } }`,
        fields: (r) => [{ place: `第${r}社区` }, { beneficiary: `第${r}户` }, { description: `第${r}轮的记录` }, { hours: r + 1 }],
      },
      {
        name: 'updatePeerPairing',
        update: `mutation($input: UpdatePeerPairingInput!) { updatePeerPairing(input: $input) { id } }`,
        read: `query($id: ID!) { node(id: $id) { ... on PeerPairing { startsOn endsOn goals } } }`,
        fields: (r) => [{ startsOn: day(-10 - r) }, { endsOn: day(300 + r) }, { goals: [`第${r}轮的目标`] }],
      },
      {
        name: 'updateCriterion',
        update: `mutation($input: UpdateCriterionInput!) { updateCriterion(input: $input) { id } }`,
        read: `query($id: ID!) { node(id: $id) { ... on Criterion { title guidance evidenceRequired } } }`,
        fields: (r) => [{ title: `第${r}轮的指标` }, { guidance: `第${r}轮的说明` }, { evidenceRequired: r % 2 === 1 }],
      },
      {
        name: 'updateTenantSettings',
        update: `mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { serviceRequestHours } }`,
        read: `{ tenantSettings { serviceRequestHours opinionHours documentIssuer } }`,
        fields: (r) => [{ serviceRequestHours: 24 + r }, { opinionHours: 48 + r }, { documentIssuer: `第${r}轮的发文机关` }],
      },
      {
        name: 'updateLedgerEntry',
        update: `mutation($input: UpdateLedgerEntryInput!) { updateLedgerEntry(input: $input) { id } }`,
        read: `query($id: ID!) { node(id: $id) { ... on LedgerEntry { occurredOn category title content participants attachmentRefs } } }`,
        fields: (r) => [
          { occurredOn: day(-5 - r) },
          { category: r % 2 ? 'STUDY' : 'SERVICE' },
          { title: `第${r}轮的台帐` },
          { content: `第${r}轮的内容` },
          { participants: 10 + r },
          { attachmentRefs: [`第${r}轮的附件`] },
        ],
      },
      {
        name: 'updateInnovationProject',
        update: `mutation($input: UpdateInnovationProjectInput!) { updateInnovationProject(input: $input) { id } }`,
        read: `query($id: ID!) { node(id: $id) { ... on InnovationProject { theme plan } } }`,
        fields: (r) => [{ theme: `第${r}轮的主题` }, { plan: `第${r}轮的方案` }],
      },
      {
        name: 'updateServiceBrand',
        update: `mutation($input: UpdateServiceBrandInput!) { updateServiceBrand(input: $input) { id } }`,
        read: `query($id: ID!) { node(id: $id) { ... on ServiceBrand { name slogan description } } }`,
        fields: (r) => [{ name: `并发服务品牌${r}` }, { slogan: `第${r}轮的口号` }, { description: `第${r}轮的介绍` }],
      },
      {
        name: 'updateExemplarKind',
        update: `mutation($input: UpdateExemplarKindInput!) { updateExemplarKind(input: $input) { id } }`,
        read: `query($id: ID!) { node: exemplarKind(id: $id) { name limitDefault needsPublicNotice description position } }`,
        fields: (r) => [
          { name: `并发典型类别${r}` },
          { limitDefault: 1 + (r % 5) },
          { needsPublicNotice: r % 2 === 0 },
          { description: `第${r}轮的说明` },
          { position: 100 + r },
        ],
      },
    ];
    const idOf: Record<string, string | null> = {
      updateServiceTeam: team,
      updateServiceRecord: record,
      updatePeerPairing: pairing,
      updateCriterion: criterion,
      updateTenantSettings: null,
      updateLedgerEntry: ledger,
      updateInnovationProject: project,
      updateServiceBrand: brand,
      updateExemplarKind: kind,
    };
    // every change that did not stay, by mutation and round (a lost update)
    const lost: unknown[] = [];
    for (let round = 1; round <= 6; round++) {
      await Promise.all(
        cases.map(async (c) => {
          const id = idOf[c.name];
          const answers = await Promise.all(c.fields(round).map((f) => gql(c.update, { input: id ? { id, ...f } : f }, t.admin)));
          answers.forEach((a) => ok(a, c.name));
          const read = ok(await gql(c.read, id ? { id } : {}, t.admin), c.name);
          const stored = id ? read.node : read.tenantSettings;
          const wanted = Object.assign({}, ...c.fields(round));
          if (JSON.stringify(stored) !== JSON.stringify(wanted)) lost.push({ mutation: c.name, round, stored, wanted });
        }),
      );
    }
    expect(lost).toEqual([]);
  });

  it('keeps the org tree a tree: opposite and crossed moves, creates and archives at once leave every path under its parent', async () => {
    const CREATE = `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`;
    const MOVE = `mutation($id: ID!, $p: ID!) { moveOrg(input: { id: $id, newParentId: $p }) { id } }`;
    const create = async (name: string, parentId: string, kind = 'COMMITTEE') => {
      const res = await gql(CREATE, { input: { parentId, name, kind, category: 'ORGAN' } }, t.admin);
      expect(res.errors).toBeUndefined();
      return res.data.createOrg.id as string;
    };
    const root = ids['中共市交通运输局党委'];
    // two rounds of 5 pairs: 40 tree changes at once, most of them waiting on one another's locks (more, on a
    // loaded machine, queue past the pool's connection timeout: SERVICE_UNAVAILABLE, which is not what is tried here)
    const made: { a: string; b: string; c: string; d: string }[] = [];
    const answers: GqlResponse[] = [];
    for (let round = 0; round < 2; round++) {
      // per pair: A and B side by side, C under B and D under A; at once A under B, B under A, A under C,
      // B under D (each pair of them a cycle), children created under A, C and D, and B archived
      const pairs = await Promise.all(
        Array.from({ length: 5 }, async (_, i) => {
          const k = `${round}-${i}`;
          const [a, b] = await Promise.all([create(`树A${k}`, root), create(`树B${k}`, root)]);
          const [c, d] = await Promise.all([create(`树C${k}`, b), create(`树D${k}`, a)]);
          return { a, b, c, d, k };
        }),
      );
      made.push(...pairs);
      answers.push(
        ...(await Promise.all(
          pairs.flatMap(({ a, b, c, d, k }) => [
            gql(MOVE, { id: a, p: b }, t.admin),
            gql(MOVE, { id: b, p: a }, t.admin),
            gql(MOVE, { id: a, p: c }, t.admin),
            gql(MOVE, { id: b, p: d }, t.admin),
            gql(CREATE, { input: { parentId: a, name: `新A${k}`, kind: 'BRANCH', category: 'ORGAN' } }, t.admin),
            gql(CREATE, { input: { parentId: c, name: `新C${k}`, kind: 'BRANCH', category: 'ORGAN' } }, t.admin),
            gql(CREATE, { input: { parentId: d, name: `新D${k}`, kind: 'BRANCH', category: 'ORGAN' } }, t.admin),
            gql(`mutation($id: ID!) { archiveOrg(input: { id: $id }) { id } }`, { id: b }, t.admin),
          ]),
        )),
      );
    }
    for (const r of answers) {
      if (!r.errors) continue;
      expect(r.errors).toHaveLength(1);
      expect(['BAD_USER_INPUT', 'CONFLICT']).toContain(r.errors[0].extensions?.code);
      expect(r.status).toBeLessThan(500);
    }
    // a lost race is told as such: the cycle refused, a deadlock's loser or a tree that kept changing under it
    const reasons = new Set(answers.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.reason)));
    for (const reason of reasons)
      expect(['ORG_MOVE_CYCLE', 'SERIALIZATION', 'ORG_TREE_CHANGED', 'ORG_ARCHIVED', 'ORG_HAS_ACTIVE_CHILDREN']).toContain(reason);
    const su = await server.superuser();
    const tenant = (await su.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = 'jtj'`)).rows[0].id;
    // every path is its parent's and its own label; no org is its own ancestor
    const misplaced = await su.query(
      `SELECT o.name FROM orgs o LEFT JOIN orgs p ON p.tenant_id = o.tenant_id AND p.id = o.parent_id
        WHERE o.tenant_id = $1 AND o.path IS DISTINCT FROM
              CASE WHEN o.parent_id IS NULL THEN text2ltree(replace(o.id::text, '-', '')) ELSE p.path || text2ltree(replace(o.id::text, '-', '')) END`,
      [tenant],
    );
    expect(misplaced.rows).toEqual([]);
    const cycles = await su.query(
      `WITH RECURSIVE up(id, parent_id, steps) AS (
         SELECT id, parent_id, 0 FROM orgs WHERE tenant_id = $1
         UNION ALL SELECT up.id, p.parent_id, up.steps + 1 FROM up JOIN orgs p ON p.tenant_id = $1 AND p.id = up.parent_id WHERE up.steps < 50)
       SELECT DISTINCT id FROM up WHERE parent_id = id OR steps >= 50`,
      [tenant],
    );
    expect(cycles.rows).toEqual([]);
    // of A under B and B under A, never both
    for (const { a, b } of made) {
      const parents = await su.query<{ id: string; parent_id: string }>(
        `SELECT id, parent_id FROM orgs WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
        [tenant, [raw(a), raw(b)]],
      );
      const of = (id: string) => parents.rows.find((r) => r.id === raw(id))!.parent_id;
      expect(of(a) === raw(b) && of(b) === raw(a)).toBe(false);
    }
  }, 60_000);

  it('ends every session at sign-out everywhere, even refreshes racing it: no refresh token of before or during it still works', async () => {
    const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }`;
    const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken } }`;
    const signIn = async () =>
      (await gql(LOGIN, { i: { tenant: 'jtj', username: 'deputy', password: 'demo' } })).data.login as {
        accessToken: string;
        refreshToken: string;
      };
    const sessions: { accessToken: string; refreshToken: string }[] = [];
    for (let i = 0; i < CONCURRENCY; i++) sessions.push(await signIn());
    const middle = CONCURRENCY / 2;
    const answers = await burst((i) =>
      i === middle ? gql(`mutation { signOutEverywhere }`, {}, sessions[i].accessToken) : gql(REFRESH, { t: sessions[i].refreshToken }),
    );
    const { ok } = tally(answers, ['UNAUTHENTICATED']);
    expect(answers[middle].data).toEqual({ signOutEverywhere: true });
    // the tokens issued during the race first: presenting a used one would revoke their family and hide a survivor
    const issued = ok.flatMap((r) => (r.data.refreshToken ? [r.data.refreshToken as { accessToken: string; refreshToken: string }] : []));
    for (const s of [...issued, ...sessions]) {
      const again = await gql(REFRESH, { t: s.refreshToken });
      expect(again.errors?.map((e) => e.extensions?.reason)).toEqual(['INVALID_REFRESH_TOKEN']);
      expect(again.status).toBeLessThan(500);
      expect((await gql(`{ viewer { username } }`, {}, s.accessToken)).errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
  }, 60_000);
});

describe('concurrency: sign-ins of one user past SESSIONS_PER_USER', () => {
  const BOUND = 5;
  let server: TestServer;

  beforeAll(async () => {
    // the account's sign-in throttle counts each attempt before its password is checked: raised, so every sign-in of the burst runs
    server = await startTestServer({
      env: { SESSIONS_PER_USER: String(BOUND), LOGIN_LIMIT_PER_ACCOUNT: '100000', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0' },
    });
  });
  afterAll(() => server.close());

  it(`keeps at most ${BOUND} live sessions when ${CONCURRENCY} sign-ins of one user race, and every sign-in succeeds`, async () => {
    const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { step refreshToken } }`;
    const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { refreshToken } }`;
    const answers = await burst(() => server.gql(LOGIN, { i: { tenant: 'jtj', username: 'member', password: 'demo' } }));
    const { ok } = tally(answers, []);
    expect(ok.every((r) => r.data.login.step === 'DONE')).toBe(true);
    const su = await server.superuser();
    const live = await su.query(
      `SELECT count(*)::int AS n FROM refresh_tokens rt JOIN users u ON u.tenant_id = rt.tenant_id AND u.id = rt.user_id
        WHERE u.username = 'member' AND rt.used_at IS NULL AND rt.revoked_at IS NULL AND rt.expires_at > now()`,
    );
    expect(live.rows[0].n).toBe(BOUND);
    // of the tokens answered, exactly the bound's still refresh; the others are refused with a code
    const refreshed: GqlResponse[] = [];
    for (const r of ok) refreshed.push(await server.gql(REFRESH, { t: r.data.login.refreshToken }));
    expect(refreshed.filter((r) => !r.errors)).toHaveLength(BOUND);
    for (const r of refreshed.filter((x) => x.errors)) expect(reasons(r)).toEqual(['UNAUTHENTICATED/INVALID_REFRESH_TOKEN']);
  }, 60_000);
});

/**
 * What one org may make, held to its cap under races: each cap at its boundary (rows seeded by SQL up to one short of it,
 * and rows that do not count besides), 50 creates at once, exactly one passes, the others CONFLICT with the cap's reason.
 */
describe(`concurrency: per-org caps on what an org makes, under ${CONCURRENCY} concurrent creates`, () => {
  let server: TestServer;
  let ids: Record<string, string>;
  let admin: string;
  const gql = (q: string, v: Record<string, unknown>, token?: string) => server.gql(q, v, token);
  const LAST_YEAR = `date_trunc('year', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' - interval '1 day'`;

  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' } });
    ids = await orgIds(server, 'jtj');
    admin = await server.token('jtj', 'admin');
  }, 60_000);
  afterAll(() => server.close());

  let logged: unknown[][];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    logged = [];
    spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
  });
  afterEach(() => {
    spy.mockRestore();
    expect(logged).toEqual([]);
  });

  /** A branch of its own for a cap, and what a row written beside the API needs: the tenant, the org and a creator. */
  const branchForCap = async (name: string) => {
    const made = await gql(
      `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id } }`,
      { input: { parentId: ids['市公交集团党委'], name, kind: 'BRANCH', category: 'ENTERPRISE' } },
      admin,
    );
    expect(made.errors).toBeUndefined();
    const su = await server.superuser();
    const [row] = (
      await su.query<{ tenant_id: string; id: string; admin: string }>(
        `SELECT o.tenant_id, o.id, u.id AS admin FROM orgs o JOIN users u ON u.tenant_id = o.tenant_id AND u.username = 'admin' WHERE o.id = $1`,
        [raw(made.data.createOrg.id)],
      )
    ).rows;
    return { su, id: made.data.createOrg.id as string, row };
  };

  /** The 50 answers: exactly one passed, every other one the cap's CONFLICT with `message`. */
  const exactlyOne = (answers: GqlResponse[], reason: string, message: string) => {
    const { ok, failed } = tally(answers, ['CONFLICT']);
    expect(ok).toHaveLength(1);
    expect(new Set(failed.map((r) => r.errors![0].extensions!.reason))).toEqual(new Set([reason]));
    expect(failed[0].errors![0].message).toBe(message);
    return ok[0];
  };

  /** The rows `sql` counts (as `n`), read beside the API. */
  const rows = async (sql: string, params: unknown[]) => (await (await server.superuser()).query<{ n: number }>(sql, params)).rows[0].n;

  /**
   * A cap at its boundary: `seed` puts the org one short of it, `create(i)` is one of the 50 creates sent at once;
   * exactly one passes, every other one answers `reason` with `message`, and `count()` then reads `stored`. The one
   * that passed is returned.
   */
  const capAtTheBoundary = async (cap: {
    seed: () => Promise<unknown>;
    create: (i: number) => Promise<GqlResponse>;
    reason: string;
    message: string;
    count: () => Promise<number>;
    stored: number;
  }) => {
    await cap.seed();
    const won = exactlyOne(await burst(cap.create), cap.reason, cap.message);
    expect(await cap.count()).toBe(cap.stored);
    return won;
  };

  it('keeps an org’s link codes of the year to the cap: at the boundary, of 50 created at once exactly one passes', async () => {
    const CAP = server.config.linkCodesPerOrgPerYear;
    const { su, id, row } = await branchForCap('二维码限额的党支部');
    await capAtTheBoundary({
      // one short of the cap this year, disabled ones among them (they count), and last year's besides (they do not)
      seed: () =>
        su.query(
          `INSERT INTO link_codes (tenant_id, code, org_id, label, disabled, created_by, created_at)
           SELECT $1, 'cap' || md5(random()::text || n), $2, '窗口' || n, n % 3 = 0, $3, CASE WHEN n < $4 THEN now() ELSE ${LAST_YEAR} END
             FROM generate_series(1, $4 + 9) n`,
          [row.tenant_id, row.id, row.admin, CAP],
        ),
      create: (i) =>
        gql(
          `mutation($input: CreateLinkCodeInput!) { createLinkCode(input: $input) { id } }`,
          { input: { orgId: id, label: `窗口${i}` } },
          admin,
        ),
      reason: 'TOO_MANY_LINK_CODES',
      message: `二维码限额的党支部${TODAY.slice(0, 4)}年已生成${CAP}个评议二维码，达到上限${CAP}个；请继续使用已有的二维码`,
      count: () => rows(`SELECT count(*)::int AS n FROM link_codes WHERE org_id = $1`, [row.id]),
      stored: CAP + 10,
    });
  });

  it('keeps an org’s service teams to the cap: at the boundary, of 50 formed at once exactly one passes', async () => {
    const CAP = server.config.serviceTeamsPerOrg;
    const { su, id, row } = await branchForCap('队伍限额的党支部');
    await capAtTheBoundary({
      // one short of the cap, disbanded teams among them (they count: they stay with their records)
      seed: () =>
        su.query(
          `INSERT INTO service_teams (tenant_id, org_id, name, disbanded_on, created_by)
           SELECT $1, $2, '队伍' || n, CASE WHEN n % 2 = 0 THEN current_date END, $3 FROM generate_series(1, $4 - 1) n`,
          [row.tenant_id, row.id, row.admin, CAP],
        ),
      create: (i) =>
        gql(
          `mutation($input: CreateServiceTeamInput!) { createServiceTeam(input: $input) { id } }`,
          { input: { orgId: id, name: `同时组建${i}` } },
          admin,
        ),
      reason: 'TOO_MANY_SERVICE_TEAMS',
      message: `队伍限额的党支部已组建${CAP}支服务队伍（含已解散的），达到上限${CAP}支；请在已有队伍中开展服务`,
      count: () => rows(`SELECT count(*)::int AS n FROM service_teams WHERE org_id = $1`, [row.id]),
      stored: CAP,
    });
  });

  it('keeps an org’s service brands to the cap: at the boundary, of 50 created at once exactly one passes, a removal frees a place', async () => {
    const CAP = server.config.serviceBrandsPerOrg;
    const { su, id, row } = await branchForCap('品牌限额的党支部');
    const CREATE = `mutation($input: CreateServiceBrandInput!) { createServiceBrand(input: $input) { id } }`;
    const brands = () => rows(`SELECT count(*)::int AS n FROM service_brands WHERE org_id = $1`, [row.id]);
    const won = await capAtTheBoundary({
      seed: () =>
        su.query(
          `INSERT INTO service_brands (tenant_id, org_id, name, created_by) SELECT $1, $2, '品牌' || n, $3 FROM generate_series(1, $4 - 1) n`,
          [row.tenant_id, row.id, row.admin, CAP],
        ),
      create: (i) => gql(CREATE, { input: { orgId: id, name: `同时创建${i}` } }, admin),
      reason: 'TOO_MANY_SERVICE_BRANDS',
      message: `品牌限额的党支部已有${CAP}个服务品牌，达到上限${CAP}个；请删除不再使用的品牌后再创建`,
      count: brands,
      stored: CAP,
    });
    expect(
      (
        await gql(
          `mutation($input: ServiceBrandRefInput!) { deleteServiceBrand(input: $input) }`,
          { input: { id: won.data.createServiceBrand.id } },
          admin,
        )
      ).errors,
    ).toBeUndefined();
    expect((await gql(CREATE, { input: { orgId: id, name: '再次创建' } }, admin)).errors).toBeUndefined();
    expect(await brands()).toBe(CAP);
  });

  it('keeps an org’s innovation projects of the year to the cap: at the boundary, of 50 registered at once exactly one passes', async () => {
    const CAP = server.config.innovationProjectsPerOrgPerYear;
    const { su, id, row } = await branchForCap('创新项目限额的党支部');
    await capAtTheBoundary({
      // one short of the cap this year, and last year's besides (they do not count)
      seed: () =>
        su.query(
          `INSERT INTO innovation_projects (tenant_id, org_id, year, theme, created_by, created_at)
           SELECT $1, $2, $5, '项目' || n, $3, CASE WHEN n < $4 THEN now() ELSE ${LAST_YEAR} END FROM generate_series(1, $4 + 9) n`,
          [row.tenant_id, row.id, row.admin, CAP, YEAR],
        ),
      create: (i) =>
        gql(
          `mutation($input: RegisterInnovationProjectInput!) { registerInnovationProject(input: $input) { id } }`,
          { input: { orgId: id, year: YEAR, theme: `同时立项${i}` } },
          admin,
        ),
      reason: 'TOO_MANY_INNOVATION_PROJECTS',
      message: `创新项目限额的党支部${TODAY.slice(0, 4)}年已立项${CAP}个创新项目，达到上限${CAP}个；请于下一年度再立项`,
      count: () => rows(`SELECT count(*)::int AS n FROM innovation_projects WHERE org_id = $1`, [row.id]),
      stored: CAP + 10,
    });
  });

  it('keeps an org’s briefing drafts to the cap: at the boundary, of 50 drafted at once exactly one passes, publishing frees a place', async () => {
    const CAP = server.config.briefingDraftsPerOrg;
    // briefings are written by the org's own officers: the secretary's branch, with the drafts the demo gave it
    const secretary = await server.token('jtj', 'secretary');
    const su = await server.superuser();
    const [row] = (
      await su.query<{ tenant_id: string; org_id: string; user_id: string; drafts: number }>(
        `SELECT r.tenant_id, r.org_id, r.user_id,
                (SELECT count(*)::int FROM briefings b WHERE b.tenant_id = r.tenant_id AND b.org_id = r.org_id AND b.state = 'DRAFT') AS drafts
           FROM role_assignments r JOIN users u ON u.tenant_id = r.tenant_id AND u.id = r.user_id JOIN tenants t ON t.id = r.tenant_id
          WHERE t.slug = 'jtj' AND u.username = 'secretary' AND r.role = 'SECRETARY'`,
      )
    ).rows;
    const CREATE = `mutation($input: CreateBriefingInput!) { createBriefing(input: $input) { id } }`;
    const org = globalId('Org', row.org_id);
    const drafts = () => rows(`SELECT count(*)::int AS n FROM briefings WHERE org_id = $1 AND state = 'DRAFT'`, [row.org_id]);
    const won = await capAtTheBoundary({
      // one short of the cap in drafts, and published ones besides (they do not count)
      seed: () =>
        su.query(
          `INSERT INTO briefings (tenant_id, org_id, title, body, briefing_on, state, created_by, published_by, published_at)
           SELECT $1, $2, '简报' || n, '正文', current_date - 1, CASE WHEN n <= $4 THEN 'DRAFT' ELSE 'PUBLISHED' END, $3,
                  CASE WHEN n <= $4 THEN NULL ELSE $3::uuid END, CASE WHEN n <= $4 THEN NULL ELSE now() END
             FROM generate_series(1, $4 + 10) n`,
          [row.tenant_id, row.org_id, row.user_id, CAP - 1 - row.drafts],
        ),
      create: (i) => gql(CREATE, { input: { orgId: org, title: `同时起草${i}`, body: '正文' } }, secretary),
      reason: 'TOO_MANY_BRIEFING_DRAFTS',
      message: `第一车队党支部已有${CAP}份简报草稿，达到上限${CAP}份；请先报送或删除草稿`,
      count: drafts,
      stored: CAP,
    });
    expect(
      (await gql(`mutation($id: ID!) { publishBriefing(input: { id: $id }) { state } }`, { id: won.data.createBriefing.id }, secretary))
        .errors,
    ).toBeUndefined();
    expect((await gql(CREATE, { input: { orgId: org, title: '再次起草', body: '正文' } }, secretary)).errors).toBeUndefined();
    expect(await drafts()).toBe(CAP);
  });

  it('keeps an org’s ledger entries of the year to the cap: at the boundary, of 50 written at once exactly one passes', async () => {
    const CAP = server.config.ledgerEntriesPerOrgPerYear;
    const { su, id, row } = await branchForCap('台帐限额的党支部');
    await capAtTheBoundary({
      // one short of the cap written this year (some recording last year's days: they count), and last year's besides
      seed: () =>
        su.query(
          `INSERT INTO ledger_entries (tenant_id, org_id, occurred_on, category, title, created_by, created_at)
           SELECT $1, $2, current_date - (n % 400), 'MEETING', '会议' || n, $3, CASE WHEN n < $4 THEN now() ELSE ${LAST_YEAR} END
             FROM generate_series(1, $4 + 9) n`,
          [row.tenant_id, row.id, row.admin, CAP],
        ),
      create: (i) =>
        gql(
          `mutation($input: CreateLedgerEntryInput!) { createLedgerEntry(input: $input) { id } }`,
          { input: { orgId: id, occurredOn: day(-1), category: 'MEETING', title: `同时记录${i}` } },
          admin,
        ),
      reason: 'TOO_MANY_LEDGER_ENTRIES',
      message: `台帐限额的党支部${TODAY.slice(0, 4)}年已记录${CAP}条台帐，达到上限${CAP}条；请将同类活动合并记录`,
      count: () => rows(`SELECT count(*)::int AS n FROM ledger_entries WHERE org_id = $1`, [row.id]),
      stored: CAP + 10,
    });
  });

  it('keeps a team’s service records of the year to the cap: at the boundary, of 50 recorded at once exactly one passes', async () => {
    const CAP = server.config.serviceRecordsPerTeamPerYear;
    const { su, id, row } = await branchForCap('服务记录限额的党支部');
    const team = (
      await gql(
        `mutation($input: CreateServiceTeamInput!) { createServiceTeam(input: $input) { id } }`,
        { input: { orgId: id, name: '记录限额服务队' } },
        admin,
      )
    ).data.createServiceTeam.id;
    const member = await gql(
      `mutation($input: AddServiceTeamMemberInput!) { addServiceTeamMember(input: $input) { id } }`,
      { input: { teamId: team, name: '队员甲' } },
      admin,
    );
    expect(member.errors).toBeUndefined();
    await capAtTheBoundary({
      // one short of the cap written this year, and last year's besides (they do not count)
      seed: () =>
        su.query(
          `INSERT INTO service_records (tenant_id, team_id, org_id, served_on, place, beneficiary, kind, hours, participants, created_by, created_at)
           SELECT $1, $2, $3, current_date - 1, '车站', '乘客', 'ELDERLY_CARE', 1, 1, $4, CASE WHEN n < $5 THEN now() ELSE ${LAST_YEAR} END
             FROM generate_series(1, $5 + 9) n`,
          [row.tenant_id, raw(team), row.id, row.admin, CAP],
        ),
      create: (i) =>
        gql(
          `mutation($input: RecordServiceInput!) { recordService(input: $input) { id } }`,
          {
            input: {
              teamId: team,
              servedOn: TODAY,
              place: `站点${i}`,
              beneficiary: '乘客',
              kind: 'ELDERLY_CARE',
              hours: 1,
              participantIds: [member.data.addServiceTeamMember.id],
            },
          },
          admin,
        ),
      reason: 'TOO_MANY_SERVICE_RECORDS',
      message: `“记录限额服务队”${TODAY.slice(0, 4)}年已登记${CAP}条服务记录，达到上限${CAP}条；请将同一次服务合并登记`,
      count: () => rows(`SELECT count(*)::int AS n FROM service_records WHERE team_id = $1`, [raw(team)]),
      stored: CAP + 10,
    });
  });

  it('keeps an org’s nominations of the year to the cap: at the boundary, of 50 nominated at once exactly one passes', async () => {
    const CAP = server.config.nominationsPerOrgPerYear;
    const { su, id, row } = await branchForCap('推荐限额的党支部');
    await capAtTheBoundary({
      // one short of the cap made this year, rejected ones among them (they count), and last year's besides
      seed: () =>
        su.query(
          `INSERT INTO exemplars (tenant_id, kind, org_id, category, year, title, reason, state, created_by, created_at)
           SELECT $1, 'MODEL_POST', $2, 'ENTERPRISE', $5, '示范岗' || n, '群众满意', CASE WHEN n % 2 = 0 THEN 'REJECTED' ELSE 'NOMINATED' END, $3,
                  CASE WHEN n < $4 THEN now() ELSE ${LAST_YEAR} END
             FROM generate_series(1, $4 + 9) n`,
          [row.tenant_id, row.id, row.admin, CAP, YEAR],
        ),
      create: (i) =>
        gql(
          `mutation($input: NominateExemplarInput!) { nominateExemplar(input: $input) { id } }`,
          { input: { year: YEAR, kind: 'MODEL_POST', orgId: id, title: `同时推荐${i}`, reason: '群众满意' } },
          admin,
        ),
      reason: 'TOO_MANY_NOMINATIONS',
      message: `推荐限额的党支部${TODAY.slice(0, 4)}年已推荐${CAP}个典型（含未通过的），达到上限${CAP}个；请于下一年度再推荐`,
      count: () => rows(`SELECT count(*)::int AS n FROM exemplars WHERE org_id = $1`, [row.id]),
      stored: CAP + 10,
    });
  });

  it('keeps an org’s opinions recorded by staff in the year to the cap: at the boundary, of 50 recorded at once exactly one passes', async () => {
    const CAP = server.config.staffOpinionsPerOrgPerYear;
    const { su, id, row } = await branchForCap('民意限额的党支部');
    await capAtTheBoundary({
      // one short of the cap recorded by staff this year; last year's, and the public's through a code, besides (they do not count)
      seed: () =>
        su.query(
          `INSERT INTO opinions (tenant_id, org_id, channel, content, state, responsible_id, accepted_at, due_at, follow_up_hash, recorded_by, created_at)
           SELECT $1, $2, CASE WHEN n < $4 + 10 THEN 'STAFF' ELSE 'PUBLIC_LINK' END, '意见' || n,
                  CASE WHEN n < $4 + 10 THEN 'ACCEPTED' ELSE 'RECEIVED' END, CASE WHEN n < $4 + 10 THEN $3::uuid END,
                  CASE WHEN n < $4 + 10 THEN now() END, now() + interval '3 days', md5(random()::text || n), CASE WHEN n < $4 + 10 THEN $3::uuid END,
                  CASE WHEN n < $4 OR n >= $4 + 10 THEN now() ELSE ${LAST_YEAR} END
             FROM generate_series(1, $4 + 19) n`,
          [row.tenant_id, row.id, row.admin, CAP],
        ),
      create: (i) =>
        gql(
          `mutation($input: RecordOpinionInput!) { recordOpinion(input: $input) { followUpToken } }`,
          { input: { orgId: id, content: `同时登记${i}` } },
          admin,
        ),
      reason: 'TOO_MANY_STAFF_OPINIONS',
      message: `民意限额的党支部${TODAY.slice(0, 4)}年已登记${CAP}条民意，达到上限${CAP}条；请将同一事项合并登记，或请群众扫码反映`,
      count: () => rows(`SELECT count(*)::int AS n FROM opinions WHERE org_id = $1`, [row.id]),
      stored: CAP + 20,
    });
  });

  it('keeps an org’s people in difficulty to the cap: at the boundary, of 50 registered at once exactly one passes', async () => {
    const CAP = server.config.pairingPersonsPerOrg;
    const { su, id, row } = await branchForCap('结对对象限额的党支部');
    await capAtTheBoundary({
      seed: () =>
        su.query(
          `INSERT INTO pairing_persons (tenant_id, org_id, name, kind, difficulty, created_by)
           SELECT $1, $2, '对象' || n, 'RESIDENT', '生活困难', $3 FROM generate_series(1, $4 - 1) n`,
          [row.tenant_id, row.id, row.admin, CAP],
        ),
      create: (i) =>
        gql(
          `mutation($input: CreatePairingPersonInput!) { createPairingPerson(input: $input) { id } }`,
          { input: { orgId: id, name: `同时登记${i}`, kind: 'RESIDENT', difficulty: '生活困难' } },
          admin,
        ),
      reason: 'TOO_MANY_PAIRING_PERSONS',
      message: `结对对象限额的党支部已登记${CAP}名结对联系对象，达到上限${CAP}名；请在已登记的对象中安排结对`,
      count: () => rows(`SELECT count(*)::int AS n FROM pairing_persons WHERE org_id = $1`, [row.id]),
      stored: CAP,
    });
  });

  it('keeps the pairings of an org’s people of the year to the cap: at the boundary, of 50 made at once exactly one passes', async () => {
    const CAP = server.config.pairingsPerOrgPerYear;
    const { su, row } = await branchForCap('结对限额的党支部');
    const leader = await server.token('jtj', 'leader');
    const [{ id: leaderId }] = (
      await su.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'leader'`, [row.tenant_id])
    ).rows;
    // 50 people to pair with, the first with one short of the cap of ended pairings this year, and last year's besides
    const persons = (
      await su.query<{ id: string }>(
        `INSERT INTO pairing_persons (tenant_id, org_id, name, kind, difficulty, created_by)
         SELECT $1, $2, '对象' || n, 'RESIDENT', '生活困难', $3 FROM generate_series(1, $4) n RETURNING id`,
        [row.tenant_id, row.id, row.admin, CONCURRENCY],
      )
    ).rows.map((p) => p.id);
    await capAtTheBoundary({
      seed: () =>
        su.query(
          `INSERT INTO pairings (tenant_id, cadre_id, person_id, started_on, ended_on, created_by, created_at)
           SELECT $1, $2, $3, current_date - 400, current_date - 400, $2, CASE WHEN n < $4 THEN now() ELSE ${LAST_YEAR} END
             FROM generate_series(1, $4 + 9) n`,
          [row.tenant_id, leaderId, persons[0], CAP],
        ),
      create: (i) =>
        gql(
          `mutation($input: CreatePairingInput!) { createPairing(input: $input) { id } }`,
          { input: { cadreId: globalId('User', leaderId), personId: globalId('PairingPerson', persons[i]) } },
          leader,
        ),
      reason: 'TOO_MANY_PAIRINGS',
      message: `结对限额的党支部的结对联系对象${TODAY.slice(0, 4)}年已建立${CAP}个结对（含已结束的），达到上限${CAP}个；请于下一年度再建立`,
      count: () => rows(`SELECT count(*)::int AS n FROM pairings WHERE person_id = ANY($1::uuid[]) AND ended_on IS NULL`, [persons]),
      stored: 1,
    });
  });

  it('keeps a pairing’s visits of the year to the cap: at the boundary, of 50 logged at once exactly one passes', async () => {
    const CAP = server.config.pairingVisitsPerPairingPerYear;
    const { su, row } = await branchForCap('走访限额的党支部');
    const [{ id: leaderId }] = (
      await su.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'leader'`, [row.tenant_id])
    ).rows;
    const [{ id: personId }] = (
      await su.query<{ id: string }>(
        `INSERT INTO pairing_persons (tenant_id, org_id, name, kind, difficulty, created_by) VALUES ($1, $2, '走访对象', 'RESIDENT', '生活困难', $3) RETURNING id`,
        [row.tenant_id, row.id, row.admin],
      )
    ).rows;
    const [{ id: pairingId }] = (
      await su.query<{ id: string }>(
        `INSERT INTO pairings (tenant_id, cadre_id, person_id, started_on, created_by) VALUES ($1, $2, $3, current_date - 400, $2) RETURNING id`,
        [row.tenant_id, leaderId, personId],
      )
    ).rows;
    // one short of the cap logged this year (some recording last year's days: they count), and last year's besides
    await su.query(
      `INSERT INTO pairing_visits (tenant_id, pairing_id, visited_on, note, recorded_by, created_at)
       SELECT $1, $2, current_date - (n % 300), '走访' || n, $3, CASE WHEN n < $4 THEN now() ELSE ${LAST_YEAR} END
         FROM generate_series(1, $4 + 9) n`,
      [row.tenant_id, pairingId, leaderId, CAP],
    );
    const answers = await burst((i) =>
      gql(
        `mutation($input: LogPairingVisitInput!) { logPairingVisit(input: $input) { id } }`,
        { input: { pairingId: globalId('Pairing', pairingId), visitedOn: TODAY, note: `同时走访${i}` } },
        admin,
      ),
    );
    exactlyOne(
      answers,
      'TOO_MANY_PAIRING_VISITS',
      `该结对${TODAY.slice(0, 4)}年已登记${CAP}次走访，达到上限${CAP}次；请将同一次走访合并登记，或于下一年度再登记`,
    );
    expect((await su.query(`SELECT count(*)::int AS n FROM pairing_visits WHERE pairing_id = $1`, [pairingId])).rows[0].n).toBe(CAP + 10);
  });

  it('keeps the members a team ever took to the cap: at the boundary, of 50 added at once exactly one passes', async () => {
    const CAP = server.config.serviceTeamMembersPerTeam;
    const { su, id, row } = await branchForCap('队员限额的党支部');
    const made = await gql(
      `mutation($input: CreateServiceTeamInput!) { createServiceTeam(input: $input) { id } }`,
      { input: { orgId: id, name: '队员限额服务队' } },
      admin,
    );
    expect(made.errors).toBeUndefined();
    const team = raw(made.data.createServiceTeam.id);
    // one short of the cap, all but a few of them gone (those who left count: they stay with their records)
    await su.query(
      `INSERT INTO service_team_members (tenant_id, team_id, org_id, name, role, joined_on, left_on)
       SELECT $1, $2, $3, '队员' || n, 'MEMBER', current_date - 30, CASE WHEN n > 5 THEN current_date - 1 END
         FROM generate_series(1, $4 - 1) n`,
      [row.tenant_id, team, row.id, CAP],
    );
    const answers = await burst((i) =>
      gql(
        `mutation($input: AddServiceTeamMemberInput!) { addServiceTeamMember(input: $input) { id } }`,
        { input: { teamId: made.data.createServiceTeam.id, name: `同时入队${i}` } },
        admin,
      ),
    );
    exactlyOne(
      answers,
      'TOO_MANY_SERVICE_TEAM_MEMBERS',
      `“队员限额服务队”已吸收${CAP}名队员（含已离队的），达到上限${CAP}名；请另行组建服务队伍`,
    );
    expect((await su.query(`SELECT count(*)::int AS n FROM service_team_members WHERE team_id = $1`, [team])).rows[0].n).toBe(CAP);
  });

  it('keeps an org’s published briefings of the year to the cap: at the boundary, of 50 published at once exactly one passes', async () => {
    const CAP = server.config.briefingsPublishedPerOrgPerYear;
    // briefings are published by the org's own officers: the secretary's branch
    const secretary = await server.token('jtj', 'secretary');
    const su = await server.superuser();
    const [row] = (
      await su.query<{ tenant_id: string; org_id: string; user_id: string; published: number }>(
        `SELECT r.tenant_id, r.org_id, r.user_id,
                (SELECT count(*)::int FROM briefings b WHERE b.tenant_id = r.tenant_id AND b.org_id = r.org_id AND b.state = 'PUBLISHED'
                    AND b.published_at >= date_trunc('year', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai') AS published
           FROM role_assignments r JOIN users u ON u.tenant_id = r.tenant_id AND u.id = r.user_id JOIN tenants t ON t.id = r.tenant_id
          WHERE t.slug = 'jtj' AND u.username = 'secretary' AND r.role = 'SECRETARY'`,
      )
    ).rows;
    // one short of the cap published this year, and last year's besides (they do not count); 50 drafts to publish
    await su.query(
      `INSERT INTO briefings (tenant_id, org_id, title, body, briefing_on, state, created_by, published_by, published_at)
       SELECT $1, $2, '已报送简报' || n, '正文', current_date - 1, 'PUBLISHED', $3, $3, CASE WHEN n <= $4 THEN now() ELSE ${LAST_YEAR} END
         FROM generate_series(1, $4 + 10) n`,
      [row.tenant_id, row.org_id, row.user_id, CAP - 1 - row.published],
    );
    const drafts = (
      await su.query<{ id: string }>(
        `INSERT INTO briefings (tenant_id, org_id, title, body, briefing_on, state, created_by)
         SELECT $1, $2, '待报送简报' || n, '正文', current_date - 1, 'DRAFT', $3 FROM generate_series(1, $4) n RETURNING id`,
        [row.tenant_id, row.org_id, row.user_id, CONCURRENCY],
      )
    ).rows.map((b) => b.id);
    const answers = await burst((i) =>
      gql(`mutation($id: ID!) { publishBriefing(input: { id: $id }) { state } }`, { id: globalId('Briefing', drafts[i]) }, secretary),
    );
    exactlyOne(
      answers,
      'TOO_MANY_PUBLISHED_BRIEFINGS',
      `第一车队党支部${TODAY.slice(0, 4)}年已报送${CAP}份简报，达到上限${CAP}份；请将同类内容合并成一份简报报送，或于下一年度再报送`,
    );
    expect(
      (await su.query(`SELECT count(*)::int AS n FROM briefings WHERE id = ANY($1::uuid[]) AND state = 'DRAFT'`, [drafts])).rows[0].n,
    ).toBe(CONCURRENCY - 1);
  });

  it('keeps a tenant’s issued notices of the year to the cap: at the boundary, of 50 issued at once exactly one passes', async () => {
    const CAP = server.config.noticesIssuedPerYear;
    const su = await server.superuser();
    const [row] = (
      await su.query<{ tenant_id: string; admin: string; issued: number }>(
        `SELECT t.id AS tenant_id, u.id AS admin,
                (SELECT count(*)::int FROM notices n WHERE n.tenant_id = t.id AND n.state = 'ISSUED'
                    AND n.issued_at >= date_trunc('year', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai') AS issued
           FROM tenants t JOIN users u ON u.tenant_id = t.id AND u.username = 'admin' WHERE t.slug = 'jtj'`,
      )
    ).rows;
    // one short of the cap issued this year (some carrying last year's issue day: they count), and last year's besides
    await su.query(
      `INSERT INTO notices (tenant_id, kind, title, body, state, issued_on, issued_by, issued_at, created_by)
       SELECT $1, 'COMMENDATION', '通报' || n, '正文', 'ISSUED', current_date - (n % 400), $2,
              CASE WHEN n <= $3 THEN now() ELSE ${LAST_YEAR} END, $2
         FROM generate_series(1, $3 + 10) n`,
      [row.tenant_id, row.admin, CAP - 1 - row.issued],
    );
    const drafts = (
      await su.query<{ id: string }>(
        `INSERT INTO notices (tenant_id, kind, title, body, created_by)
         SELECT $1, 'COMMENDATION', '待印发通报' || n, '正文', $2 FROM generate_series(1, $3) n RETURNING id`,
        [row.tenant_id, row.admin, CONCURRENCY],
      )
    ).rows.map((n) => n.id);
    const answers = await burst((i) =>
      gql(`mutation($id: ID!) { issueNotice(input: { id: $id }) { state } }`, { id: globalId('Notice', drafts[i]) }, admin),
    );
    exactlyOne(
      answers,
      'TOO_MANY_ISSUED_NOTICES',
      `本单位${TODAY.slice(0, 4)}年已印发${CAP}份通报，达到上限${CAP}份；请将同类事项合并通报，或于下一年度再印发`,
    );
    expect(
      (await su.query(`SELECT count(*)::int AS n FROM notices WHERE id = ANY($1::uuid[]) AND state = 'DRAFT'`, [drafts])).rows[0].n,
    ).toBe(CONCURRENCY - 1);
  });
});
