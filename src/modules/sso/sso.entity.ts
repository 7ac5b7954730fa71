import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateTimeScalar } from '../../graphql/scalars';

@Entity('sso_providers')
@ObjectType({ description: '本单位的统一身份认证（OpenID Connect）设置；客户端密钥只写不读' })
export class SsoProvider {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Field({ description: '是否启用单点登录' }) @Column() enabled: boolean;
  @Field({ description: '认证平台的签发者地址（issuer），其 /.well-known/openid-configuration 须可访问' }) @Column() issuer: string;
  @Field({ description: '在认证平台登记的客户端编号（client_id）' }) @Column({ name: 'client_id' }) clientId: string;
  @Field({
    description: '在认证平台登记的回调地址（redirect_uri），形如 https://平台地址/sso/单位代码/callback',
  })
  @Column({ name: 'redirect_uri' })
  redirectUri: string;
  @Field({ description: '登录完成后浏览器回到的前端页面；一次性登录凭据放在其 # 之后（ssoCode=…），失败时为 ssoError=原因代码' })
  @Column({ name: 'return_url' })
  returnUrl: string;
  @Field(() => String, {
    nullable: true,
    description:
      '用于首次登录时自动关联的声明（claim）名，如 employee_number、phone_number，其值须等于本单位的用户名；为空则只认管理员关联的身份',
  })
  @Column('text', { name: 'match_claim', nullable: true })
  matchClaim: string | null;
  @Field(() => DateTimeScalar, { description: '最近修改时间' }) @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}

@Entity('sso_identities')
export class SsoIdentity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'provider_id' }) providerId: string;
  @PrimaryColumn('text') subject: string;
  @Column('uuid', { name: 'user_id' }) userId: string;
  @Column('uuid', { name: 'linked_by', nullable: true }) linkedBy: string | null;
  @Column('timestamptz', { name: 'linked_at' }) linkedAt: Date;
}
