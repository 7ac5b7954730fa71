import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  Float,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  registerEnumType,
} from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { labelled } from '../../graphql/enum-labels';
import { idOf, toGlobalId } from '../../graphql/relay';
import { DateTimeScalar } from '../../graphql/scalars';
import { Campaign } from '../campaign/campaign.entity';
import { FrameworkVersion } from '../framework/framework.entity';
import { frameworkService } from '../framework/framework.service';
import { EvaluationKind, evaluationKindLabels } from '../framework/pass-rule';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { userService } from '../user/user.service';
import { Evaluation, EvaluationState, evaluationStateLabels } from './evaluation.entity';
import { evaluationService } from './evaluation.service';
import {
  CriterionMapping,
  CriterionMappingKind,
  UpgradeFigures,
  UpgradeInput,
  UpgradeRow,
  criterionMappingLabels,
  versionUpgradeService,
} from './version-upgrade.service';

registerEnumType(CriterionMappingKind, {
  name: 'CriterionMappingKind',
  description: '原版本评分项与新版本评分项的对应方式（两版代码相同的项不填即为保留）',
  valuesConfig: labelled(criterionMappingLabels),
});

@InputType({ description: '一条指标对应关系' })
export class CriterionMappingInput {
  @Field(() => CriterionMappingKind, { description: '对应方式' }) kind: CriterionMappingKind;
  @Field(() => [String], { description: '原版本评分项的代码' }) @ArrayMaxSize(50) @MaxLength(64, { each: true }) from: string[];
  @Field(() => [String], { nullable: true, description: '新版本评分项的代码（删除时不填）' })
  @IsOptional()
  @ArrayMaxSize(50)
  @MaxLength(64, { each: true })
  to?: string[];
}

@InputType({ description: '把创建活动进行中的考评升级到新的考评标准版本' })
class VersionUpgradeInput {
  @Field(() => ID, { description: '创建活动' }) campaignId: string;
  @Field(() => ID, { description: '新的考评标准版本（已发布）' }) toVersionId: string;
  @Field(() => [CriterionMappingInput], { description: '指标对应关系（至多 500 条）；两版代码相同且未列出的项保留原分' })
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  mapping: CriterionMappingInput[];
  @Field(() => String, { nullable: true, description: '升级说明' }) @IsOptional() @MaxLength(2000) note?: string | null;
}

@ArgsType()
class VersionUpgradePreviewArgs {
  @Field(() => VersionUpgradeInput, { description: '创建活动、新版本和指标对应关系' }) @ValidateNested() input: VersionUpgradeInput;
  @Field(() => Int, { defaultValue: 100, description: '返回的行数（至多 1000），变化大的在前' }) @Min(0) @Max(1000) first: number;
}

@ObjectType({ description: '一份考评在某个版本下的得分' })
class VersionUpgradeFigures {
  @Field(() => Float, { description: '总分' }) total: number;
  @Field({ description: '等次代码' }) grade: string;
  @Field({ description: '是否达标' }) attained: boolean;
  @Field({ description: '是否已全部评分' }) complete: boolean;
}

@ObjectType({ description: '升级预览的一行：一份考评升级前后的得分' })
class VersionUpgradeRow {
  @Field(() => ID, { description: '考评编号' }) evaluationId: string;
  rawEvaluationId: string;
  orgId: string;
  @Field(() => EvaluationKind, { description: '考评类型' }) kind: EvaluationKind;
  @Field(() => EvaluationState, { description: '状态' }) state: EvaluationState;
  @Field({ description: '保留原版本：已定稿督查记录的评分表是存证的一部分，不随升级改变' }) kept: boolean;
  @Field(() => VersionUpgradeFigures, { description: '升级前' }) before: UpgradeFigures;
  @Field(() => VersionUpgradeFigures, { description: '升级后' }) after: UpgradeFigures;
  @Field(() => Float, { description: '总分变化（升级后减升级前）' }) change: number;
}

@ObjectType({ description: '对应关系中的一处问题' })
class VersionUpgradeProblem {
  @Field({ description: '位置，如 input.mapping[2].to[0]' }) path: string;
  @Field({ description: '问题的类型（ErrorReason 的值）' }) reason: string;
  @Field({ description: '说明' }) message: string;
}

@ObjectType({ description: '版本升级预览：不写入任何数据；problems 为空时才能升级' })
class VersionUpgradePreview {
  fromVersionId: string;
  toVersionId: string;
  @Field(() => [VersionUpgradeProblem], { description: '对应关系的问题（逐项）；为空表示可以升级' }) problems: VersionUpgradeProblem[];
  @Field(() => Int, { description: '涉及的考评份数' }) evaluations: number;
  @Field(() => Int, { description: '随升级改用新版本的份数' }) moved: number;
  @Field(() => Int, { description: '保留原版本的份数（已定稿督查记录的评分表）' }) kept: number;
  @Field(() => Int, { description: '总分或等次有变化的份数' }) changed: number;
  @Field(() => Int, { description: '总分升高的份数' }) raised: number;
  @Field(() => Int, { description: '总分降低的份数' }) lowered: number;
  @Field(() => Int, { description: '升级前达标的份数' }) attainedBefore: number;
  @Field(() => Int, { description: '升级后达标的份数' }) attainedAfter: number;
  @Field(() => [VersionUpgradeRow], { description: '各份考评升级前后的得分，变化大的在前（前 first 份）' }) rows: VersionUpgradeRow[];
}

@ObjectType({ description: '一条指标对应关系' })
export class CriterionMappingView {
  @Field(() => CriterionMappingKind, { description: '对应方式' }) kind: CriterionMappingKind;
  @Field(() => [String], { description: '原版本评分项的代码' }) from: string[];
  @Field(() => [String], { description: '新版本评分项的代码' }) to: string[];
}

@ObjectType({ description: '创建活动的一次考评标准版本升级（留痕）' })
export class CampaignVersionUpgrade {
  @Field(() => ID, { description: '编号' }) id: string;
  fromVersionId: string;
  toVersionId: string;
  appliedBy: string;
  @Field(() => [CriterionMappingView], { description: '所用的指标对应关系' }) mapping: CriterionMapping[];
  @Field(() => Int, { description: '改用新版本的考评份数' }) moved: number;
  @Field(() => Int, { description: '保留原版本的份数' }) kept: number;
  @Field(() => Int, { description: '总分或等次有变化的份数' }) changed: number;
  @Field(() => String, { nullable: true, description: '升级说明' }) note: string | null;
  @Field(() => DateTimeScalar, { description: '升级时间' }) appliedAt: Date;
}

const change = (r: UpgradeRow) => Math.round((r.after.total - r.before.total) * 100) / 100;

const inputOf = (input: VersionUpgradeInput): UpgradeInput => ({
  campaignId: idOf('Campaign', input.campaignId),
  toVersionId: idOf('FrameworkVersion', input.toVersionId, 'Framework version'),
  mapping: input.mapping.map((m) => ({ kind: m.kind, from: m.from, to: m.to ?? [] })),
  note: input.note,
});

@Resolver(() => VersionUpgradePreview)
export class VersionUpgradeResolver {
  @Query(() => VersionUpgradePreview, {
    description: '预览版本升级（根组织的管理员）：每份考评升级前后的总分、等次和达标，以及对应关系的问题；不写入任何数据',
  })
  async previewCampaignVersionUpgrade(
    @Args() { input, first }: VersionUpgradePreviewArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<VersionUpgradePreview> {
    const { plan, problems } = await versionUpgradeService.plan(ctx, inputOf(input));
    const rows = plan.rows.map((r) => ({
      ...r,
      evaluationId: toGlobalId('Evaluation', r.evaluationId),
      rawEvaluationId: r.evaluationId,
      change: change(r),
    }));
    return {
      fromVersionId: plan.from.id,
      toVersionId: plan.to.id,
      problems: problems.map((p) => ({ path: p.path, reason: p.reason ?? '', message: p.message })),
      evaluations: rows.length,
      moved: rows.filter((r) => !r.kept).length,
      kept: rows.filter((r) => r.kept).length,
      changed: rows.filter((r) => r.change !== 0 || r.before.grade !== r.after.grade).length,
      raised: rows.filter((r) => r.change > 0).length,
      lowered: rows.filter((r) => r.change < 0).length,
      attainedBefore: rows.filter((r) => r.before.attained).length,
      attainedAfter: rows.filter((r) => r.after.attained).length,
      rows: [...rows].sort((a, b) => Math.abs(b.change) - Math.abs(a.change)).slice(0, first),
    };
  }

  @FieldResolver(() => FrameworkVersion, { description: '创建活动现用的版本' })
  fromVersion(@Root() p: VersionUpgradePreview, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.getVersion(ctx, p.fromVersionId);
  }

  @FieldResolver(() => FrameworkVersion, { description: '升级到的版本' })
  toVersion(@Root() p: VersionUpgradePreview, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.getVersion(ctx, p.toVersionId);
  }

  @Mutation(() => CampaignVersionUpgrade, {
    description:
      '升级创建活动的考评标准版本（根组织的管理员）：按指标对应关系把进行中的考评改用新版本，重算总分和活动结果，一次完成并留痕；已定稿督查记录的评分表保留原版本',
  })
  async upgradeCampaignVersion(
    @Arg('input', { description: '创建活动、新版本和指标对应关系（与预览相同）' }) input: VersionUpgradeInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CampaignVersionUpgrade> {
    const decoded = inputOf(input);
    const id = await versionUpgradeService.apply(ctx, decoded);
    const [record] = await versionUpgradeService.history(ctx, decoded.campaignId, id);
    return record;
  }
}

@Resolver(() => VersionUpgradeRow)
export class VersionUpgradeRowResolver {
  @FieldResolver(() => String, { description: '考评类型的中文名' })
  kindLabel(@Root() r: VersionUpgradeRow): string {
    return evaluationKindLabels[r.kind];
  }

  @FieldResolver(() => String, { description: '状态的中文名' })
  stateLabel(@Root() r: VersionUpgradeRow): string {
    return evaluationStateLabels[r.state];
  }

  @FieldResolver(() => Evaluation, { nullable: true, description: '考评（在您的权限范围内时）' })
  evaluation(@Root() r: VersionUpgradeRow, @Ctx() ctx: RequestContext): Promise<Evaluation | null> {
    return evaluationService.findById(ctx, r.rawEvaluationId);
  }

  @FieldResolver(() => Org, { nullable: true, description: '被考评的组织（在您的权限范围内时）' })
  org(@Root() r: VersionUpgradeRow, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, r.orgId);
  }
}

@Resolver(() => CampaignVersionUpgrade)
export class CampaignVersionUpgradeResolver {
  @FieldResolver(() => FrameworkVersion, { description: '升级前的版本' })
  fromVersion(@Root() u: CampaignVersionUpgrade, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.getVersion(ctx, u.fromVersionId);
  }

  @FieldResolver(() => FrameworkVersion, { description: '升级后的版本' })
  toVersion(@Root() u: CampaignVersionUpgrade, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.getVersion(ctx, u.toVersionId);
  }

  @FieldResolver(() => String, { description: '操作人姓名' })
  async appliedByName(@Root() u: CampaignVersionUpgrade, @Ctx() ctx: RequestContext): Promise<string> {
    return (await userService.displayName(ctx, u.appliedBy)) ?? '';
  }
}

@Resolver(() => CriterionMappingView)
export class CriterionMappingViewResolver {
  @FieldResolver(() => String, { description: '对应方式的中文名' })
  kindLabel(@Root() m: CriterionMapping): string {
    return criterionMappingLabels[m.kind];
  }
}

@Resolver(() => Campaign)
export class CampaignVersionUpgradesResolver {
  @FieldResolver(() => [CampaignVersionUpgrade], { description: '考评标准版本的升级记录，新的在前（至多 100 条）' })
  versionUpgrades(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<CampaignVersionUpgrade[]> {
    return versionUpgradeService.history(ctx, campaign.id);
  }
}
