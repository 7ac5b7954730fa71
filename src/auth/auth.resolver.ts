import { MaxLength, MinLength } from 'class-validator';
import { Arg, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { RequestContext, loadViewer } from '../graphql/context';
import { DateTimeScalar } from '../graphql/scalars';
import { Session, authService } from './auth.service';

export enum ViewerKind {
  USER = 'USER',
  OPERATOR = 'OPERATOR',
}
registerEnumType(ViewerKind, {
  name: 'ViewerKind',
  description: '登录身份的类别',
  valuesConfig: { USER: { description: '本单位用户' }, OPERATOR: { description: '平台运维人员' } },
});

const viewerKindLabels: Record<ViewerKind, string> = { USER: '本单位用户', OPERATOR: '平台运维人员' };

@ObjectType({ description: '当前登录者：本单位用户（及其在各组织上的角色）或平台运维人员' })
export class Viewer {
  @Field(() => ViewerKind, { description: '身份类别' }) kind: ViewerKind;
  @Field({ description: '身份类别的中文名' }) kindLabel: string;
  @Field({ description: '用户名' }) username: string;
  tenantId: string | null;
  userId: string | null;
}

@ObjectType({ description: '登录或刷新的结果：令牌与当前登录者' })
export class AuthPayload {
  @Field({ description: '访问令牌（JWT），放在 Authorization: Bearer 请求头中，约 15 分钟有效' }) accessToken: string;
  @Field(() => String, { nullable: true, description: '刷新令牌：只能用一次（每次刷新换新）；平台运维人员为空' })
  refreshToken: string | null;
  @Field(() => DateTimeScalar, { description: '访问令牌的到期时间' }) expiresAt: Date;
  @Field(() => Viewer, { description: '当前登录者' }) viewer: Viewer;
}

@InputType({ description: '登录信息' })
export class LoginInput {
  @Field(() => String, { nullable: true, description: '单位代码（如 jtj、szjg）；平台运维人员登录时不填' })
  @MaxLength(40)
  tenant?: string | null;

  @Field({ description: '用户名' }) @MinLength(1) @MaxLength(64) username: string;
  @Field({ description: '密码' }) @MinLength(1) @MaxLength(200) password: string;
}

@InputType({ description: '刷新令牌' })
export class RefreshTokenInput {
  @Field({ description: '登录或上次刷新时得到的刷新令牌' }) @MaxLength(200) refreshToken: string;
}

function viewerOf(ctx: RequestContext): Viewer | null {
  const v = ctx.viewer;
  if (!v) return null;
  return v.kind === 'user'
    ? { kind: ViewerKind.USER, kindLabel: viewerKindLabels.USER, username: v.username, tenantId: v.tenantId, userId: v.userId }
    : { kind: ViewerKind.OPERATOR, kindLabel: viewerKindLabels.OPERATOR, username: v.username, tenantId: null, userId: null };
}

async function payload(ctx: RequestContext, session: Session): Promise<AuthPayload> {
  const claims = session.operatorId
    ? { kind: 'operator' as const, sub: session.operatorId }
    : session.userId && session.tenantId
      ? { kind: 'user' as const, sub: session.userId, tid: session.tenantId }
      : null;
  if (!claims) throw new Error('A session names neither an operator nor a user');
  await loadViewer(ctx, claims);
  const viewer = viewerOf(ctx);
  if (!viewer) throw new Error('The viewer of a new session was not loaded');
  return { accessToken: session.accessToken, refreshToken: session.refreshToken, expiresAt: session.expiresAt, viewer };
}

@Resolver(() => Viewer)
export class AuthResolver {
  @Query(() => Viewer, { nullable: true, description: '当前登录者；未带令牌时为空' })
  viewer(@Ctx() ctx: RequestContext): Viewer | null {
    return viewerOf(ctx);
  }

  @Mutation(() => AuthPayload, { description: '登录。单位、用户名或密码错误一律答 INVALID_CREDENTIALS；失败过多则限流' })
  async login(@Arg('input', { description: '登录信息' }) input: LoginInput, @Ctx() ctx: RequestContext): Promise<AuthPayload> {
    return payload(ctx, await authService.login(ctx, input));
  }

  @Mutation(() => AuthPayload, { description: '用刷新令牌换一对新令牌；重复使用已换过的刷新令牌会使整组会话失效' })
  async refreshToken(
    @Arg('input', { description: '刷新令牌' }) input: RefreshTokenInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AuthPayload> {
    return payload(ctx, await authService.refresh(ctx, input.refreshToken));
  }

  @Mutation(() => Boolean, { description: '退出：使该刷新令牌及其整组会话失效' })
  async logout(@Arg('input', { description: '刷新令牌' }) input: RefreshTokenInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return authService.logout(ctx, input.refreshToken);
  }
}
