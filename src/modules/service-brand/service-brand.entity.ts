import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { labelled } from '../../graphql/enum-labels';
import { Org } from '../org/org.entity';

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
registerEnumType(ServiceStandardAspect, {
  name: 'ServiceStandardAspect',
  description: '服务标准所属的方面（方案二：服务内容明确化、流程标准化、工作规范化、典型示范化、项目品牌化）',
  valuesConfig: labelled(serviceStandardAspectLabels),
});

@Entity('service_brands')
@ObjectType({ implements: Node, description: '服务品牌（如“彩虹坦途”“情溢旅途”）：一个党组织的服务品牌及其服务标准' })
export class ServiceBrand {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field({ description: '品牌名称（同一组织内不重复）' }) @Column() name: string;
  @Field({ description: '品牌口号' }) @Column() slogan: string;
  @Field({ description: '品牌介绍' }) @Column() description: string;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '创建时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
  /** The brand's org, when a list joined it for its tree order (not a column). */
  listedOrg?: Org;
}

@Entity('service_standards')
@ObjectType({ description: '服务标准：服务品牌的一条标准' })
export class ServiceStandard {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'brand_id' }) brandId: string;
  @Field(() => Int, { description: '序号（1, 2, …，品牌内的顺序）' }) @PrimaryColumn('int') position: number;
  @Field({ description: '标题' }) @Column() title: string;
  @Field({ description: '内容' }) @Column() content: string;
  @Field(() => ServiceStandardAspect, { description: '所属方面' }) @Column('text') aspect: ServiceStandardAspect;
  @Field(() => String, { nullable: true, description: '所属方面的文字说明（选“其他”时必填）' })
  @Column('text', { name: 'aspect_text', nullable: true })
  aspectText: string | null;
}
