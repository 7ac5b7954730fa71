import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

export enum OrgKind {
  COMMITTEE = 'COMMITTEE',
  GENERAL_BRANCH = 'GENERAL_BRANCH',
  BRANCH = 'BRANCH',
}
export const orgKindLabels: Record<OrgKind, string> = { COMMITTEE: '党委', GENERAL_BRANCH: '党总支', BRANCH: '党支部' };

export enum OrgCategory {
  ORGAN = 'ORGAN',
  INSTITUTION = 'INSTITUTION',
  ENTERPRISE = 'ENTERPRISE',
}
export const orgCategoryLabels: Record<OrgCategory, string> = { ORGAN: '机关', INSTITUTION: '事业', ENTERPRISE: '企业' };

registerEnumType(OrgKind, { name: 'OrgKind', description: '党组织类型', valuesConfig: labelled(orgKindLabels) });
registerEnumType(OrgCategory, { name: 'OrgCategory', description: '单位类别', valuesConfig: labelled(orgCategoryLabels) });

/** The ltree label of an org: its uuid without dashes (PostgreSQL 15 labels allow only [A-Za-z0-9_]). */
export const pathLabel = (id: string) => id.replace(/-/g, '');

/**
 * The deepest an org may sit: levels from the tenant's root (the root is level 1, `depth` = nlevel(path)).
 * A real 党组织 tree has 5 levels (局党委 → 直属党委 → 党委/党总支 → 党总支/党支部 → 党支部); 16 leaves room
 * for any reorganisation and stays far below what the tree's indexes take: each level adds a 33-character
 * ltree label, and a path of about 80 levels no longer fits a btree entry (PostgreSQL error 54000). Held by
 * createOrg, moveOrg (the moved subtree's deepest org) and the org import (each row, before it is indexed).
 */
export const MAX_ORG_DEPTH = 16;

@Entity('orgs')
@ObjectType({ implements: Node, description: '党组织：本单位组织体系中的一个党委、党总支或党支部；上级服务和督促下级' })
export class Org {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId: string;

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId: string | null;

  @Field({ description: '组织名称' })
  @Column()
  name: string;

  @Field(() => OrgKind, { description: '组织类型' })
  @Column('text')
  kind: OrgKind;

  @Field(() => OrgCategory, { description: '单位类别' })
  @Column('text')
  category: OrgCategory;

  /** Materialized path of uuid labels from the root; subtree reads are ranges on `path_key` (leakproof, indexed). */
  @Column('ltree')
  path: string;

  @Field(() => Int, { description: '层级：根组织为 1' })
  @Column({ type: 'int', insert: false, update: false })
  depth: number;

  @Field(() => DateTimeScalar, { nullable: true, description: '撤销时间；未撤销为空' })
  @Column('timestamptz', { name: 'archived_at', nullable: true })
  archivedAt: Date | null;

  @Field(() => DateScalar, {
    nullable: true,
    description: '成立日期：此前已到期的创建活动节点不要求其提交；作为已有组织录入的为空（须提交全部节点）',
  })
  @Column('date', { name: 'established_on', nullable: true })
  establishedOn: string | null;

  @Field(() => DateTimeScalar, { description: '录入时间' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
