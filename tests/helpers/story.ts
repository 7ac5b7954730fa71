import { TestServer } from './server';

export interface CriterionView {
  id: string;
  code: string;
  scoringType: string | null;
  maxScore: number | null;
  target: number | null;
  isBonus: boolean;
  isLeaf: boolean;
}

/** Global ids of a tenant's orgs by name, as its admin sees them. */
export async function orgIds(server: TestServer, tenant: string): Promise<Record<string, string>> {
  const admin = await server.token(tenant, 'admin');
  const res = await server.gql(`{ orgs(first: 100) { nodes { id name } } }`, {}, admin);
  return Object.fromEntries(res.data.orgs.nodes.map((o: { id: string; name: string }) => [o.name, o.id]));
}

export async function criteriaOf(server: TestServer, token: string, versionId: string): Promise<CriterionView[]> {
  const res = await server.gql(
    `query($id: ID!) { frameworkVersion(id: $id) { criteria { id code scoringType maxScore target isBonus isLeaf } } }`,
    { id: versionId },
    token,
  );
  return res.data.frameworkVersion.criteria;
}

/** The raw value that gives a leaf full marks: the input a perfect org would enter. */
export function fullMarks(c: CriterionView): number {
  switch (c.scoringType) {
    case 'BOOLEAN':
      return 1;
    case 'PERCENT':
      return 100;
    case 'COUNT':
      return c.target!;
    case 'DEDUCTION':
      return 0;
    default:
      return c.maxScore!;
  }
}

/**
 * Scores for every leaf: full marks unless `overrides` (by code) says otherwise; bonus leaves are
 * left out unless named. Every score carries an evidence reference.
 */
export function scoresFor(criteria: CriterionView[], overrides: Record<string, number> = {}) {
  return criteria
    .filter((c) => c.isLeaf && (!c.isBonus || c.code in overrides))
    .map((c) => ({ criterionId: c.id, value: c.code in overrides ? overrides[c.code] : fullMarks(c), evidence: `台帐-${c.code}` }));
}

export const EVALUATION_FIELDS = `id kind state version total grade veto returnReason
  result { total bonus grade gradeLabel veto attained complete nodes { criterion { code } ratio points maxPoints value scored vetoFired } }`;

/** start → save → submit as `evaluator`; returns the submitted evaluation. */
export async function evaluate(
  server: TestServer,
  evaluator: string,
  input: { campaignId: string; orgId: string; kind: string },
  scores: ReturnType<typeof scoresFor>,
) {
  const started = await server.gql(
    `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version state } }`,
    { input },
    evaluator,
  );
  if (!started.data) throw new Error(`startEvaluation: ${JSON.stringify(started.errors)}`);
  const { id, version } = started.data.startEvaluation;
  const saved = await server.gql(
    `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`,
    { input: { evaluationId: id, expectedVersion: version, scores } },
    evaluator,
  );
  if (!saved.data) throw new Error(`saveScores: ${JSON.stringify(saved.errors)}`);
  const submitted = await server.gql(
    `mutation($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { ${EVALUATION_FIELDS} } }`,
    { input: { evaluationId: id, expectedVersion: saved.data.saveScores.version } },
    evaluator,
  );
  if (!submitted.data) throw new Error(`submitEvaluation: ${JSON.stringify(submitted.errors)}`);
  return submitted.data.submitEvaluation;
}

export async function accept(server: TestServer, reviewer: string, evaluationId: string) {
  const res = await server.gql(
    `mutation($id: ID!) { acceptEvaluation(input: { evaluationId: $id }) { state } }`,
    { id: evaluationId },
    reviewer,
  );
  if (!res.data) throw new Error(`acceptEvaluation: ${JSON.stringify(res.errors)}`);
  return res.data.acceptEvaluation;
}

/** The annual assessment rule the supervision and ledger stories set: half campaign, deductions by finding severity. */
export const ASSESSMENT_RULE = {
  campaignShare: 0.5,
  base: 100,
  overdueRectificationPoints: 2,
  criticismPoints: 3,
  commendationPoints: 2,
  findingPoints: [
    { severity: 'MINOR', points: 1 },
    { severity: 'MODERATE', points: 2 },
    { severity: 'SERIOUS', points: 5 },
    { severity: 'CRITICAL', points: 10 },
  ],
};

export const SOURCE_CAMPAIGN = {
  startsOn: '2013-05-05',
  endsOn: '2014-12-31',
  eligibleKinds: ['GENERAL_BRANCH', 'BRANCH'],
  phases: [
    { name: '制定方案、动员部署', startsOn: '2013-05-05', endsOn: '2013-05-15' },
    { name: '立项创新、组织实施', startsOn: '2013-05-15', endsOn: '2013-05-31' },
    { name: '选树典型、示范带动', startsOn: '2013-05-15', endsOn: '2013-05-31' },
    { name: '梳理做法、总结经验', startsOn: '2013-06-01', endsOn: '2013-07-31' },
    { name: '完善内容、巩固成果', startsOn: '2013-08-01', endsOn: '2013-12-31' },
    { name: '全面完成、形成品牌', startsOn: '2014-01-01', endsOn: '2014-12-31' },
  ],
  deadlines: [
    {
      code: 'PLAN',
      name: '创建工作方案报局组织科',
      dueOn: '2013-05-16',
      orgKinds: ['COMMITTEE', 'GENERAL_BRANCH', 'BRANCH'],
      relativeDepth: 1,
    },
    { code: 'BRANCH_PLAN', name: '党支部创建计划', dueOn: '2013-05-16', orgKinds: ['BRANCH'] },
    {
      code: 'SELF_CHECK',
      name: '直属党组织自查总结',
      dueOn: '2013-12-25',
      orgKinds: ['COMMITTEE', 'GENERAL_BRANCH', 'BRANCH'],
      relativeDepth: 1,
    },
  ],
  targets: [
    { dueOn: '2013-12-31', ratio: 0.8 },
    { dueOn: '2014-12-31', ratio: 0.9 },
  ],
};
