import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { labelled } from '../../graphql/enum-labels';
import { LedgerCategory } from '../ledger/ledger.entity';
import { ScoringType } from './pass-rule';

/**
 * 一次录入，多处使用: a COUNT or BOOLEAN criterion may be bound to records the platform already holds,
 * so that `prefillEvaluation` counts them instead of someone typing the figure in again. A binding is
 * data of the framework version (criteria.source, and `source:` in the YAML/JSON document): edited
 * while the version is a DRAFT, immutable once published.
 */
export enum CriterionSourceKind {
  /** 结对联系: pairings of the org's people in difficulty with at least one visit in the period. */
  PAIRING_VISITS = 'PAIRING_VISITS',
  /** 承诺践诺: the org's commitments fulfilled in the period. */
  FULFILLED_COMMITMENTS = 'FULFILLED_COMMITMENTS',
  /** 管理台帐: the org's ledger entries in the period (of one category, when the binding names it). */
  LEDGER_ENTRIES = 'LEDGER_ENTRIES',
  /** 简报信息: the org's briefings published in the period. */
  BRIEFINGS_PUBLISHED = 'BRIEFINGS_PUBLISHED',
  /** 上级服务下级: service requests to the org answered within their time limit in the period. */
  SERVICE_REQUESTS_ANSWERED = 'SERVICE_REQUESTS_ANSWERED',
  /** 党员学雷锋车队、爱心车队: service records of the org's own service teams in the period. */
  SERVICE_TEAM_RECORDS = 'SERVICE_TEAM_RECORDS',
  /** 群众评议: the satisfied share of the org's public reviews (a PERCENT criterion; as fillScoreFromSatisfaction). */
  PUBLIC_SATISFACTION = 'PUBLIC_SATISFACTION',
}

export const criterionSourceKindLabels: Record<CriterionSourceKind, string> = {
  PAIRING_VISITS: '结对帮扶（期内有走访）',
  FULFILLED_COMMITMENTS: '已践诺的承诺',
  LEDGER_ENTRIES: '管理台帐',
  BRIEFINGS_PUBLISHED: '已报送的简报',
  SERVICE_REQUESTS_ANSWERED: '按时答复的服务请求',
  SERVICE_TEAM_RECORDS: '服务队伍的服务记录',
  PUBLIC_SATISFACTION: '群众评议满意率',
};

registerEnumType(CriterionSourceKind, {
  name: 'CriterionSourceKind',
  description: '指标的数据来源：平台中已有的记录，预填考评时自动统计',
  valuesConfig: labelled(criterionSourceKindLabels),
});

/** A binding as stored (criteria.source) and as the document format writes it. */
export interface CriterionSource {
  kind: CriterionSourceKind;
  /** LEDGER_ENTRIES only: count entries of this category alone. */
  ledgerCategory?: LedgerCategory | null;
}

/** The scoring types a source can fill: counts fill COUNT (the number) or BOOLEAN (any at all); satisfaction fills PERCENT. */
export function sourceFits(kind: CriterionSourceKind, scoringType: ScoringType | null): boolean {
  if (kind === CriterionSourceKind.PUBLIC_SATISFACTION) return scoringType === ScoringType.PERCENT;
  return scoringType === ScoringType.COUNT || scoringType === ScoringType.BOOLEAN;
}

/** A binding in its stored shape (keys in a fixed order, no empty options), or null for none. */
export function normalizeSource(source: CriterionSource | null | undefined): CriterionSource | null {
  if (!source) return null;
  return {
    kind: source.kind,
    ...(source.kind === CriterionSourceKind.LEDGER_ENTRIES && source.ledgerCategory ? { ledgerCategory: source.ledgerCategory } : {}),
  };
}

@ObjectType({ description: '指标的数据来源：预填考评时按它统计平台中已有的记录' })
export class CriterionSourceType {
  @Field(() => CriterionSourceKind, { description: '来源类型' }) kind: CriterionSourceKind;
  @Field(() => LedgerCategory, { nullable: true, description: '只统计此类别的管理台帐（来源为管理台帐时）' })
  ledgerCategory?: LedgerCategory | null;
}

@InputType({ description: '指标的数据来源（仅计数型、是否型指标可绑定记录数；群众评议满意率绑定百分比型指标）' })
export class CriterionSourceInput {
  @Field(() => CriterionSourceKind, { description: '来源类型' }) kind: CriterionSourceKind;
  @Field(() => LedgerCategory, { nullable: true, description: '只统计此类别的管理台帐（仅来源为管理台帐时可填）' })
  ledgerCategory?: LedgerCategory | null;
}
