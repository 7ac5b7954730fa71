import { RequestTransaction } from '../../db/request-transaction';

/**
 * The three kinds every tenant starts with (the source's 党员示范岗, 党员示范窗口 and 重点培育, 1–3 per
 * category, named after a 公示). Imports nothing from the module, so tenant provisioning can call it.
 */
export const DEFAULT_EXEMPLAR_KINDS = [
  {
    code: 'MODEL_POST',
    name: '党员示范岗',
    subject: 'POST',
    directOrgsOnly: false,
    description: '选树“党员示范岗”典型进行宣传推广',
  },
  {
    code: 'MODEL_WINDOW',
    name: '党员示范窗口',
    subject: 'WINDOW',
    directOrgsOnly: false,
    description: '选树“党员示范窗口”典型进行宣传推广',
  },
  {
    code: 'KEY_ORG',
    name: '重点培育直属党组织',
    subject: 'ORG',
    directOrgsOnly: true,
    description: '按照机关、事业、企业的分类，筛选1-3个直属党组织进行重点培育',
  },
] as const;

/** The source's "1–3 per category" for the default kinds. */
export const DEFAULT_KIND_LIMITS = { min: 1, max: 3, default: 3 };

/** Gives a new tenant its three default kinds (in its provisioning transaction, scoped to the tenant). */
export async function insertDefaultExemplarKinds(tx: RequestTransaction, tenantId: string): Promise<void> {
  await tx.execute(
    `INSERT INTO exemplar_kinds (tenant_id, code, name, subject, direct_orgs_only, limit_min, limit_max, limit_default, needs_public_notice, description, position, built_in)
     SELECT $1, k.code, k.name, k.subject, k.direct, $5, $6, $7, true, k.description, k.position, true
       FROM unnest($2::text[], $3::text[], $4::text[], $8::boolean[], $9::text[]) WITH ORDINALITY AS k(code, name, subject, direct, description, position)`,
    [
      tenantId,
      DEFAULT_EXEMPLAR_KINDS.map((k) => k.code),
      DEFAULT_EXEMPLAR_KINDS.map((k) => k.name),
      DEFAULT_EXEMPLAR_KINDS.map((k) => k.subject),
      DEFAULT_KIND_LIMITS.min,
      DEFAULT_KIND_LIMITS.max,
      DEFAULT_KIND_LIMITS.default,
      DEFAULT_EXEMPLAR_KINDS.map((k) => k.directOrgsOnly),
      DEFAULT_EXEMPLAR_KINDS.map((k) => k.description),
    ],
  );
}
