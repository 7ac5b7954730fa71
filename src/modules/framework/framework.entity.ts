import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numeric } from '../../graphql/numeric';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { PassRule, ScoringType } from './pass-rule';

export enum VersionStatus {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
  RETIRED = 'RETIRED',
}
registerEnumType(VersionStatus, {
  name: 'VersionStatus',
  valuesConfig: {
    DRAFT: { description: '草稿: editable' },
    PUBLISHED: { description: '已发布: immutable; campaigns bind to it' },
    RETIRED: { description: '已停用: superseded by a newer published version' },
  },
});

@Entity('frameworks')
@ObjectType({ implements: Node, description: 'A tenant’s criteria set (四强四有, 五强五化, or its own), in versions.' })
export class Framework {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field() @Column() code: string;
  @Field() @Column() name: string;
  @Field() @Column() description: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('framework_versions')
@ObjectType({ implements: Node, description: 'One version of a framework: its criteria tree and pass rule.' })
export class FrameworkVersion {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'framework_id' }) frameworkId: string;
  @Field(() => Int) @Column('int') number: number;
  @Field(() => VersionStatus) @Column('text') status: VersionStatus;
  @Field(() => PassRule) @Column('jsonb') rule: PassRule;
  @Column('uuid', { name: 'created_from_id', nullable: true }) createdFromId: string | null;
  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar) @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity('criteria')
@ObjectType({ implements: Node, description: 'A node of the criteria tree: dimension → indicator → item.' })
export class Criterion {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'version_id' }) versionId: string;
  @Column('uuid', { name: 'parent_id', nullable: true }) parentId: string | null;
  @Field() @Column() code: string;
  @Field() @Column() title: string;
  @Field() @Column() guidance: string;
  @Field(() => Int) @Column('int') position: number;
  @Field(() => Float) @Column('numeric', { transformer: numeric }) weight: number;
  @Field(() => Float, { nullable: true, description: 'Input scale of a leaf; bonus leaves score up to this many points.' })
  @Column('numeric', { name: 'max_score', nullable: true, transformer: numeric })
  maxScore: number | null;
  @Field(() => ScoringType, { nullable: true }) @Column('text', { name: 'scoring_type', nullable: true }) scoringType: ScoringType | null;
  @Field(() => Float, { nullable: true, description: 'COUNT: the count that scores full marks.' })
  @Column('numeric', { nullable: true, transformer: numeric })
  target: number | null;
  @Field(() => Float, { nullable: true, description: 'DEDUCTION: points taken off per occurrence.' })
  @Column('numeric', { name: 'deduction_per', nullable: true, transformer: numeric })
  deductionPer: number | null;
  @Field({ description: '加分项' }) @Column({ name: 'is_bonus' }) isBonus: boolean;
  @Field({ description: '一票否决' }) @Column({ name: 'is_veto' }) isVeto: boolean;
  @Field() @Column({ name: 'evidence_required' }) evidenceRequired: boolean;
}
