import { GeneratedData, Leaf } from './generate';
import { LoadTarget, RequestSpec } from './load';

export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');

export type OpId = 'progress' | 'orgsPage' | 'evaluation' | 'saveScores';
export const OPS: { id: OpId; label: string }[] = [
  { id: 'progress', label: '1 progress rollup (root)' },
  { id: 'orgsPage', label: '2 50 orgs + result' },
  { id: 'evaluation', label: '3 evaluation tree' },
  { id: 'saveScores', label: '4 saveScores (write)' },
];

export const Q_PROGRESS = `query($c: ID!) { campaign(id: $c) { progress { eligible evaluated attained ratio onTrack target { ratio } byCategory { category eligible attained ratio } byChild { org { id name } eligible attained ratio } lagging(first: 20) { nodes { org { id name } result { total grade } } } } } }`;
export const qOrgsPage = (first: number) =>
  `query($u: ID!, $c: ID!) { orgs(under: $u, first: ${first}) { nodes { id name kind category campaignResult(campaignId: $c) { total grade attained } } } }`;
export const Q_EVALUATION = `query($id: ID!) { evaluation(id: $id) { id state result { total grade veto attained nodes { criterion { code title } ratio points maxPoints value } } } }`;
export const Q_SAVE = `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version } }`;

const P_PROGRESS = `query($c: UUID!) { benchProgress(campaign: $c) }`;
const P_ORGS = `query($u: UUID!, $c: UUID!) { benchOrgsUnder(under: $u, first: 50) { nodes { id name kind category campaignResult(campaign: $c) { total grade attained } } } }`;
// PostGraphile's own relations: the evaluation, its version's rule and criteria, and its raw scores (no computed node scores).
const P_EVALUATION = `query($t: UUID!, $id: UUID!) { evaluationByTenantIdAndRowId(tenantId: $t, rowId: $id) { id state
  campaignByTenantIdAndCampaignId { frameworkVersionByTenantIdAndVersionId { rule
    criteriaByTenantIdAndVersionId { nodes { rowId parentId code title position weight maxScore scoringType target deductionPer isBonus isVeto } } } }
  evaluationScoresByTenantIdAndEvaluationId { nodes { criterionId value } } } }`;
const P_SAVE = `mutation($input: BenchSaveScoresInput!) { benchSaveScores(input: $input) { result } }`;

/** Eight rotating sets of valid values for every leaf (the body of a form save). */
export function scoreVariants(leaves: Leaf[]): { criterionId: string; value: number; evidence: string | null }[][] {
  return Array.from({ length: 8 }, (_, k) =>
    leaves.map((l) => {
      const max = l.maxScore ?? 0;
      const value =
        l.scoringType === 'SCALE'
          ? (k * 3) % (max + 1)
          : l.scoringType === 'PERCENT'
            ? (k * 13) % 101
            : l.scoringType === 'BOOLEAN'
              ? l.isVeto
                ? 1
                : k % 2
              : l.scoringType === 'COUNT'
                ? k % ((l.target ?? 1) + 1)
                : k % 3;
      return { criterionId: l.id, value, evidence: l.evidenceRequired ? `台帐-${l.code}-${k}` : null };
    }),
  );
}

/** Current version of every draft of the write pool, kept up to date from the responses. */
export type Versions = Map<string, number>;

function rotate<T>(items: T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length];
}

const graphqlBody = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

function dataOk(body: string, pick: (data: any) => unknown): boolean {
  try {
    const parsed = JSON.parse(body);
    return !parsed.errors && pick(parsed.data) != null;
  } catch {
    return false;
  }
}

export function oursTarget(baseUrl: string, token: string, data: GeneratedData, versions: Versions, op: OpId, pageSize = 50): LoadTarget {
  const headers = { authorization: `Bearer ${token}` };
  const campaign = gid('Campaign', data.large.campaignId);
  const post = (body: string, check?: RequestSpec['check']): RequestSpec => ({ method: 'POST', path: '/graphql', body, headers, check });
  switch (op) {
    case 'progress': {
      const body = graphqlBody(Q_PROGRESS, { c: campaign });
      return { baseUrl, next: () => post(body, (_s, b) => dataOk(b, (d) => d?.campaign?.progress?.byChild)) };
    }
    case 'orgsPage': {
      const mid = rotate(data.midOrgs.map((id) => graphqlBody(qOrgsPage(pageSize), { u: gid('Org', id), c: campaign })));
      return { baseUrl, next: () => post(mid(), (_s, b) => dataOk(b, (d) => d?.orgs?.nodes?.length)) };
    }
    case 'evaluation': {
      const ev = rotate(data.scoredEvaluations.map((id) => graphqlBody(Q_EVALUATION, { id: gid('Evaluation', id) })));
      return { baseUrl, next: () => post(ev(), (_s, b) => dataOk(b, (d) => d?.evaluation?.result?.nodes?.length)) };
    }
    case 'saveScores': {
      const variants = scoreVariants(data.leaves).map((scores) =>
        scores.map((s) => ({ ...s, criterionId: gid('Criterion', s.criterionId) })),
      );
      const draft = rotate(data.drafts);
      let n = 0;
      return {
        baseUrl,
        next: () => {
          const id = draft();
          const input = {
            evaluationId: gid('Evaluation', id),
            expectedVersion: versions.get(id) ?? 1,
            scores: variants[n++ % variants.length],
          };
          return post(graphqlBody(Q_SAVE, { input }), (_s, b) => {
            try {
              const parsed = JSON.parse(b);
              const v = parsed.data?.saveScores?.version;
              if (typeof v === 'number') {
                versions.set(id, v);
                return true;
              }
              const current = parsed.errors?.[0]?.extensions?.currentVersion;
              if (typeof current === 'number') versions.set(id, current);
            } catch {
              /* counted as an error */
            }
            return false;
          });
        },
      };
    }
  }
}

export function floorTarget(baseUrl: string, data: GeneratedData, versions: Versions, op: OpId): LoadTarget {
  const get = (path: string, check: RequestSpec['check']): RequestSpec => ({ method: 'GET', path, check });
  const c = data.large.campaignId;
  switch (op) {
    case 'progress':
      return { baseUrl, next: () => get(`/progress?campaign=${c}`, (_s, b) => dataOk(b, (d) => d?.campaign?.progress?.byChild)) };
    case 'orgsPage': {
      const mid = rotate(data.midOrgs.map((id) => `/orgs?under=${id}&first=50&campaign=${c}`));
      return { baseUrl, next: () => get(mid(), (_s, b) => dataOk(b, (d) => d?.orgs?.nodes?.length)) };
    }
    case 'evaluation': {
      const ev = rotate(data.scoredEvaluations.map((id) => `/evaluation?id=${id}`));
      return { baseUrl, next: () => get(ev(), (_s, b) => dataOk(b, (d) => d?.evaluation?.result?.nodes?.length)) };
    }
    case 'saveScores': {
      const variants = scoreVariants(data.leaves);
      const draft = rotate(data.drafts);
      let n = 0;
      return {
        baseUrl,
        next: () => {
          const id = draft();
          const body = JSON.stringify({
            evaluationId: id,
            expectedVersion: versions.get(id) ?? 1,
            scores: variants[n++ % variants.length],
          });
          return {
            method: 'POST',
            path: '/save-scores',
            body,
            check: (_s, b) => {
              try {
                const v = JSON.parse(b).data?.saveScores?.version;
                if (typeof v === 'number') {
                  versions.set(id, v);
                  return true;
                }
              } catch {
                /* error */
              }
              return false;
            },
          };
        },
      };
    }
  }
}

export function peerTarget(baseUrl: string, data: GeneratedData, versions: Versions, op: OpId): LoadTarget {
  const post = (body: string, check: RequestSpec['check']): RequestSpec => ({ method: 'POST', path: '/graphql', body, check });
  const c = data.large.campaignId;
  switch (op) {
    case 'progress': {
      const body = graphqlBody(P_PROGRESS, { c });
      return { baseUrl, next: () => post(body, (_s, b) => dataOk(b, (d) => d?.benchProgress?.byChild)) };
    }
    case 'orgsPage': {
      const mid = rotate(data.midOrgs.map((id) => graphqlBody(P_ORGS, { u: id, c })));
      return { baseUrl, next: () => post(mid(), (_s, b) => dataOk(b, (d) => d?.benchOrgsUnder?.nodes?.length)) };
    }
    case 'evaluation': {
      const ev = rotate(data.scoredEvaluations.map((id) => graphqlBody(P_EVALUATION, { t: data.large.id, id })));
      return {
        baseUrl,
        next: () =>
          post(ev(), (_s, b) =>
            dataOk(
              b,
              (d) =>
                d?.evaluationByTenantIdAndRowId?.campaignByTenantIdAndCampaignId?.frameworkVersionByTenantIdAndVersionId
                  ?.criteriaByTenantIdAndVersionId?.nodes?.length,
            ),
          ),
      };
    }
    case 'saveScores': {
      const variants = scoreVariants(data.leaves);
      const draft = rotate(data.drafts);
      let n = 0;
      return {
        baseUrl,
        next: () => {
          const id = draft();
          const scores = variants[n++ % variants.length];
          const input = {
            evaluation: id,
            expectedVersion: versions.get(id) ?? 1,
            criterionIds: scores.map((s) => s.criterionId),
            vals: scores.map((s) => String(s.value)),
            evidences: scores.map((s) => s.evidence),
          };
          return post(graphqlBody(P_SAVE, { input }), (_s, b) => {
            try {
              const v = JSON.parse(b).data?.benchSaveScores?.result;
              if (typeof v === 'number') {
                versions.set(id, v);
                return true;
              }
            } catch {
              /* error */
            }
            return false;
          });
        },
      };
    }
  }
}

/** One request as a plain fetch: the body (to check the shape) and the x-sql-statements and x-sql-round-trips headers. */
export async function probe(
  target: LoadTarget,
): Promise<{ status: number; body: string; statements: number | null; roundTrips: number | null; ok: boolean }> {
  const spec = target.next();
  const res = await fetch(new URL(spec.path, target.baseUrl), {
    method: spec.method,
    headers: { 'content-type': 'application/json', ...spec.headers },
    body: spec.method === 'POST' ? spec.body : undefined,
  });
  const body = await res.text();
  const count = (name: string) => {
    const header = res.headers.get(name);
    return header === null ? null : Number(header);
  };
  const ok = res.ok && (spec.check ? spec.check(res.status, body) : !body.includes('"errors"'));
  return { status: res.status, body, statements: count('x-sql-statements'), roundTrips: count('x-sql-round-trips'), ok };
}
