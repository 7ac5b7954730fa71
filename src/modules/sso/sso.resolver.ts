import { IsBoolean, Matches, MaxLength, MinLength } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AuthPayload, payload } from '../../auth/auth.resolver';
import { RequestContext } from '../../graphql/context';
import { idOf } from '../../graphql/relay';
import { User } from '../user/user.entity';
import { SsoProvider } from './sso.entity';
import { ssoService } from './sso.service';

@InputType({ description: '统一身份认证（OpenID Connect）设置；不填的项保持原值（客户端密钥不填即保留原密钥）' })
class SsoProviderInput {
  @Field(() => Boolean, { nullable: true, description: '是否启用单点登录' }) @IsBoolean() enabled?: boolean | null;
  @Field(() => String, { nullable: true, description: '认证平台的签发者地址（issuer），须为 https' }) @MaxLength(500) issuer?:
    string | null;
  @Field(() => String, { nullable: true, description: '在认证平台登记的客户端编号（client_id）' })
  @MinLength(1)
  @MaxLength(200)
  clientId?: string | null;
  @Field(() => String, { nullable: true, description: '客户端密钥（client_secret）：只写，任何查询都不返回' })
  @MinLength(1)
  @MaxLength(500)
  clientSecret?: string | null;
  @Field(() => String, { nullable: true, description: '在认证平台登记的回调地址，路径须为 /sso/单位代码/callback' })
  @MaxLength(500)
  redirectUri?: string | null;
  @Field(() => String, { nullable: true, description: '登录完成后浏览器回到的前端页面' }) @MaxLength(500) returnUrl?: string | null;
  @Field(() => String, {
    nullable: true,
    description: '首次登录时用于自动关联的声明名（其值须等于用户名），如 employee_number；填空字符串则只认管理员关联的身份',
  })
  @Matches(/^([A-Za-z_][A-Za-z0-9_.:-]{0,99})?$/)
  matchClaim?: string | null;
}

@InputType({ description: '把认证平台的用户标识关联到本单位用户' })
class LinkSsoIdentityInput {
  @Field(() => ID, { description: '本单位用户' }) userId: string;
  @Field({ description: '认证平台中该人员的标识（ID 令牌的 sub）' }) @MinLength(1) @MaxLength(255) subject: string;
}

@InputType({ description: '解除用户与统一身份的关联' })
class UnlinkSsoIdentityInput {
  @Field(() => ID, { description: '本单位用户' }) userId: string;
}

@InputType({ description: '单点登录回到前端时带回的一次性凭据' })
class SsoSignInInput {
  @Field({ description: '回调页地址 # 之后 ssoCode= 的值；一分钟内有效，只能使用一次' }) @MaxLength(200) token: string;
}

@Resolver(() => SsoProvider)
export class SsoResolver {
  @Query(() => SsoProvider, { nullable: true, description: '本单位的统一身份认证设置；未设置时为空（根组织的管理员）' })
  async ssoProvider(@Ctx() ctx: RequestContext): Promise<SsoProvider | null> {
    return ssoService.get(ctx);
  }

  @Mutation(() => SsoProvider, {
    description: '设置本单位的统一身份认证（OpenID Connect）：签发者、客户端编号与密钥、回调地址（根组织的管理员）',
  })
  async configureSso(
    @Arg('input', () => SsoProviderInput, { description: '统一身份认证设置' }) input: SsoProviderInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SsoProvider> {
    return ssoService.configure(ctx, input);
  }

  @Mutation(() => User, { description: '把认证平台的用户标识关联到本单位用户（管理该用户所在组织的管理员）' })
  async linkSsoIdentity(
    @Arg('input', () => LinkSsoIdentityInput, { description: '关联内容' }) input: LinkSsoIdentityInput,
    @Ctx() ctx: RequestContext,
  ): Promise<User> {
    return ssoService.link(ctx, idOf('User', input.userId), input.subject);
  }

  @Mutation(() => User, { description: '解除用户与统一身份的关联（管理该用户所在组织的管理员）' })
  async unlinkSsoIdentity(
    @Arg('input', () => UnlinkSsoIdentityInput, { description: '解除的用户' }) input: UnlinkSsoIdentityInput,
    @Ctx() ctx: RequestContext,
  ): Promise<User> {
    return ssoService.unlink(ctx, idOf('User', input.userId));
  }

  @Mutation(() => AuthPayload, {
    description: '单点登录的最后一步：用回调带回的一次性凭据换取本平台的访问令牌和刷新令牌（凭据无效、已用或过期一律 SSO_CODE_INVALID）',
  })
  async signInWithSso(
    @Arg('input', () => SsoSignInInput, { description: '一次性凭据' }) input: SsoSignInInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AuthPayload> {
    // the same steps as a password sign-in: a second factor is still asked for (see afterExternalProof)
    return payload(ctx, await ssoService.signIn(ctx, input.token));
  }

  @FieldResolver(() => Boolean, { description: '是否已保存客户端密钥（密钥本身不可读）' })
  async hasClientSecret(@Ctx() ctx: RequestContext): Promise<boolean> {
    const [row] = await ctx.tx.query<{ present: boolean }>(`SELECT app_sso_client_secret() IS NOT NULL AS present`);
    return !!row?.present;
  }
}

@Resolver(() => User)
export class SsoUserResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: '关联的统一身份标识（认证平台的 sub）：仅管理该用户所在组织的管理员可见，其他为空',
  })
  async ssoSubject(@Root() user: User, @Ctx() ctx: RequestContext): Promise<string | null> {
    try {
      await ssoService.homeAdministeredUser(ctx, user.id);
    } catch {
      return null;
    }
    return ssoService.subjectOf(ctx, user.id);
  }
}
