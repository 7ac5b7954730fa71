import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';

@Entity('link_codes')
@ObjectType({
  implements: Node,
  description:
    '评议二维码：服务窗口张贴的二维码所含的随机码（128 位），群众无需账号即可据此评议组织（群众评议）、评价承诺（评诺）或反映意见（民意收集）',
})
export class LinkCode {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryGeneratedColumn('uuid') id: string;
  @Field({ description: '码值（打印它，或打印 url）' }) @Column() code: string;
  @Column('uuid', { name: 'org_id' }) orgId: string;
  @Column('uuid', { name: 'campaign_id', nullable: true }) campaignId: string | null;
  @Column('uuid', { name: 'commitment_id', nullable: true }) commitmentId: string | null;
  @Field({ description: '张贴位置或用途，如“一号服务窗口”' }) @Column() label: string;
  @Field({ description: '是否已停用：停用后群众扫码得到 NOT_FOUND' }) @Column() disabled: boolean;
  @Field(() => DateTimeScalar, { nullable: true, description: '停用时间；未停用为空' })
  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt: Date | null;
  @Column('uuid', { name: 'disabled_by', nullable: true }) disabledBy: string | null;
  @Column('uuid', { name: 'created_by' }) createdBy: string;
  @Field(() => DateTimeScalar, { description: '生成时间' }) @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
