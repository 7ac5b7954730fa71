import { IsOptional, Max, MaxLength, Min } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { idOf, toGlobalId } from '../../graphql/relay';
import { ExemplarKindDefinition, ExemplarSubject, exemplarSubjectLabels } from './exemplar.entity';
import { exemplarKindService } from './exemplar-kind.service';

@InputType({ description: '设立典型类别（称号）' })
class CreateExemplarKindInput {
  @Field(() => String, {
    nullable: true,
    description: '代码：大写字母开头，2 至 40 个大写字母、数字或下划线（如 IRON_MODEL）；不填则自动生成 CUSTOM_n。设立后不变',
  })
  @IsOptional()
  @MaxLength(40)
  code?: string | null;
  @Field({ description: '名称（称号），如铁人式标兵、群众满意窗口' }) @MaxLength(50) name: string;
  @Field(() => ExemplarSubject, { description: '对象：个人、岗位、窗口或组织' }) subject: ExemplarSubject;
  @Field({ defaultValue: false, description: '只从直属党组织中选择（仅组织类）' }) directOrgsOnly: boolean;
  @Field(() => Int, { description: '名额上限的最小值（≥ 1）' }) @Min(1) @Max(100) limitMin: number;
  @Field(() => Int, { description: '名额上限的最大值（≤ 100）' }) @Min(1) @Max(100) limitMax: number;
  @Field(() => Int, { description: '默认名额：未设置某年某单位类别的名额时的上限，须在最小值和最大值之间' })
  @Min(1)
  @Max(100)
  limitDefault: number;
  @Field({ defaultValue: true, description: '命名前是否须经公示' }) needsPublicNotice: boolean;
  @Field({ defaultValue: '', description: '说明：评选条件、依据' }) @MaxLength(2000) description: string;
  @Field(() => Int, { nullable: true, description: '排列顺序；不填排在最后' }) @IsOptional() @Min(0) @Max(10000) position?: number | null;
}

@InputType({ description: '修改典型类别：只改填写的项，未填写的保持不变' })
class UpdateExemplarKindInput {
  @Field(() => ID, { description: '典型类别' }) id: string;
  @Field(() => String, { nullable: true, description: '名称（称号）' }) @IsOptional() @MaxLength(50) name?: string | null;
  @Field(() => ExemplarSubject, { nullable: true, description: '对象；已有典型的类别不能再改' }) subject?: ExemplarSubject | null;
  @Field(() => Boolean, { nullable: true, description: '只从直属党组织中选择（仅组织类）' }) directOrgsOnly?: boolean | null;
  @Field(() => Int, { nullable: true, description: '名额上限的最小值' }) @IsOptional() @Min(1) @Max(100) limitMin?: number | null;
  @Field(() => Int, { nullable: true, description: '名额上限的最大值' }) @IsOptional() @Min(1) @Max(100) limitMax?: number | null;
  @Field(() => Int, { nullable: true, description: '默认名额' }) @IsOptional() @Min(1) @Max(100) limitDefault?: number | null;
  @Field(() => Boolean, { nullable: true, description: '命名前是否须经公示（影响此后的命名）' }) needsPublicNotice?: boolean | null;
  @Field(() => String, { nullable: true, description: '说明' }) @IsOptional() @MaxLength(2000) description?: string | null;
  @Field(() => Int, { nullable: true, description: '排列顺序' }) @IsOptional() @Min(0) @Max(10000) position?: number | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'true 停用（不再受理推荐，已有典型照常流转），false 恢复使用',
  })
  retired?: boolean | null;
}

@Resolver(() => ExemplarKindDefinition)
export class ExemplarKindResolver {
  @Query(() => [ExemplarKindDefinition], {
    description: '本单位的典型类别（称号），按排列顺序；默认不含已停用的（至多 30 个）',
  })
  async exemplarKinds(
    @Ctx() ctx: RequestContext,
    @Arg('includeRetired', { defaultValue: false, description: '是否包括已停用的类别' }) includeRetired: boolean,
  ): Promise<ExemplarKindDefinition[]> {
    return exemplarKindService.list(ctx, includeRetired);
  }

  @Query(() => ExemplarKindDefinition, { description: '一个典型类别（本单位任何人可读）' })
  async exemplarKind(
    @Arg('id', () => ID, { description: '典型类别编号' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ExemplarKindDefinition> {
    return exemplarKindService.getOrThrow(ctx, idOf('ExemplarKindDefinition', id, 'Exemplar kind'));
  }

  @Mutation(() => ExemplarKindDefinition, {
    description: '设立典型类别（称号），如铁人式标兵、优秀服务标兵、群众满意窗口、优质服务品牌（根组织的管理员；每单位至多 30 个）',
  })
  async createExemplarKind(
    @Arg('input', { description: '类别的名称、对象、名额范围和是否公示' }) input: CreateExemplarKindInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ExemplarKindDefinition> {
    return exemplarKindService.create(ctx, input);
  }

  @Mutation(() => ExemplarKindDefinition, {
    description: '修改典型类别（根组织的管理员）：部分修改；停用或恢复；默认三类也可修改名称、名额范围和是否公示',
  })
  async updateExemplarKind(
    @Arg('input', { description: '要修改的项' }) input: UpdateExemplarKindInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ExemplarKindDefinition> {
    const { id, ...patch } = input;
    return exemplarKindService.update(ctx, idOf('ExemplarKindDefinition', id, 'Exemplar kind'), patch);
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() k: ExemplarKindDefinition): string {
    return toGlobalId('ExemplarKindDefinition', k.id);
  }

  @FieldResolver(() => String, { description: '对象的中文名（个人/岗位/窗口/组织）' })
  subjectLabel(@Root() k: ExemplarKindDefinition): string {
    return exemplarSubjectLabels[k.subject];
  }

  @FieldResolver(() => Boolean, { description: '是否已停用' })
  retired(@Root() k: ExemplarKindDefinition): boolean {
    return k.retiredAt !== null;
  }
}
