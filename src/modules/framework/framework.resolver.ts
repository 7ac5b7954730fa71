import { IsNumber, IsOptional, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
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
import { labelled } from '../../graphql/enum-labels';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { ledgerCategoryLabels } from '../ledger/ledger.entity';
import { CriterionSourceInput, CriterionSourceType, criterionSourceKindLabels } from './criterion-source';
import { Criterion, Framework, FrameworkVersion, versionStatusLabels } from './framework.entity';
import { frameworkService } from './framework.service';
import { KindWeight, PassRule, PassRuleInput, ScoringType, aggregationLabels, evaluationKindLabels, scoringTypeLabels } from './pass-rule';

export enum DocumentFormat {
  YAML = 'YAML',
  JSON = 'JSON',
}
registerEnumType(DocumentFormat, {
  name: 'DocumentFormat',
  description: '考评标准文档的格式（内容相同，导入时两种都能读）',
  valuesConfig: labelled({ YAML: 'YAML 文本（便于人工阅读和编辑）', JSON: 'JSON 文本（便于程序处理）' }),
});

export const FrameworkConnection = Connection(Framework);
export const FrameworkVersionConnection = Connection(FrameworkVersion);

@ObjectType({ description: '平台自带的考评标准模板（templates/*.yaml）：四强四有，以及五强五化示例' })
class FrameworkTemplate {
  @Field({ description: '模板名：导入时填 importFramework(input: { template })' }) name: string;
  @Field({ description: '标准代码' }) code: string;
  @Field({ description: '标准名称' }) title: string;
  @Field({ description: '标准说明（示例模板会注明“示例”）' }) description: string;
}

@InputType({ description: '导入考评标准：模板和文档二选一；导入为该标准（按代码）的新草稿版本' })
class ImportFrameworkInput {
  @Field(() => String, { nullable: true, description: '平台自带模板的名称（见 frameworkTemplates）' })
  @IsOptional()
  @MaxLength(40)
  template?: string | null;
  // no length validation here: the service checks the caller's role first, then the document's bounds
  // (MAX_FRAMEWORK_DOCUMENT_LENGTH and the rest in framework.document.ts), so a non-admin's document is never looked at
  @Field(() => String, {
    nullable: true,
    description: '考评标准文档（YAML 或 JSON，格式 party-framework/v1，可由 exportFramework 导出）；最多 256K 个字符',
  })
  document?: string | null;
}

@InputType({ description: '指定一个考评标准版本' })
class VersionRefInput {
  @Field(() => ID, { description: '考评标准版本' }) versionId: string;
}

@InputType({ description: '修改草稿版本的达标规则' })
class UpdatePassRuleInput {
  @Field(() => ID, { description: '草稿版本' }) versionId: string;
  @Field(() => PassRuleInput, { description: '新的达标规则（整体替换）' }) @ValidateNested() rule: PassRuleInput;
}

@InputType({ description: '指标的各项内容；修改时不填的项保持不变' })
class CriterionFieldsInput {
  @Field(() => String, { nullable: true, description: '指标代码：1 到 40 个字母、数字或 ._-，版本内唯一（新增时必填）' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,40}$/)
  code?: string;
  @Field(() => String, { nullable: true, description: '指标名称（新增时必填）' })
  @IsOptional()
  @MinLength(1)
  @MaxLength(500)
  title?: string;
  @Field(() => String, { nullable: true, description: '评分说明' }) @IsOptional() @MaxLength(20000) guidance?: string;
  @Field(() => Float, { nullable: true, description: '权重（0 到 1000；加权求和时同级非加分项之和须为 1）' })
  @IsOptional()
  @Min(0)
  @Max(1000)
  @IsNumber({ maxDecimalPlaces: 6 }, { message: '$property has at most 6 decimals' })
  weight?: number;
  @Field(() => Float, { nullable: true, description: '满分（末级指标）；修改时传 null 清除' })
  @IsOptional()
  @Min(0)
  @Max(100000)
  @IsNumber({ maxDecimalPlaces: 4 }, { message: '$property has at most 4 decimals' })
  maxScore?: number | null;
  @Field(() => ScoringType, { nullable: true, description: '计分类型（末级指标）；修改时传 null 清除' }) scoringType?: ScoringType | null;
  @Field(() => Float, { nullable: true, description: '目标数（计数型）；修改时传 null 清除' })
  @IsOptional()
  @Min(0)
  @Max(1_000_000)
  @IsNumber({ maxDecimalPlaces: 4 }, { message: '$property has at most 4 decimals' })
  target?: number | null;
  @Field(() => Float, { nullable: true, description: '每次扣分（扣分型）；修改时传 null 清除' })
  @IsOptional()
  @Min(0)
  @Max(100000)
  @IsNumber({ maxDecimalPlaces: 4 }, { message: '$property has at most 4 decimals' })
  deductionPer?: number | null;
  @Field(() => Boolean, { nullable: true, description: '是否加分项' }) bonus?: boolean;
  @Field(() => Boolean, { nullable: true, description: '是否一票否决项' }) veto?: boolean;
  @Field(() => Boolean, { nullable: true, description: '是否须附佐证材料' }) evidenceRequired?: boolean;
  @Field(() => CriterionSourceInput, {
    nullable: true,
    description: '数据来源（一次录入）：计数型、是否型指标可绑定平台中的记录，百分比型可绑定群众评议满意率；传 null 解除绑定，不填保持不变',
  })
  source?: CriterionSourceInput | null;
}

@InputType({ description: '在草稿版本中新增指标' })
class AddCriterionInput extends CriterionFieldsInput {
  @Field(() => ID, { description: '草稿版本' }) versionId: string;
  @Field(() => ID, { nullable: true, description: '上级指标；不填为新增一个维度（顶层）' }) parentId?: string | null;
  @Field(() => Int, { nullable: true, description: '在同级中的位置（0 为第一）；默认排在最后' })
  @IsOptional()
  @Min(0)
  position?: number | null;
}

@InputType({ description: '修改草稿版本中的指标' })
class UpdateCriterionInput extends CriterionFieldsInput {
  @Field(() => ID, { description: '要修改的指标' }) id: string;
}

@InputType({ description: '移动指标（连同其下级）' })
class MoveCriterionInput {
  @Field(() => ID, { description: '要移动的指标' }) id: string;
  @Field(() => ID, { nullable: true, description: '新的上级指标；不填移到顶层（成为维度）' }) newParentId?: string | null;
  @Field(() => Int, { nullable: true, description: '在新同级中的位置（0 为第一）；默认排在最后' })
  @IsOptional()
  @Min(0)
  position?: number | null;
}

@InputType({ description: '删除指标（连同其全部下级）' })
class DeleteCriterionInput {
  @Field(() => ID, { description: '要删除的指标' }) id: string;
}

@ArgsType()
class FrameworksArgs extends PageArgs {}

@ArgsType()
class VersionsArgs extends PageArgs {}

const versionId = (id: string) => idOf('FrameworkVersion', id, 'Framework version');
const criterionId = (id: string) => idOf('Criterion', id);

@Resolver(() => Framework)
export class FrameworkResolver {
  @Query(() => [FrameworkTemplate], { description: '平台自带的考评标准模板：四强四有，以及五强五化示例' })
  frameworkTemplates(): FrameworkTemplate[] {
    return frameworkService.templates();
  }

  @Query(() => FrameworkConnection, { description: '本单位的考评标准，按代码排列（本单位用户均可查看）' })
  async frameworks(@Args() args: FrameworksArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Framework>> {
    return toConnection(await frameworkService.list(ctx, pageSize(args), args.after));
  }

  @Query(() => FrameworkVersion, { description: '一个考评标准版本' })
  async frameworkVersion(
    @Arg('id', () => ID, { description: '考评标准版本编号' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<FrameworkVersion> {
    return frameworkService.getVersion(ctx, versionId(id));
  }

  @Query(() => String, { description: '导出考评标准版本为 YAML 或 JSON 文档（可由 importFramework 原样导回）' })
  async exportFramework(
    @Arg('versionId', () => ID, { description: '要导出的版本' }) id: string,
    @Arg('format', () => DocumentFormat, { defaultValue: DocumentFormat.YAML, description: '文档格式' }) format: DocumentFormat,
    @Ctx() ctx: RequestContext,
  ): Promise<string> {
    return frameworkService.export(ctx, versionId(id), format);
  }

  @Mutation(() => FrameworkVersion, {
    description: '导入模板或文档，成为该标准（按代码）的新草稿版本（根组织管理员；文档有误时逐项报告，什么也不改）',
  })
  async importFramework(
    @Arg('input', { description: '模板或文档（二选一）' }) input: ImportFrameworkInput,
    @Ctx() ctx: RequestContext,
  ): Promise<FrameworkVersion> {
    return frameworkService.import(ctx, input);
  }

  @Mutation(() => FrameworkVersion, { description: '由一个版本复制出新的草稿版本（根组织管理员）' })
  async createDraftFrom(
    @Arg('input', { description: '考评标准版本' }) input: VersionRefInput,
    @Ctx() ctx: RequestContext,
  ): Promise<FrameworkVersion> {
    return frameworkService.createDraftFrom(ctx, versionId(input.versionId));
  }

  @Mutation(() => FrameworkVersion, {
    description: '发布草稿版本：先整体校验（逐项报告全部问题），通过后发布，原已发布版本停用（根组织管理员）',
  })
  async publishVersion(
    @Arg('input', { description: '考评标准版本' }) input: VersionRefInput,
    @Ctx() ctx: RequestContext,
  ): Promise<FrameworkVersion> {
    return frameworkService.publish(ctx, versionId(input.versionId));
  }

  @Mutation(() => FrameworkVersion, { description: '停用已发布的版本（根组织管理员）' })
  async retireVersion(
    @Arg('input', { description: '考评标准版本' }) input: VersionRefInput,
    @Ctx() ctx: RequestContext,
  ): Promise<FrameworkVersion> {
    return frameworkService.retire(ctx, versionId(input.versionId));
  }

  @Mutation(() => FrameworkVersion, { description: '修改草稿版本的达标规则（根组织管理员）' })
  async updatePassRule(
    @Arg('input', { description: '草稿版本和新规则' }) input: UpdatePassRuleInput,
    @Ctx() ctx: RequestContext,
  ): Promise<FrameworkVersion> {
    return frameworkService.updateRule(ctx, versionId(input.versionId), input.rule);
  }

  @Mutation(() => Criterion, { description: '在草稿版本中新增指标（根组织管理员）' })
  async addCriterion(
    @Arg('input', { description: '新指标的位置和内容' }) input: AddCriterionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Criterion> {
    return frameworkService.addCriterion(ctx, {
      ...input,
      versionId: versionId(input.versionId),
      parentId: input.parentId ? criterionId(input.parentId) : null,
    });
  }

  @Mutation(() => Criterion, { description: '修改草稿版本中的指标（根组织管理员）' })
  async updateCriterion(
    @Arg('input', { description: '指标和要修改的内容' }) input: UpdateCriterionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Criterion> {
    const { id, ...patch } = input;
    return frameworkService.updateCriterion(ctx, criterionId(id), patch);
  }

  @Mutation(() => Criterion, { description: '移动草稿版本中的指标（连同下级）到新的上级或位置（根组织管理员）' })
  async moveCriterion(
    @Arg('input', { description: '要移动的指标和新位置' }) input: MoveCriterionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Criterion> {
    return frameworkService.moveCriterion(
      ctx,
      criterionId(input.id),
      input.newParentId ? criterionId(input.newParentId) : null,
      input.position,
    );
  }

  @Mutation(() => Boolean, { description: '删除草稿版本中的指标及其全部下级（根组织管理员）；成功为 true' })
  async deleteCriterion(
    @Arg('input', { description: '要删除的指标' }) input: DeleteCriterionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return frameworkService.deleteCriterion(ctx, criterionId(input.id));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() framework: Framework): string {
    return toGlobalId('Framework', framework.id);
  }

  @FieldResolver(() => FrameworkVersionConnection, { description: '全部版本，从第 1 版起' })
  async versions(
    @Root() framework: Framework,
    @Args() args: VersionsArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionShape<FrameworkVersion>> {
    return toConnection(await frameworkService.versionsOf(ctx, framework, pageSize(args), args.after));
  }

  @FieldResolver(() => FrameworkVersion, { nullable: true, description: '当前已发布的版本；没有为空' })
  async publishedVersion(@Root() framework: Framework, @Ctx() ctx: RequestContext): Promise<FrameworkVersion | null> {
    return frameworkService.publishedVersion(ctx, framework);
  }
}

@Resolver(() => FrameworkVersion)
export class FrameworkVersionResolver {
  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() version: FrameworkVersion): string {
    return toGlobalId('FrameworkVersion', version.id);
  }

  @FieldResolver(() => String, { description: '版本状态的中文名（草稿/已发布/已停用）' })
  statusLabel(@Root() version: FrameworkVersion): string {
    return versionStatusLabels[version.status];
  }

  @FieldResolver(() => Framework, { description: '所属考评标准' })
  async framework(@Root() version: FrameworkVersion, @Ctx() ctx: RequestContext): Promise<Framework> {
    return frameworkService.frameworkOf(ctx, version);
  }

  @FieldResolver(() => [Criterion], { description: '全部指标，按树的顺序（上级在下级之前；一个版本最多 2000 个）' })
  async criteria(@Root() version: FrameworkVersion, @Ctx() ctx: RequestContext): Promise<Criterion[]> {
    return frameworkService.criteriaOf(ctx, version.id);
  }

  @FieldResolver(() => [Criterion], { description: '维度：顶层指标' })
  async dimensions(@Root() version: FrameworkVersion, @Ctx() ctx: RequestContext): Promise<Criterion[]> {
    return (await frameworkService.criteriaOf(ctx, version.id)).filter((c) => c.parentId === null);
  }
}

@Resolver(() => Criterion)
export class CriterionResolver {
  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() criterion: Criterion): string {
    return toGlobalId('Criterion', criterion.id);
  }

  @FieldResolver(() => String, { nullable: true, description: '计分类型的中文名；上级指标为空' })
  scoringTypeLabel(@Root() criterion: Criterion): string | null {
    return criterion.scoringType ? scoringTypeLabels[criterion.scoringType] : null;
  }

  @FieldResolver(() => Criterion, { nullable: true, description: '上级指标；维度为空' })
  async parent(@Root() criterion: Criterion, @Ctx() ctx: RequestContext): Promise<Criterion | null> {
    if (!criterion.parentId) return null;
    return (await frameworkService.criteriaOf(ctx, criterion.versionId)).find((c) => c.id === criterion.parentId) ?? null;
  }

  @FieldResolver(() => [Criterion], { description: '直属下级指标，按顺序' })
  async children(@Root() criterion: Criterion, @Ctx() ctx: RequestContext): Promise<Criterion[]> {
    return (await frameworkService.criteriaOf(ctx, criterion.versionId)).filter((c) => c.parentId === criterion.id);
  }

  @FieldResolver(() => Boolean, { description: '是否末级指标（直接打分的评分项）' })
  async isLeaf(@Root() criterion: Criterion, @Ctx() ctx: RequestContext): Promise<boolean> {
    return !(await frameworkService.criteriaOf(ctx, criterion.versionId)).some((c) => c.parentId === criterion.id);
  }
}

@Resolver(() => CriterionSourceType)
export class CriterionSourceResolver {
  @FieldResolver(() => String, { description: '来源类型的中文名' })
  kindLabel(@Root() source: CriterionSourceType): string {
    return criterionSourceKindLabels[source.kind];
  }

  @FieldResolver(() => String, { nullable: true, description: '台帐类别的中文名' })
  ledgerCategoryLabel(@Root() source: CriterionSourceType): string | null {
    return source.ledgerCategory ? ledgerCategoryLabels[source.ledgerCategory] : null;
  }
}

@Resolver(() => PassRule)
export class PassRuleResolver {
  @FieldResolver(() => String, { description: '计分方式的中文名（加权求和/平均）' })
  aggregationLabel(@Root() rule: PassRule): string {
    return aggregationLabels[rule.aggregation];
  }
}

@Resolver(() => KindWeight)
export class KindWeightResolver {
  @FieldResolver(() => String, { description: '考评类型的中文名' })
  kindLabel(@Root() weight: KindWeight): string {
    return evaluationKindLabels[weight.kind];
  }
}
