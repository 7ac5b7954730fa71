import { ArrayMaxSize, IsEnum, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Arg, Ctx, Field, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { RequestContext, requireUser } from '../graphql/context';
import { accountService } from './account.service';
import { AuthPayload, payload } from './auth.resolver';
import { POLICY_BOUNDS, readPolicy } from './policy';
import { Role, roleLabels } from './roles';

const B = POLICY_BOUNDS;

@ObjectType({ description: '本单位的账号安全策略：密码规则、登录失败锁定、会话空闲时限和须用动态验证码的角色' })
class AccountPolicyType {
  @Field(() => Int, { description: '密码最短长度（字符数）' }) minLength: number;
  @Field(() => Int, { description: '密码至少包含的字符类别数：大写字母、小写字母、数字、符号四类中的几类' }) minClasses: number;
  @Field(() => Int, { description: '新密码不能与最近几次的密码相同（含当前密码；0 为不检查）' }) historyCount: number;
  @Field(() => Int, { description: '密码最长使用天数，到期须在登录时修改（0 为不过期）' }) maxAgeDays: number;
  @Field({ description: '密码不能包含用户名' }) forbidUsername: boolean;
  @Field(() => Int, { description: '连续登录失败几次锁定账号（0 为不锁定）' }) lockoutThreshold: number;
  @Field(() => Int, { description: '锁定时长（分钟；0 为直到管理员解锁）' }) lockoutMinutes: number;
  @Field(() => Int, { description: '会话空闲时限（分钟）：刷新令牌这么久未使用即失效，须重新登录' }) sessionIdleMinutes: number;
  @Field(() => [Role], { description: '须使用动态验证码（双因素）登录的角色' }) totpRoles: Role[];
  @Field(() => [String], { description: '须使用动态验证码的角色的中文名' }) totpRoleLabels: string[];
}

@InputType({ description: '修改账号安全策略：不填的项保持原值' })
class UpdateAccountPolicyInput {
  @Field(() => Int, { nullable: true, description: `密码最短长度（${B.minLength[0]} 至 ${B.minLength[1]}）` })
  @IsOptional()
  @Min(B.minLength[0])
  @Max(B.minLength[1])
  minLength?: number;
  @Field(() => Int, { nullable: true, description: '至少包含的字符类别数（1 至 4）' })
  @IsOptional()
  @Min(B.minClasses[0])
  @Max(B.minClasses[1])
  minClasses?: number;
  @Field(() => Int, { nullable: true, description: `不能重复最近几次的密码（${B.historyCount[0]} 至 ${B.historyCount[1]}）` })
  @IsOptional()
  @Min(B.historyCount[0])
  @Max(B.historyCount[1])
  historyCount?: number;
  @Field(() => Int, { nullable: true, description: `密码最长使用天数（${B.maxAgeDays[0]} 至 ${B.maxAgeDays[1]}，0 为不过期）` })
  @IsOptional()
  @Min(B.maxAgeDays[0])
  @Max(B.maxAgeDays[1])
  maxAgeDays?: number;
  @Field(() => Boolean, { nullable: true, description: '密码不能包含用户名' }) @IsOptional() forbidUsername?: boolean;
  @Field(() => Int, { nullable: true, description: `连续失败几次锁定（${B.lockoutThreshold[0]} 至 ${B.lockoutThreshold[1]}，0 为不锁定）` })
  @IsOptional()
  @Min(B.lockoutThreshold[0])
  @Max(B.lockoutThreshold[1])
  lockoutThreshold?: number;
  @Field(() => Int, { nullable: true, description: `锁定分钟数（${B.lockoutMinutes[0]} 至 ${B.lockoutMinutes[1]}，0 为直到管理员解锁）` })
  @IsOptional()
  @Min(B.lockoutMinutes[0])
  @Max(B.lockoutMinutes[1])
  lockoutMinutes?: number;
  @Field(() => Int, { nullable: true, description: `会话空闲时限（分钟，${B.sessionIdleMinutes[0]} 至 ${B.sessionIdleMinutes[1]}）` })
  @IsOptional()
  @Min(B.sessionIdleMinutes[0])
  @Max(B.sessionIdleMinutes[1])
  sessionIdleMinutes?: number;
  @Field(() => [Role], { nullable: true, description: '须使用动态验证码的角色（全部列出；空列表为都不要求）' })
  @IsOptional()
  @ArrayMaxSize(6)
  @IsEnum(Role, { each: true })
  totpRoles?: Role[];
}

@InputType({ description: '完成登录的一步：按 step 填写动态验证码（或恢复码）或新密码' })
class CompleteSignInInput {
  @Field({ description: '上一步答复中的登录验证令牌' }) @MinLength(1) @MaxLength(2000) challengeToken: string;
  @Field(() => String, { nullable: true, description: '动态验证码（6 位数字）：step 为 TOTP 或 TOTP_ENROLMENT 时' })
  @IsOptional()
  @MaxLength(10)
  totpCode?: string | null;
  @Field(() => String, { nullable: true, description: '恢复码：step 为 TOTP 且手机不在身边时代替动态验证码，每个只能用一次' })
  @IsOptional()
  @MaxLength(40)
  recoveryCode?: string | null;
  @Field(() => String, { nullable: true, description: '新密码：step 为 PASSWORD_CHANGE 时，须符合本单位的密码策略' })
  @IsOptional()
  @MaxLength(200)
  newPassword?: string | null;
}

@InputType({ description: '修改自己的密码' })
class ChangePasswordInput {
  @Field({ description: '当前密码' }) @MinLength(1) @MaxLength(200) currentPassword: string;
  @Field({ description: '新密码：须符合本单位的密码策略' }) @MinLength(1) @MaxLength(200) newPassword: string;
}

@InputType({
  description: '绑定动态验证码：已登录时填本账号的当前密码；登录中被要求绑定（step 为 TOTP_ENROLMENT）时填登录验证令牌',
})
class EnrolTotpInput {
  @Field(() => String, { nullable: true, description: '登录验证令牌（仅登录中绑定时）' })
  @IsOptional()
  @MaxLength(2000)
  challengeToken?: string | null;
  @Field(() => String, {
    nullable: true,
    description: '本账号的当前密码（已登录时必填：再次确认是本人，尝试次数与登录合并计数）',
  })
  @IsOptional()
  @MaxLength(200)
  password?: string | null;
}

@InputType({ description: '一个动态验证码' })
class TotpCodeInput {
  @Field({ description: '认证器应用当前显示的 6 位动态验证码' }) @MinLength(1) @MaxLength(10) totpCode: string;
}

@InputType({ description: '停用动态验证码：填当前的动态验证码或一个恢复码' })
class DisableTotpInput {
  @Field(() => String, { nullable: true, description: '当前的动态验证码' }) @IsOptional() @MaxLength(10) totpCode?: string | null;
  @Field(() => String, { nullable: true, description: '恢复码' }) @IsOptional() @MaxLength(40) recoveryCode?: string | null;
}

@ObjectType({ description: '动态验证码的绑定信息：只给出这一次' })
class TotpEnrolmentType {
  @Field({ description: 'otpauth:// 地址：前端据此生成二维码，用认证器应用（如微信小程序、Google/Microsoft Authenticator）扫描' })
  otpauthUri: string;
  @Field({ description: '密钥（Base32）：无法扫码时手工输入认证器应用' }) secret: string;
}

@ObjectType({ description: '恢复码：只给出这一次，请提示用户妥善保存；手机不在身边时代替动态验证码，每个只能用一次' })
class RecoveryCodesType {
  @Field(() => [String], { description: '10 个恢复码' }) recoveryCodes: string[];
}

const policyOut = (p: Awaited<ReturnType<typeof readPolicy>>): AccountPolicyType => ({
  ...p,
  totpRoleLabels: p.totpRoles.map((r) => roleLabels[r]),
});

/** Self-service accounts and the tenant's account policy (admins' acts on other users are the user module's). */
@Resolver()
export class AccountResolver {
  @Query(() => AccountPolicyType, { description: '本单位的账号安全策略（本单位用户都可读，以便提示密码规则）' })
  async accountPolicy(@Ctx() ctx: RequestContext): Promise<AccountPolicyType> {
    requireUser(ctx);
    return policyOut(await readPolicy(ctx));
  }

  @Mutation(() => AccountPolicyType, { description: '修改本单位的账号安全策略（根组织的管理员）；不填的项保持原值' })
  async updateAccountPolicy(
    @Arg('input', { description: '要修改的项' }) input: UpdateAccountPolicyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AccountPolicyType> {
    return policyOut(await accountService.updatePolicyAsAdmin(ctx, input));
  }

  @Mutation(() => AuthPayload, {
    description: '完成登录的一步（登录答复的 step 不是 DONE 时）：动态验证码或恢复码、绑定时的首个验证码、或新密码；答复下一步或令牌',
  })
  async completeSignIn(
    @Arg('input', { description: '登录验证令牌和该步骤所需的内容' }) input: CompleteSignInInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AuthPayload> {
    return payload(ctx, await accountService.completeSignIn(ctx, input));
  }

  @Mutation(() => AuthPayload, {
    description: '修改自己的密码：须提供当前密码，新密码须符合本单位的密码策略；其他设备上的登录全部失效，答复新的令牌',
  })
  async changePassword(
    @Arg('input', { description: '当前密码和新密码' }) input: ChangePasswordInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AuthPayload> {
    return payload(ctx, await accountService.changePassword(ctx, input));
  }

  @Mutation(() => Boolean, { description: '退出全部设备：自己的全部刷新令牌和访问令牌立即失效（含本次使用的）' })
  async signOutEverywhere(@Ctx() ctx: RequestContext): Promise<boolean> {
    const viewer = requireUser(ctx);
    await accountService.signOutEverywhere(ctx, viewer.tenantId, viewer.userId);
    return true;
  }

  @Mutation(() => TotpEnrolmentType, {
    description:
      '开始绑定动态验证码（TOTP）：已登录时须填当前密码；答复 otpauth:// 地址和密钥，用一个验证码确认（confirmTotp，或登录中的 completeSignIn）后生效',
  })
  async enrolTotp(
    @Arg('input', () => EnrolTotpInput, { nullable: true, description: '已登录时的当前密码，或登录中绑定时的登录验证令牌' })
    input: EnrolTotpInput | null,
    @Ctx() ctx: RequestContext,
  ): Promise<TotpEnrolmentType> {
    const enrolment = input?.challengeToken
      ? await accountService.enrolTotpByChallenge(ctx, input.challengeToken)
      : await accountService.enrolOwnTotp(ctx, input?.password);
    return { otpauthUri: enrolment.uri, secret: enrolment.secret };
  }

  @Mutation(() => RecoveryCodesType, { description: '确认绑定动态验证码：填认证器显示的验证码，生效后答复 10 个恢复码（只给这一次）' })
  async confirmTotp(@Arg('input', { description: '验证码' }) input: TotpCodeInput, @Ctx() ctx: RequestContext): Promise<RecoveryCodesType> {
    return { recoveryCodes: await accountService.confirmTotp(ctx, input.totpCode) };
  }

  @Mutation(() => RecoveryCodesType, { description: '重新生成恢复码（须当前的动态验证码）：旧的恢复码全部失效' })
  async regenerateRecoveryCodes(
    @Arg('input', { description: '验证码' }) input: TotpCodeInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RecoveryCodesType> {
    return { recoveryCodes: await accountService.regenerateRecoveryCodes(ctx, input.totpCode) };
  }

  @Mutation(() => Boolean, { description: '停用自己的动态验证码（须当前的验证码或一个恢复码；本单位要求您的角色使用时不能停用）' })
  async disableTotp(
    @Arg('input', { description: '验证码或恢复码' }) input: DisableTotpInput,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    await accountService.disableOwnTotp(ctx, input);
    return true;
  }
}
