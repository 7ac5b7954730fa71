import { LoadTarget, Measurement, RequestSpec, load } from './load';

/**
 * Cells of our server alone (no floor or peer answers them): what a user opens first. Each is measured
 * at concurrency 1 and 32 like the compared cells, and judged against its own target.
 */
export const Q_TASKS_FIRST_PAGE = `{ viewer { taskCounts { kind count } tasks(first: 20) { totalCount pageInfo { hasNextPage endCursor } nodes { id kind title dueOn overdue org { id name } subject { id } } } } }`;

export interface ExtraRow {
  label: string;
  connections: number;
  result: Measurement;
}

export interface ExtraTarget {
  name: string;
  status: 'PASS' | 'MISS' | 'n/a';
  detail: string;
}

export async function measureExtras(
  baseUrl: string,
  token: string,
  options: { duration: number; pid?: number; smoke: boolean; orgs: number },
): Promise<{ rows: ExtraRow[]; targets: ExtraTarget[]; tasks: number }> {
  const body = JSON.stringify({ query: Q_TASKS_FIRST_PAGE });
  const spec: RequestSpec = {
    method: 'POST',
    path: '/graphql',
    body,
    headers: { authorization: `Bearer ${token}` },
    check: (_status, text) => {
      try {
        const parsed = JSON.parse(text);
        return !parsed.errors && Array.isArray(parsed.data?.viewer?.tasks?.nodes);
      } catch {
        return false;
      }
    },
  };
  const probe = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const answer = (await probe.json()) as { data?: { viewer?: { tasks?: { totalCount?: number } } }; errors?: unknown };
  if (answer.errors || !answer.data?.viewer?.tasks)
    throw new Error(`our server answered the tasks page wrongly: ${JSON.stringify(answer).slice(0, 600)}`);
  const target: LoadTarget = { baseUrl, next: () => spec };
  const rows: ExtraRow[] = [];
  for (const connections of [1, 32]) {
    rows.push({
      label: 'tasks: first page (root admin)',
      connections,
      result: await load(target, { connections, seconds: options.duration, pid: options.pid }),
    });
  }
  const p50 = rows[0].result.p50;
  const judged = !options.smoke && options.orgs >= 50000;
  return {
    rows,
    tasks: answer.data.viewer.tasks.totalCount ?? 0,
    targets: [
      {
        name: 'viewer.tasks first page p50 ≤ 50 ms at 50,000 orgs (concurrency 1)',
        status: judged ? (p50 <= 50 ? 'PASS' : 'MISS') : 'n/a',
        detail: `${p50.toFixed(1)} ms over ${answer.data.viewer.tasks.totalCount} tasks${judged ? '' : ' (not judged at this size)'}`,
      },
    ],
  };
}

export function extrasTable(rows: ExtraRow[]): string {
  const head = '| operation (ours only) | conc. | req/s | p50 ms | p99 ms | errors | CPU ms/req |\n|---|--:|--:|--:|--:|--:|--:|';
  return [
    head,
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.connections} | ${r.result.rps.toFixed(0)} | ${r.result.p50.toFixed(2)} | ${r.result.p99.toFixed(2)} | ${r.result.errors} | ${r.result.cpuPerRequest.toFixed(2)} |`,
    ),
  ].join('\n');
}
