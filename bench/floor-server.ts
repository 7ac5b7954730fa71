/**
 * The floor: the same answers as our GraphQL server, fetched with one hand-written SQL statement each
 * (bench/sql.ts) over a pg Pool and returned as JSON by a bare node:http handler. No GraphQL, no ORM,
 * no per-request transaction: the pool logs in as the RLS-bound app role with app.tenant_id set once
 * per connection (the large tenant), so row-level security still filters every row.
 *
 * env: FLOOR_DATABASE_URL (app role), FLOOR_TENANT_ID, PORT.
 */
import 'reflect-metadata'; // the scoring module's enums register with type-graphql
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { scoreEvaluation, ScoringCriterion } from '../src/modules/evaluation/scoring';
import { PassRule } from '../src/modules/framework/pass-rule';
import { EVALUATION_SQL, ORGS_PAGE_SQL, PROGRESS_LAGGING_SQL, PROGRESS_ROLLUP_SQL, PROGRESS_SCOPE_SQL, SAVE_SCORES_SQL } from './sql';
import { treeOrder } from '../src/modules/framework/tree-order';

const tenantId = process.env.FLOOR_TENANT_ID!;
if (!/^[0-9a-f-]{36}$/.test(tenantId ?? '')) throw new Error('FLOOR_TENANT_ID must be a uuid');
const pool = new Pool({ connectionString: process.env.FLOOR_DATABASE_URL, max: 20, options: `-c app.tenant_id=${tenantId}` });
const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const error = (message: string, code: string) => JSON.stringify({ errors: [{ message, extensions: { code } }] });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function progress(url: URL): Promise<string> {
  const campaign = url.searchParams.get('campaign');
  const [scope] = (
    await pool.query({ name: 'progress-scope', text: PROGRESS_SCOPE_SQL, values: [campaign, url.searchParams.get('under')] })
  ).rows;
  if (!scope) return '{"data":{"campaign":null}}';
  // Both scans at once on two connections (two cores); unnamed statements, planned with the path as a value.
  const [rollup, lagging] = await Promise.all([
    pool.query(PROGRESS_ROLLUP_SQL, [campaign, scope.path, scope.depth, scope.eligible_kinds, tenantId]),
    pool.query(PROGRESS_LAGGING_SQL, [campaign, scope.path, scope.eligible_kinds, tenantId]),
  ]);
  const head = rollup.rows[0]?.progress as string | undefined;
  if (!head) return '{"data":{"campaign":{"progress":null}}}';
  return `{"data":{"campaign":{"progress":${head.slice(0, -1)}, "lagging" : ${lagging.rows[0].lagging}}}}}`;
}

async function orgsPage(url: URL): Promise<string> {
  const first = Math.min(100, Math.max(1, Number(url.searchParams.get('first') ?? 20)));
  const { rows } = await pool.query({
    name: 'orgs',
    text: ORGS_PAGE_SQL,
    values: [url.searchParams.get('under'), first, url.searchParams.get('campaign')],
  });
  return `{"data":{"orgs":{"nodes":${rows[0].nodes}}}}`;
}

async function evaluation(url: URL): Promise<string | null> {
  const { rows } = await pool.query({ name: 'evaluation', text: EVALUATION_SQL, values: [url.searchParams.get('id')] });
  if (!rows.length) return null;
  const row = rows[0] as { id: string; state: string; rule: PassRule; criteria: unknown[][]; scores: [string, number][] | null };
  const criteria = treeOrder(
    row.criteria.map((c) => ({
      id: c[0] as string,
      parentId: c[1] as string | null,
      code: c[2] as string,
      title: c[3] as string,
      position: c[4] as number,
      weight: Number(c[5]),
      maxScore: c[6] === null ? null : Number(c[6]),
      scoringType: c[7],
      target: c[8] === null ? null : Number(c[8]),
      deductionPer: c[9] === null ? null : Number(c[9]),
      isBonus: c[10] as boolean,
      isVeto: c[11] as boolean,
    })),
  ) as (ScoringCriterion & { title: string })[];
  const score = scoreEvaluation(row.rule, criteria, new Map((row.scores ?? []).map(([id, v]) => [id, Number(v)])));
  return JSON.stringify({
    data: {
      evaluation: {
        id: gid('Evaluation', row.id),
        state: row.state,
        result: {
          total: score.total,
          grade: score.grade,
          veto: score.veto,
          attained: score.attained,
          nodes: criteria.map((c) => {
            const n = score.nodes.get(c.id)!;
            return {
              criterion: { code: c.code, title: c.title },
              ratio: n.ratio,
              points: n.points,
              maxPoints: n.maxPoints,
              value: n.value,
            };
          }),
        },
      },
    },
  });
}

async function saveScores(req: IncomingMessage): Promise<string | null> {
  const input = JSON.parse(await readBody(req)) as {
    evaluationId: string;
    expectedVersion: number;
    scores: { criterionId: string; value: number; evidence?: string | null }[];
  };
  const { rows } = await pool.query({
    name: 'save',
    text: SAVE_SCORES_SQL,
    values: [
      input.evaluationId,
      input.expectedVersion,
      input.scores.map((s) => s.criterionId),
      input.scores.map((s) => s.value),
      input.scores.map((s) => s.evidence ?? null),
    ],
  });
  return rows.length ? `{"data":{"saveScores":{"version":${rows[0].version}}}}` : null;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://floor');
  const handle = async () => {
    switch (url.pathname) {
      case '/healthz':
        return send(res, 200, '{"status":"ok"}');
      case '/progress':
        return send(res, 200, await progress(url));
      case '/orgs':
        return send(res, 200, await orgsPage(url));
      case '/evaluation': {
        const body = await evaluation(url);
        return body ? send(res, 200, body) : send(res, 200, error('Evaluation not found', 'NOT_FOUND'));
      }
      case '/save-scores': {
        const body = await saveScores(req);
        return body ? send(res, 200, body) : send(res, 200, error('The evaluation was changed by someone else', 'CONFLICT'));
      }
      default:
        return send(res, 404, error('Not found', 'NOT_FOUND'));
    }
  };
  handle().catch((e: unknown) => {
    console.error('[floor]', e);
    if (!res.headersSent) send(res, 500, error('Internal server error', 'INTERNAL_SERVER_ERROR'));
  });
});

server.keepAliveTimeout = 65000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`floor ready on ${process.env.PORT}`));
const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
