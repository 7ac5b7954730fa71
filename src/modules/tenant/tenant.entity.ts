import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';

@Entity('tenants')
@ObjectType({ implements: Node, description: '一个机关/局: an agency sharing the deployment.' })
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Short name used at sign-in, e.g. jtj.' })
  @Column()
  slug: string;

  @Field()
  @Column()
  name: string;

  @Column('jsonb', { default: {} })
  settings: Record<string, unknown>;

  @Field(() => DateTimeScalar)
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
