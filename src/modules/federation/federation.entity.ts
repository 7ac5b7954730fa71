import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { DateTimeScalar } from '../../graphql/scalars';

export enum TenantLinkSide {
  SUPERIOR = 'SUPERIOR',
  SUBORDINATE = 'SUBORDINATE',
}
export const tenantLinkSideLabels: Record<TenantLinkSide, string> = { SUPERIOR: '上级单位', SUBORDINATE: '下级单位' };
registerEnumType(TenantLinkSide, {
  name: 'TenantLinkSide',
  description: '在上下级关系中的一方：上级单位（发出邀请、接收报送）或下级单位（接受邀请、报送进展）',
  valuesConfig: labelled(tenantLinkSideLabels),
});

export enum TenantLinkState {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
  DECLINED = 'DECLINED',
  ENDED = 'ENDED',
}
export const tenantLinkStateLabels: Record<TenantLinkState, string> = {
  PENDING: '待答复',
  ACTIVE: '有效',
  DECLINED: '已谢绝',
  ENDED: '已解除',
};
registerEnumType(TenantLinkState, {
  name: 'TenantLinkState',
  description: '上下级关系的状态：待答复、有效、已谢绝、已解除',
  valuesConfig: labelled(tenantLinkStateLabels),
});

/** Another tenant as a link shows it: its slug and name, never its id or anything inside it. */
@ObjectType({ description: '关联单位：上下级关系另一方的简称和名称（不含该单位的任何数据）' })
export class LinkedTenant {
  @Field({ description: '单位简称' }) slug: string;
  @Field({ description: '单位名称' }) name: string;
}

/**
 * One party's row of a link (the other party holds the mirror row with the same id): which side this
 * tenant is on, the other tenant, and the link's state.
 */
@Entity('tenant_links')
@ObjectType({
  description:
    '上下级单位关系（从本单位看）：上级单位邀请、下级单位接受后生效，任一方可解除；一个单位可有多个上级单位。关系本身不带来任何数据，下级单位另行授权报送汇总数据',
})
export class TenantLink {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'peer_tenant_id' }) peerTenantId: string;
  @Field(() => TenantLinkSide, { description: '本单位在关系中的一方' })
  @Column('text')
  side: TenantLinkSide;
  @Field(() => TenantLinkState, { description: '状态' })
  @Column('text')
  state: TenantLinkState;
  @Field(() => DateTimeScalar, { description: '邀请时间' })
  @Column('timestamptz', { name: 'invited_at' })
  invitedAt: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: '接受或谢绝的时间' })
  @Column('timestamptz', { name: 'responded_at', nullable: true })
  respondedAt: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '解除的时间' })
  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt: Date | null;
  @Field(() => TenantLinkSide, { nullable: true, description: '由哪一方解除' })
  @Column('text', { name: 'ended_by_side', nullable: true })
  endedBySide: TenantLinkSide | null;
}

export enum FederationGrantKind {
  PROGRESS = 'PROGRESS',
  ASSESSMENT = 'ASSESSMENT',
  SUPERVISION = 'SUPERVISION',
}
export const federationGrantKindLabels: Record<FederationGrantKind, string> = {
  PROGRESS: '创建进度（按类别和按组织汇总）',
  ASSESSMENT: '年度党建目标考核汇总',
  SUPERVISION: '督查、问题和逾期整改数',
};
registerEnumType(FederationGrantKind, {
  name: 'FederationGrantKind',
  description: '下级单位授权上级单位读取的汇总数据：创建进度、年度考核汇总、督查整改统计',
  valuesConfig: labelled(federationGrantKindLabels),
});

/** A subordinate's grant of one kind of aggregates over one link (a row of the subordinate's tenant). */
@Entity('tenant_link_grants')
export class TenantLinkGrant {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'link_id' }) linkId: string;
  @PrimaryColumn('text') kind: FederationGrantKind;
  @Column('int', { nullable: true }) depth: number | null;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Column('timestamptz', { name: 'granted_at' }) grantedAt: Date;
}

export enum FrameworkAdoption {
  AS_IS = 'AS_IS',
  BASE = 'BASE',
}
export const frameworkAdoptionLabels: Record<FrameworkAdoption, string> = {
  AS_IS: '原样采用',
  BASE: '在其基础上制定本单位版本',
};
registerEnumType(FrameworkAdoption, {
  name: 'FrameworkAdoption',
  description:
    '下级单位如何采用上级下发的框架：原样采用，或在其基础上制定本单位版本（可增加指标、提高标准，不得删减、降低或改写上级的条目）',
  valuesConfig: labelled(frameworkAdoptionLabels),
});

/** A framework version a superior handed down: its document, in the receiving tenant. */
@Entity('handed_down_frameworks')
@ObjectType({ description: '上级下发的考评框架：上级单位已发布的一个版本（原文），由本单位原样采用或在其基础上制定本单位版本' })
export class HandedDownFramework {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'link_id' }) linkId: string;
  @Field({ description: '框架代码' }) @Column('text') code: string;
  @Field({ description: '框架名称' }) @Column('text') name: string;
  @Column('jsonb') document: unknown;
  @Field(() => DateTimeScalar, { description: '下发时间' })
  @Column('timestamptz', { name: 'handed_at' })
  handedAt: Date;
  @Field(() => FrameworkAdoption, { nullable: true, description: '采用方式（未采用为空）' })
  @Column('text', { name: 'adopted_as', nullable: true })
  adoptedAs: FrameworkAdoption | null;
  @Column('uuid', { name: 'adopted_version_id', nullable: true }) adoptedVersionId: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '采用时间' })
  @Column('timestamptz', { name: 'adopted_at', nullable: true })
  adoptedAt: Date | null;
}
