import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { labelled } from '../../graphql/enum-labels';
import { numeric } from '../../graphql/numeric';
import { Node } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';

/** What a service is: the source's 助残、助学、助老、拥军 and 预约上门、绿色通道, or something else named. */
export enum ServiceKind {
  DISABLED_ASSIST = 'DISABLED_ASSIST',
  STUDENT_AID = 'STUDENT_AID',
  ELDERLY_CARE = 'ELDERLY_CARE',
  MILITARY_SUPPORT = 'MILITARY_SUPPORT',
  HOME_VISIT = 'HOME_VISIT',
  GREEN_CHANNEL = 'GREEN_CHANNEL',
  OTHER = 'OTHER',
}
export const serviceKindLabels: Record<ServiceKind, string> = {
  DISABLED_ASSIST: '助残',
  STUDENT_AID: '助学',
  ELDERLY_CARE: '助老',
  MILITARY_SUPPORT: '拥军',
  HOME_VISIT: '预约上门',
  GREEN_CHANNEL: '绿色通道',
  OTHER: '其他',
};
registerEnumType(ServiceKind, {
  name: 'ServiceKind',
  description: '服务类别：助残、助学、助老、拥军、预约上门、绿色通道或其他',
  valuesConfig: labelled(serviceKindLabels),
});

export enum ServiceTeamRole {
  CAPTAIN = 'CAPTAIN',
  MEMBER = 'MEMBER',
}
export const serviceTeamRoleLabels: Record<ServiceTeamRole, string> = { CAPTAIN: '队长', MEMBER: '队员' };
registerEnumType(ServiceTeamRole, {
  name: 'ServiceTeamRole',
  description: '队内职务：队长或队员',
  valuesConfig: labelled(serviceTeamRoleLabels),
});

@Entity('service_teams')
@ObjectType({
  implements: Node,
  description: '服务队伍：党组织组建的党员服务队（如党员学雷锋车队、党员爱心车队），开展助残、助学、助老、拥军等爱心服务',
})
export class ServiceTeam {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field({ description: '队伍名称（同一组织内在用的不重复）' }) @Column() name: string;
  @Field({ description: '队伍简介' }) @Column() description: string;
  @Field(() => [ServiceKind], { description: '主要服务类别' })
  @Column('text', { name: 'service_kinds', array: true })
  serviceKinds: ServiceKind[];
  @Field(() => DateScalar, { nullable: true, description: '组建日期' }) @Column('date', { name: 'founded_on', nullable: true }) foundedOn:
    string | null;
  @Field(() => DateScalar, { nullable: true, description: '解散日期；在用为空（解散后服务记录保留）' })
  @Column('date', { name: 'disbanded_on', nullable: true })
  disbandedOn: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '录入时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity('service_team_members')
@ObjectType({ implements: Node, description: '服务队员：服务队伍的一名党员（有账号的关联其账号），记其入队、离队日期' })
export class ServiceTeamMember {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'team_id' }) teamId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'user_id', nullable: true }) userId: string | null;
  @Field({ description: '姓名' }) @Column() name: string;
  @Field(() => ServiceTeamRole, { description: '队内职务' }) @Column('text') role: ServiceTeamRole;
  @Field(() => DateScalar, { description: '入队日期' }) @Column('date', { name: 'joined_on' }) joinedOn: string;
  @Field(() => DateScalar, { nullable: true, description: '离队日期；在队为空' })
  @Column('date', { name: 'left_on', nullable: true })
  leftOn: string | null;
  @Field(() => DateTimeScalar, { description: '录入时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity('service_records')
@ObjectType({
  implements: Node,
  description: '服务记录：服务队伍的一次服务，何时、何地、为谁、什么服务、多少小时、哪些队员参加，可附佐证材料',
})
export class ServiceRecord {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'team_id' }) teamId: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Field(() => DateScalar, { description: '服务日期' }) @Column('date', { name: 'served_on' }) servedOn: string;
  @Field({ description: '服务地点' }) @Column() place: string;
  @Field({ description: '服务对象（如残疾乘客、留守儿童；勿填联系方式）' }) @Column() beneficiary: string;
  @Field(() => ServiceKind, { description: '服务类别' }) @Column('text') kind: ServiceKind;
  @Field(() => String, { nullable: true, description: '类别为“其他”时的说明' })
  @Column('text', { name: 'kind_text', nullable: true })
  kindText: string | null;
  @Field(() => Float, { description: '服务时长（小时，保留一位小数）' }) @Column('numeric', { transformer: numeric }) hours: number;
  @Field(() => Int, { description: '参加服务的队员人数（名单见 participants）' })
  @Column('int', { name: 'participants' })
  participantCount: number;
  @Field({ description: '服务内容' }) @Column() description: string;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '录入时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Field(() => DateTimeScalar, { description: '最后修改时间' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
