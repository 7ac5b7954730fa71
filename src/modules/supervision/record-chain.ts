import { createHash } from 'node:crypto';
import { RequestTransaction } from '../../db/request-transaction';
import { attachedContents } from '../file/file.service';
import { ChainBreak } from './supervision.entity';

/**
 * Finalized inspections form one hash chain per tenant: each record's hash covers its canonical
 * content and the previous record's hash, so changing any finalized row (even past the triggers, as a
 * superuser could) breaks the link that `verifyRecords` recomputes.
 */
export const genesisHash = (tenantId: string) => sha256(`genesis:${tenantId}`);
export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
export const linkHash = (prevHash: string, content: string) => sha256(`${prevHash}\n${content}`);

interface InspectionRow {
  id: string;
  team_id: string;
  org_id: string;
  campaign_id: string | null;
  inspected_on: string;
  methods: string[];
  summary: string;
  evaluation_id: string | null;
  amends_id: string | null;
  amendment_reason: string | null;
  finalized_by: string | null;
  finalized_at: Date | null;
  chain_seq: string | null;
}
interface FindingRow {
  inspection_id: string;
  id: string;
  position: number;
  severity: string;
  description: string;
  criterion_id: string | null;
  rectify_org_id: string | null;
  rectify_due_on: string | null;
  carried_from_id: string | null;
  withdrawn_reason: string | null;
}
interface FollowUpRow {
  inspection_id: string;
  finding_id: string;
  fixed: boolean | null;
  note: string | null;
}
interface ScoreRow {
  inspection_id: string;
  criterion_id: string;
  value: string;
}

/** The content of finalized inspections, loaded in four statements and serialized with a fixed key order. */
export async function canonicalContents(tx: RequestTransaction, tenantId: string, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const [inspections, findings, followUps, scores] = await Promise.all([
    tx.query<InspectionRow>(
      `SELECT id, team_id, org_id, campaign_id, inspected_on::text AS inspected_on, methods, summary, evaluation_id, amends_id, amendment_reason,
              finalized_by, finalized_at, chain_seq::text AS chain_seq
         FROM inspections WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, ids],
    ),
    tx.query<FindingRow>(
      `SELECT inspection_id, id, position, severity, description, criterion_id, rectify_org_id, rectify_due_on::text AS rectify_due_on, carried_from_id, withdrawn_reason
         FROM findings WHERE tenant_id = $1 AND inspection_id = ANY($2::uuid[]) ORDER BY inspection_id, position, id`,
      [tenantId, ids],
    ),
    tx.query<FollowUpRow>(
      `SELECT inspection_id, finding_id, fixed, note FROM follow_up_checks WHERE tenant_id = $1 AND inspection_id = ANY($2::uuid[]) ORDER BY inspection_id, finding_id`,
      [tenantId, ids],
    ),
    tx.query<ScoreRow>(
      `SELECT i.id AS inspection_id, s.criterion_id, s.value::text AS value
         FROM inspections i JOIN evaluation_scores s ON s.tenant_id = i.tenant_id AND s.evaluation_id = i.evaluation_id
        WHERE i.tenant_id = $1 AND i.id = ANY($2::uuid[]) ORDER BY i.id, s.criterion_id`,
      [tenantId, ids],
    ),
  ]);
  // Evidence files of the record and of its findings: their bytes' hashes recomputed from the stored rows.
  const files = await attachedContents(tx, tenantId, [
    { recordType: 'Inspection', recordIds: inspections.map((i) => i.id) },
    { recordType: 'Finding', recordIds: findings.map((x) => x.id) },
  ]);
  const inspectionOfFinding = new Map(findings.map((x) => [x.id, x.inspection_id]));
  const filesOf = new Map<string, string[][]>();
  for (const file of files) {
    const owner = file.recordType === 'Inspection' ? file.recordId : inspectionOfFinding.get(file.recordId);
    if (!owner) continue;
    filesOf.set(owner, [...(filesOf.get(owner) ?? []), [file.recordType, file.recordId, file.fileId, file.name, file.sha256]]);
  }
  const group = <T extends { inspection_id: string }>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const row of rows) map.set(row.inspection_id, [...(map.get(row.inspection_id) ?? []), row]);
    return map;
  };
  const f = group(findings);
  const u = group(followUps);
  const s = group(scores);
  const out = new Map<string, string>();
  for (const i of inspections) {
    out.set(
      i.id,
      JSON.stringify({
        id: i.id,
        seq: i.chain_seq,
        team: i.team_id,
        org: i.org_id,
        campaign: i.campaign_id,
        inspectedOn: i.inspected_on,
        methods: i.methods,
        summary: i.summary,
        evaluation: i.evaluation_id,
        amends: i.amends_id,
        amendmentReason: i.amendment_reason,
        finalizedBy: i.finalized_by,
        finalizedAt: i.finalized_at ? new Date(i.finalized_at).toISOString() : null,
        // A carried-over or withdrawn finding appends its link and reason; a plain one keeps the original
        // seven fields, so records finalized before amendments carried findings hash as they did.
        findings: (f.get(i.id) ?? []).map((x) => [
          x.id,
          x.position,
          x.severity,
          x.description,
          x.criterion_id,
          x.rectify_org_id,
          x.rectify_due_on,
          ...(x.carried_from_id || x.withdrawn_reason ? [x.carried_from_id, x.withdrawn_reason] : []),
        ]),
        followUps: (u.get(i.id) ?? []).map((x) => [x.finding_id, x.fixed, x.note]),
        scores: (s.get(i.id) ?? []).map((x) => [x.criterion_id, x.value]),
        // Evidence files (of the record and its findings) as [type, record, file, name, sha256]: only a
        // record with files has the key, so records finalized before files could be attached hash as they did.
        ...(filesOf.has(i.id) ? { files: filesOf.get(i.id) } : {}),
      }),
    );
  }
  return out;
}

/** The content of one finalized (or being finalized) inspection; it is read in the same transaction that holds it. */
export async function canonicalContent(tx: RequestTransaction, tenantId: string, id: string): Promise<string> {
  const content = (await canonicalContents(tx, tenantId, [id])).get(id);
  if (content === undefined) throw new Error(`Inspection ${id} has no content to hash`);
  return content;
}

/** What verifyRecords answers: the records checked, and the first broken link (null when the chain holds). */
export interface ChainVerification {
  ok: boolean;
  checked: number;
  brokenAt: { seq: number; inspectionId: string; kind: ChainBreak; expectedSeq: number | null } | null;
}

/**
 * Recomputes every finalized record's hash of `tenantId` in chain order and reports the first broken
 * link. The chain starts at the tenant's genesis: the one kept with its head when the tenant was
 * restored under a new id (record_chains.genesis_hash), else sha256('genesis:' || tenant id).
 */
export async function verifyChain(tx: RequestTransaction, tenantId: string): Promise<ChainVerification> {
  // The head first, then the records up to it: each statement reads its own snapshot, and a record finalized
  // between the two (the head and the record move together) lies past the head read, so it is not taken for
  // a chain longer than its head. Without a head every finalized record is read (and is a mismatch).
  const [head] = await tx.query<{ seq: number; last_hash: string; genesis_hash: string | null }>(
    `SELECT last_seq::int AS seq, last_hash, genesis_hash FROM record_chains WHERE tenant_id = $1`,
    [tenantId],
  );
  const records = await tx.query<{ id: string; seq: number; prev_hash: string; record_hash: string }>(
    `SELECT id, chain_seq::int AS seq, prev_hash, record_hash FROM inspections
      WHERE tenant_id = $1 AND state = 'FINALIZED' AND ($2::bigint IS NULL OR chain_seq <= $2::bigint) ORDER BY chain_seq`,
    [tenantId, head?.seq ?? null],
  );
  let prev = head?.genesis_hash ?? genesisHash(tenantId);
  const BATCH = 500;
  for (let start = 0; start < records.length; start += BATCH) {
    const batch = records.slice(start, start + BATCH);
    const contents = await canonicalContents(
      tx,
      tenantId,
      batch.map((r) => r.id),
    );
    for (const [i, r] of batch.entries()) {
      const expectedSeq = start + i + 1;
      const broken = (kind: ChainBreak): ChainVerification => ({
        ok: false,
        checked: start + i,
        brokenAt: { seq: r.seq, inspectionId: r.id, kind, expectedSeq: kind === ChainBreak.SEQUENCE_GAP ? expectedSeq : null },
      });
      if (r.seq !== expectedSeq) return broken(ChainBreak.SEQUENCE_GAP);
      if (r.prev_hash !== prev) return broken(ChainBreak.PREVIOUS_HASH);
      // a record without content to hash (none: it was read in this transaction) cannot match its hash
      if (linkHash(prev, contents.get(r.id) ?? '') !== r.record_hash) return broken(ChainBreak.CONTENT_CHANGED);
      prev = r.record_hash;
    }
  }
  if (records.length && (!head || head.seq !== records.length || head.last_hash !== prev)) {
    const last = records[records.length - 1];
    return {
      ok: false,
      checked: records.length,
      brokenAt: { seq: last.seq, inspectionId: last.id, kind: ChainBreak.HEAD_MISMATCH, expectedSeq: null },
    };
  }
  return { ok: true, checked: records.length, brokenAt: null };
}
