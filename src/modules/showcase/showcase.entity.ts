import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';

/** The records an org may put in the public showcase (舆论引导: 网站、《交通报》专题、专栏). */
export enum ShowcaseSource {
  BRIEFING = 'BRIEFING',
  EXEMPLAR = 'EXEMPLAR',
  SERVICE_BRAND = 'SERVICE_BRAND',
  COMMITMENT = 'COMMITMENT',
  INNOVATION_PROJECT = 'INNOVATION_PROJECT',
  SERVICE_TEAM = 'SERVICE_TEAM',
  SERVICE_RECORD = 'SERVICE_RECORD',
}
export const showcaseSourceLabels: Record<ShowcaseSource, string> = {
  BRIEFING: '简报信息',
  EXEMPLAR: '选树典型',
  SERVICE_BRAND: '服务品牌',
  COMMITMENT: '承诺践诺',
  INNOVATION_PROJECT: '“多彩服务”党建创新',
  SERVICE_TEAM: '服务队伍',
  SERVICE_RECORD: '志愿服务',
};
registerEnumType(ShowcaseSource, {
  name: 'ShowcaseSource',
  description: '公开展示的内容来源：已报送的简报、已命名的典型、服务品牌、已践诺的承诺、获奖的创新项目、服务队伍或一次志愿服务',
  valuesConfig: labelled(showcaseSourceLabels),
});

export enum ShowcaseState {
  PROPOSED = 'PROPOSED',
  PUBLISHED = 'PUBLISHED',
  REJECTED = 'REJECTED',
  WITHDRAWN = 'WITHDRAWN',
}
export const showcaseStateLabels: Record<ShowcaseState, string> = {
  PROPOSED: '待审核',
  PUBLISHED: '已公开',
  REJECTED: '未通过',
  WITHDRAWN: '已撤下',
};
registerEnumType(ShowcaseState, {
  name: 'ShowcaseState',
  description: '公开展示的状态：待审核 → 已公开（出现在公开专栏）或未通过；已公开或待审核的可撤下',
  valuesConfig: labelled(showcaseStateLabels),
});

@Entity('showcase_items')
@ObjectType({
  implements: Node,
  description:
    '公开展示（舆论引导）：组织把一项记录（简报、典型、服务品牌、承诺、创新项目、服务队伍或服务）提交公开，经本单位管理员审核后出现在无需登录的公开专栏；内容以提交时的文字为准，不含个人联系方式',
})
export class ShowcaseItem {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => ShowcaseSource, { description: '内容来源' }) @Column('text', { name: 'source_type' }) sourceType: ShowcaseSource;
  @Column('uuid', { name: 'source_id' }) sourceId: string;
  @Field({ description: '栏目（如党员示范窗口、服务品牌、简报信息）' }) @Column() category: string;
  @Field({ description: '标题（公开的文字）' }) @Column() title: string;
  @Field({ description: '摘要（公开的文字）' }) @Column() summary: string;
  @Field({ description: '正文（公开的文字，纯文本）' }) @Column() body: string;
  @Field(() => ShowcaseState, { description: '状态' }) @Column('text') state: ShowcaseState;
  @Column('uuid', { name: 'proposed_by' }) proposedBy: string;
  @Field(() => DateTimeScalar, { description: '提交时间' }) @Column('timestamptz', { name: 'proposed_at' }) proposedAt: Date;
  @Column('uuid', { name: 'reviewed_by', nullable: true }) reviewedBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '审核时间；未审核为空' })
  @Column('timestamptz', { name: 'reviewed_at', nullable: true })
  reviewedAt: Date | null;
  @Field(() => String, { nullable: true, description: '审核意见（未通过时为理由）' })
  @Column('text', { name: 'review_note', nullable: true })
  reviewNote: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '公开时间（公开专栏按此排序）；未公开为空' })
  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;
  @Column('uuid', { name: 'withdrawn_by', nullable: true }) withdrawnBy: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '撤下时间；未撤下为空' })
  @Column('timestamptz', { name: 'withdrawn_at', nullable: true })
  withdrawnAt: Date | null;
  @Field(() => String, { nullable: true, description: '撤下理由' })
  @Column('text', { name: 'withdraw_reason', nullable: true })
  withdrawReason: string | null;
}
