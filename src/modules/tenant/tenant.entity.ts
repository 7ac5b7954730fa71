import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';

@Entity('tenants')
@ObjectType({ implements: Node, description: '单位（机关/局）：共用本平台的一个机关或局，各单位的数据彼此隔离' })
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: '单位简称：登录时填写，如 jtj' })
  @Column()
  slug: string;

  @Field({ description: '单位名称' })
  @Column()
  name: string;

  @Column('jsonb', { default: {} })
  settings: Record<string, unknown>;

  @Field(() => DateTimeScalar, { description: '开通时间' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
