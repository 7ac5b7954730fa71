import { createHash } from 'node:crypto';
import { RequestTransaction } from '../../db/request-transaction';
import { AuditChainBreak, AuditHashAlgorithm } from './audit.entity';

/**
 * Each log (a tenant's audit_log, the platform_audit_log) is a hash chain: a row's hash covers the
 * previous row's hash and the row's canonical content, with the algorithm the chain named when the row
 * was sealed (SHA-256, or SM3 from Node's OpenSSL). Rows are sealed after they commit, in order, under
 * the chain head's lock (app_audit_seal checks the link), so writing an entry never waits for the head;
 * verification recomputes every link from the anchor (the last hash of a pruned prefix, else genesis).
 */
export type AuditLogKind = 'tenant' | 'platform';

interface ChainHead {
  chain: string;
  algorithm: AuditHashAlgorithm;
  retention_days: number;
  last_seq: string;
  last_hash: string;
  anchor_seq: string;
  anchor_hash: string;
  pruned_at: Date | null;
}

/** Output names differ from the columns, so ORDER BY id / seq sorts the numbers, not their text. */
interface CanonicalRow {
  row_id: string;
  at: string;
  actor: string | null;
  action: string;
  entity_type: string | null;
  entity: string | null;
  org: string | null;
  outcome: string;
  reason: string | null;
  address: string | null;
  user_agent: string | null;
  account: string | null;
  data: string;
  chain_seq: string | null;
  prev_hash: string | null;
  row_hash: string | null;
  hash_alg: AuditHashAlgorithm | null;
}

/** Every column a link covers, as text PostgreSQL writes the same way each time (jsonb's own text, UTC microseconds). */
const CANONICAL_COLUMNS = `id::text AS row_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, actor_id::text AS actor, action,
  entity_type, entity_id::text AS entity, org_id::text AS org, outcome, reason, address, user_agent, account, data::text AS data,
  seq::text AS chain_seq, prev_hash, row_hash, hash_alg`;

/** The rows of one log, limited to the tenant for a tenant's log ($1), with the next parameter number. */
function from(log: AuditLogKind, tenantId: string | null): { sql: string; params: unknown[] } {
  return log === 'tenant'
    ? { sql: `FROM audit_log WHERE tenant_id = $1`, params: [tenantId] }
    : { sql: `FROM platform_audit_log WHERE true`, params: [] };
}

function canonical(chain: string, seq: string, r: CanonicalRow): string {
  return JSON.stringify([
    chain,
    r.row_id,
    seq,
    r.at,
    r.actor,
    r.action,
    r.entity_type,
    r.entity,
    r.org,
    r.outcome,
    r.reason,
    r.address,
    r.user_agent,
    r.account,
    r.data,
  ]);
}

export function linkHash(algorithm: AuditHashAlgorithm, prevHash: string, content: string): string {
  return createHash(algorithm).update(`${prevHash}\n${content}`, 'utf8').digest('hex');
}

/** The chain head of the transaction's identity (its tenant's, or the platform's), locked when asked. */
export async function chainHead(tx: RequestTransaction, lock = false): Promise<ChainHead> {
  const [head] = await tx.query<ChainHead>(`SELECT * FROM app_audit_chain($1)`, [lock]);
  return head;
}

const SEAL_BATCH = 500;

/** Seals every committed, unsealed row of the log in id order; the number sealed. */
export async function sealLog(tx: RequestTransaction, log: AuditLogKind, tenantId: string | null): Promise<number> {
  const base = from(log, tenantId);
  // Nothing to seal (the usual case between two sweeps): no lock taken.
  const [waiting] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 ${base.sql} AND row_hash IS NULL LIMIT 1) w`,
    base.params,
  );
  if (!waiting.n) return 0;
  const head = await chainHead(tx, true);
  let seq = BigInt(head.last_seq);
  let prev = head.last_hash;
  let sealed = 0;
  for (;;) {
    const rows = await tx.query<CanonicalRow>(
      `SELECT ${CANONICAL_COLUMNS} ${base.sql} AND row_hash IS NULL ORDER BY id LIMIT ${SEAL_BATCH}`,
      base.params,
    );
    if (!rows.length) return sealed;
    const afterSeq = seq.toString();
    const afterHash = prev;
    const hashes: string[] = [];
    for (const row of rows) {
      seq += 1n;
      prev = linkHash(head.algorithm, prev, canonical(head.chain, seq.toString(), row));
      hashes.push(prev);
    }
    await tx.query(`SELECT app_audit_seal($1, $2, $3::bigint[], $4::text[], $5)`, [
      afterSeq,
      afterHash,
      rows.map((r) => r.row_id),
      hashes,
      head.algorithm,
    ]);
    sealed += rows.length;
    if (rows.length < SEAL_BATCH) return sealed;
  }
}

export interface AuditChainResult {
  ok: boolean;
  checked: number;
  anchorSeq: number;
  headHash: string;
  brokenAt: { seq: number; entryId: string; kind: AuditChainBreak } | null;
}

const VERIFY_BATCH = 1000;

/** Recomputes every sealed link from the anchor, in chain order, and reports the first broken one. */
export async function verifyLog(tx: RequestTransaction, log: AuditLogKind, tenantId: string | null): Promise<AuditChainResult> {
  const head = await chainHead(tx);
  const base = from(log, tenantId);
  const anchorSeq = Number(head.anchor_seq);
  let prev = head.anchor_hash;
  let expected = anchorSeq + 1;
  let checked = 0;
  let last: CanonicalRow | undefined;
  const result = (brokenAt: AuditChainResult['brokenAt']): AuditChainResult => ({
    ok: !brokenAt,
    checked,
    anchorSeq,
    headHash: head.last_hash,
    brokenAt,
  });
  for (let after = anchorSeq; ;) {
    const n = base.params.length;
    const rows = await tx.query<CanonicalRow>(
      `SELECT ${CANONICAL_COLUMNS} ${base.sql} AND seq > $${n + 1} ORDER BY seq LIMIT ${VERIFY_BATCH}`,
      [...base.params, after],
    );
    for (const r of rows) {
      const seq = Number(r.chain_seq);
      const broken = (kind: AuditChainBreak) => result({ seq, entryId: r.row_id, kind });
      if (seq !== expected) return broken(AuditChainBreak.SEQUENCE_GAP);
      if (r.prev_hash !== prev) return broken(AuditChainBreak.PREVIOUS_HASH);
      const algorithm = r.hash_alg === AuditHashAlgorithm.SM3 ? AuditHashAlgorithm.SM3 : AuditHashAlgorithm.SHA256;
      if (!r.row_hash || linkHash(algorithm, prev, canonical(head.chain, String(seq), r)) !== r.row_hash) {
        return broken(AuditChainBreak.CONTENT_CHANGED);
      }
      prev = r.row_hash;
      expected++;
      checked++;
      last = r;
    }
    if (rows.length < VERIFY_BATCH) break;
    after = Number(rows[rows.length - 1].chain_seq);
  }
  if (BigInt(head.last_seq) !== BigInt(expected - 1) || head.last_hash !== prev) {
    return result({ seq: Number(head.last_seq), entryId: last?.row_id ?? '0', kind: AuditChainBreak.HEAD_MISMATCH });
  }
  return result(null);
}

/** The chain's policy as it stands (the head is created on first read). */
export async function chainPolicy(tx: RequestTransaction) {
  const head = await chainHead(tx);
  return {
    hashAlgorithm: head.algorithm,
    retentionDays: head.retention_days,
    sealedCount: Number(head.last_seq),
    prunedAt: head.pruned_at,
  };
}

export async function setChainPolicy(
  tx: RequestTransaction,
  policy: { hashAlgorithm?: AuditHashAlgorithm | null; retentionDays?: number | null },
): Promise<void> {
  await tx.query(`SELECT app_audit_set_policy($1, $2)`, [policy.hashAlgorithm ?? null, policy.retentionDays ?? null]);
}

/** Seals what waits, then drops the sealed prefix older than the retention; the number of rows removed. */
export async function pruneLog(tx: RequestTransaction, log: AuditLogKind, tenantId: string | null): Promise<number> {
  await sealLog(tx, log, tenantId);
  const [row] = await tx.query<{ removed: string }>(`SELECT app_audit_prune()::text AS removed`);
  return Number(row.removed);
}
