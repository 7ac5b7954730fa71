import { MaxLength, MinLength } from 'class-validator';
import { Arg, Ctx, Field, InputType, Mutation, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { RequestContext, loadViewer } from '../graphql/context';
import { DateTimeScalar } from '../graphql/scalars';
import { labelled } from '../graphql/enum-labels';
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

export enum SignInStepKind {
  DONE = 'DONE',
  TOTP = 'TOTP',
  TOTP_ENROLMENT = 'TOTP_ENROLMENT',
  PASSWORD_CHANGE = 'PASSWORD_CHANGE',
}
export const signInStepLabels: Record<SignInStepKind, string> = {
  DONE: '登录完成',
  TOTP: '请输入动态验证码（或恢复码）',
  TOTP_ENROLMENT: '本单位要求您的角色使用动态验证码：请先绑定',
  PASSWORD_CHANGE: '请修改密码（初始密码、管理员重置的密码或已过期的密码）',
};
registerEnumType(SignInStepKind, {
  name: 'SignInStep',
  description: '登录的步骤：完成，或还需完成的一步',
  valuesConfig: labelled(signInStepLabels),
});

@ObjectType({
  description:
    '登录或刷新的结果。step 为 DONE 时给出令牌和当前登录者；否则令牌为空，给出 challengeToken（约 5 分钟有效），用 completeSignIn 完成该步骤',
})
export class AuthPayload {
  @Field(() => SignInStepKind, { description: '登录步骤：DONE 表示已登录，其余为还需完成的一步' }) step: SignInStepKind;
  @Field({ description: '登录步骤的中文说明' }) stepLabel: string;
  @Field(() => String, {
    nullable: true,
    description: '访问令牌（JWT），放在 Authorization: Bearer 请求头中，约 15 分钟有效；未完成登录时为空',
  })
  accessToken: string | null;
  @Field(() => String, { nullable: true, description: '刷新令牌：只能用一次（每次刷新换新）；平台运维人员和未完成登录时为空' })
  refreshToken: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '访问令牌的到期时间；未完成登录时为空' }) expiresAt: Date | null;
  @Field(() => Viewer, { nullable: true, description: '当前登录者；未完成登录时为空' }) viewer: Viewer | null;
  @Field(() => String, { nullable: true, description: '登录验证令牌：完成下一步（completeSignIn）时提交；已登录时为空' })
  challengeToken: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '登录验证令牌的到期时间' }) challengeExpiresAt: Date | null;
  @Field(() => [String], {
    nullable: true,
    description: '恢复码（10 个，每个只能用一次）：仅在登录中刚绑定动态验证码时给出这一次，请提示用户妥善保存',
  })
  recoveryCodes: string[] | null;
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

/** The answer of a sign-in step; the viewer is loaded (for the rest of the request) only once signed in. */
export async function payload(ctx: RequestContext, session: Session): Promise<AuthPayload> {
  const step = session.step as SignInStepKind;
  const common = {
    step,
    stepLabel: signInStepLabels[step],
    challengeToken: session.challengeToken ?? null,
    challengeExpiresAt: session.challengeExpiresAt ?? null,
    recoveryCodes: session.recoveryCodes ?? null,
  };
  if (step !== SignInStepKind.DONE) return { ...common, accessToken: null, refreshToken: null, expiresAt: null, viewer: null };
  const claims = session.operatorId
    ? { kind: 'operator' as const, sub: session.operatorId, gen: session.gen }
    : session.userId && session.tenantId
      ? { kind: 'user' as const, sub: session.userId, tid: session.tenantId, gen: session.gen }
      : null;
  if (!claims) throw new Error('A session names neither an operator nor a user');
  await loadViewer(ctx, claims);
  ctx.tx.pin(); // signed in: the rest of the request keeps this identity
  const viewer = viewerOf(ctx);
  if (!viewer) throw new Error('The viewer of a new session was not loaded');
  return { ...common, accessToken: session.accessToken, refreshToken: session.refreshToken, expiresAt: session.expiresAt, viewer };
}

@Resolver(() => Viewer)
export class AuthResolver {
  @Query(() => Viewer, { nullable: true, description: '当前登录者；未带令牌时为空' })
  viewer(@Ctx() ctx: RequestContext): Viewer | null {
    return viewerOf(ctx);
  }

  @Mutation(() => AuthPayload, {
    description:
      '登录。单位、用户名或密码错误、账号已锁定或停用一律答 INVALID_CREDENTIALS；失败过多则限流。密码正确但还需动态验证码或修改密码时，step 给出下一步和 challengeToken',
  })
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
