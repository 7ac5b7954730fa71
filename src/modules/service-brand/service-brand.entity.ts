import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';

/** 二: 把服务内容明确化、服务流程标准化、服务工作规范化、服务典型示范化、服务项目品牌化. */
export enum ServiceStandardAspect {
  CONTENT_DEFINED = 'CONTENT_DEFINED',
  PROCESS_STANDARDIZED = 'PROCESS_STANDARDIZED',
  WORK_REGULATED = 'WORK_REGULATED',
  EXEMPLAR_DEMONSTRATED = 'EXEMPLAR_DEMONSTRATED',
  PROJECT_BRANDED = 'PROJECT_BRANDED',
  OTHER = 'OTHER',
}
export const serviceStandardAspectLabels: Record<ServiceStandardAspect, string> = {
  CONTENT_DEFINED: '服务内容明确化',
  PROCESS_STANDARDIZED: '服务流程标准化',
  WORK_REGULATED: '服务工作规范化',
  EXEMPLAR_DEMONSTRATED: '服务典型示范化',
  PROJECT_BRANDED: '服务项目品牌化',
  OTHER: '其他（见 aspectText）',
};
registerEnumType(ServiceStandardAspect, { name: 'ServiceStandardAspect', valuesConfig: labelled(serviceStandardAspectLabels) });

@Entity('service_brands')
@ObjectType({ implements: Node, description: '服务品牌 (彩虹坦途, 情溢旅途, …): an org’s service brand with its service standards.' })
export class ServiceBrand {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field() @Column() name: string;
  @Field() @Column() slogan: string;
  @Field() @Column() description: string;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar) @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity('service_standards')
@ObjectType({ description: 'A service standard of a brand (服务标准).' })
export class ServiceStandard {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'brand_id' }) brandId: string;
  @Field(() => Int, { description: '1, 2, … in the brand’s order.' }) @PrimaryColumn('int') position: number;
  @Field() @Column() title: string;
  @Field() @Column() content: string;
  @Field(() => ServiceStandardAspect) @Column('text') aspect: ServiceStandardAspect;
  @Field(() => String, { nullable: true, description: 'The aspect in words, when OTHER.' })
  @Column('text', { name: 'aspect_text', nullable: true })
  aspectText: string | null;
}
