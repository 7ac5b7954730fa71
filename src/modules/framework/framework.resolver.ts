import { IsOptional, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import {
  Arg,
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
import { badInput } from '../../graphql/errors';
import { idOf, toGlobalId } from '../../graphql/relay';
import { Criterion, Framework, FrameworkVersion, VersionStatus } from './framework.entity';
import { frameworkService } from './framework.service';
import { PassRule, ScoringType } from './pass-rule';

export enum DocumentFormat {
  YAML = 'YAML',
  JSON = 'JSON',
}
registerEnumType(DocumentFormat, { name: 'DocumentFormat' });

@ObjectType({ description: 'A framework shipped with the platform (templates/*.yaml).' })
class FrameworkTemplate {
  @Field({ description: 'Pass this to importFramework(input: { template })' }) name: string;
  @Field() code: string;
  @Field() title: string;
  @Field() description: string;
}

@InputType()
class ImportFrameworkInput {
  @Field(() => String, { nullable: true, description: 'A shipped template name (see frameworkTemplates).' })
  @IsOptional()
  @MaxLength(40)
  template?: string | null;
  // no length validation here: the service checks the caller's role first, then the document's bounds
  // (MAX_FRAMEWORK_DOCUMENT_LENGTH and the rest in framework.document.ts), so a non-admin's document is never looked at
  @Field(() => String, { nullable: true, description: 'A framework document in YAML or JSON (format party-framework/v1).' })
  document?: string | null;
}

@InputType()
class VersionRefInput {
  @Field(() => ID) versionId: string;
}

@InputType()
class UpdatePassRuleInput {
  @Field(() => ID) versionId: string;
  @Field(() => PassRule) rule: PassRule;
}

@InputType()
class CriterionFieldsInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,40}$/, { message: 'code has 1 to 40 letters, digits or ._-' })
  code?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MinLength(1) @MaxLength(500) title?: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(20000) guidance?: string;
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(0) @Max(1000) weight?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(0) @Max(100000) maxScore?: number | null;
  @Field(() => ScoringType, { nullable: true }) scoringType?: ScoringType | null;
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(0) @Max(1_000_000) target?: number | null;
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(0) @Max(100000) deductionPer?: number | null;
  @Field(() => Boolean, { nullable: true }) bonus?: boolean;
  @Field(() => Boolean, { nullable: true }) veto?: boolean;
  @Field(() => Boolean, { nullable: true }) evidenceRequired?: boolean;
}

@InputType()
class AddCriterionInput extends CriterionFieldsInput {
  @Field(() => ID) versionId: string;
  @Field(() => ID, { nullable: true, description: 'Omit for a top-level dimension.' }) parentId?: string | null;
  @Field(() => Int, { nullable: true, description: 'Position among its siblings (0 first); default last.' })
  @IsOptional()
  @Min(0)
  position?: number | null;
}

@InputType()
class UpdateCriterionInput extends CriterionFieldsInput {
  @Field(() => ID) id: string;
}

@InputType()
class MoveCriterionInput {
  @Field(() => ID) id: string;
  @Field(() => ID, { nullable: true, description: 'New parent; null moves it to the top level.' }) newParentId?: string | null;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) position?: number | null;
}

@InputType()
class DeleteCriterionInput {
  @Field(() => ID) id: string;
}

const versionId = (id: string) => idOf('FrameworkVersion', id, 'Framework version');
const criterionId = (id: string) => idOf('Criterion', id);

@Resolver(() => Framework)
export class FrameworkResolver {
  @Query(() => [FrameworkTemplate], { description: 'Frameworks shipped as data files: 四强四有 and the 五强五化 example.' })
  frameworkTemplates(): FrameworkTemplate[] {
    return frameworkService.templates();
  }

  @Query(() => [Framework], { description: 'The tenant’s frameworks.' })
  async frameworks(@Ctx() ctx: RequestContext): Promise<Framework[]> {
    return frameworkService.list(ctx);
  }

  @Query(() => FrameworkVersion)
  async frameworkVersion(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.getVersion(ctx, versionId(id));
  }

  @Query(() => String, { description: 'A version as a YAML or JSON document that importFramework reads back.' })
  async exportFramework(
    @Arg('versionId', () => ID) id: string,
    @Arg('format', () => DocumentFormat, { defaultValue: DocumentFormat.YAML }) format: DocumentFormat,
    @Ctx() ctx: RequestContext,
  ): Promise<string> {
    return frameworkService.export(ctx, versionId(id), format);
  }

  @Mutation(() => FrameworkVersion, {
    description: 'Import a template or document as a new DRAFT version (of the framework with its code).',
  })
  async importFramework(@Arg('input') input: ImportFrameworkInput, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.import(ctx, input);
  }

  @Mutation(() => FrameworkVersion, { description: 'Copy a version into a new DRAFT.' })
  async createDraftFrom(@Arg('input') input: VersionRefInput, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.createDraftFrom(ctx, versionId(input.versionId));
  }

  @Mutation(() => FrameworkVersion, { description: 'Validate the whole draft (every problem reported at once) and publish it.' })
  async publishVersion(@Arg('input') input: VersionRefInput, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.publish(ctx, versionId(input.versionId));
  }

  @Mutation(() => FrameworkVersion)
  async retireVersion(@Arg('input') input: VersionRefInput, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.retire(ctx, versionId(input.versionId));
  }

  @Mutation(() => FrameworkVersion)
  async updatePassRule(@Arg('input') input: UpdatePassRuleInput, @Ctx() ctx: RequestContext): Promise<FrameworkVersion> {
    return frameworkService.updateRule(ctx, versionId(input.versionId), input.rule);
  }

  @Mutation(() => Criterion)
  async addCriterion(@Arg('input') input: AddCriterionInput, @Ctx() ctx: RequestContext): Promise<Criterion> {
    if (!input.code || !input.title) throw badInput(input.code ? 'input.title' : 'input.code', 'code and title are required');
    return frameworkService.addCriterion(ctx, {
      ...input,
      code: input.code,
      title: input.title,
      versionId: versionId(input.versionId),
      parentId: input.parentId ? criterionId(input.parentId) : null,
    });
  }

  @Mutation(() => Criterion)
  async updateCriterion(@Arg('input') input: UpdateCriterionInput, @Ctx() ctx: RequestContext): Promise<Criterion> {
    const { id, ...patch } = input;
    return frameworkService.updateCriterion(ctx, criterionId(id), patch);
  }

  @Mutation(() => Criterion)
  async moveCriterion(@Arg('input') input: MoveCriterionInput, @Ctx() ctx: RequestContext): Promise<Criterion> {
    return frameworkService.moveCriterion(
      ctx,
      criterionId(input.id),
      input.newParentId ? criterionId(input.newParentId) : null,
      input.position,
    );
  }

  @Mutation(() => Boolean, { description: 'Delete a criterion with everything under it.' })
  async deleteCriterion(@Arg('input') input: DeleteCriterionInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return frameworkService.deleteCriterion(ctx, criterionId(input.id));
  }

  @FieldResolver(() => ID)
  id(@Root() framework: Framework): string {
    return toGlobalId('Framework', framework.id);
  }

  @FieldResolver(() => [FrameworkVersion])
  async versions(@Root() framework: Framework, @Ctx() ctx: RequestContext): Promise<FrameworkVersion[]> {
    return frameworkService.versionsOf(ctx, framework);
  }

  @FieldResolver(() => FrameworkVersion, { nullable: true, description: 'The published version, if any.' })
  async publishedVersion(@Root() framework: Framework, @Ctx() ctx: RequestContext): Promise<FrameworkVersion | null> {
    return (await frameworkService.versionsOf(ctx, framework)).find((v) => v.status === VersionStatus.PUBLISHED) ?? null;
  }
}

@Resolver(() => FrameworkVersion)
export class FrameworkVersionResolver {
  @FieldResolver(() => ID)
  id(@Root() version: FrameworkVersion): string {
    return toGlobalId('FrameworkVersion', version.id);
  }

  @FieldResolver(() => Framework)
  async framework(@Root() version: FrameworkVersion, @Ctx() ctx: RequestContext): Promise<Framework> {
    return (await frameworkService.findFramework(ctx, version.frameworkId))!;
  }

  @FieldResolver(() => [Criterion], { description: 'Every criterion in tree order (parents before children).' })
  async criteria(@Root() version: FrameworkVersion, @Ctx() ctx: RequestContext): Promise<Criterion[]> {
    return frameworkService.criteriaOf(ctx, version.id);
  }

  @FieldResolver(() => [Criterion], { description: 'Top-level dimensions.' })
  async dimensions(@Root() version: FrameworkVersion, @Ctx() ctx: RequestContext): Promise<Criterion[]> {
    return (await frameworkService.criteriaOf(ctx, version.id)).filter((c) => c.parentId === null);
  }
}

@Resolver(() => Criterion)
export class CriterionResolver {
  @FieldResolver(() => ID)
  id(@Root() criterion: Criterion): string {
    return toGlobalId('Criterion', criterion.id);
  }

  @FieldResolver(() => Criterion, { nullable: true })
  async parent(@Root() criterion: Criterion, @Ctx() ctx: RequestContext): Promise<Criterion | null> {
    if (!criterion.parentId) return null;
    return (await frameworkService.criteriaOf(ctx, criterion.versionId)).find((c) => c.id === criterion.parentId) ?? null;
  }

  @FieldResolver(() => [Criterion])
  async children(@Root() criterion: Criterion, @Ctx() ctx: RequestContext): Promise<Criterion[]> {
    return (await frameworkService.criteriaOf(ctx, criterion.versionId)).filter((c) => c.parentId === criterion.id);
  }

  @FieldResolver(() => Boolean)
  async isLeaf(@Root() criterion: Criterion, @Ctx() ctx: RequestContext): Promise<boolean> {
    return !(await frameworkService.criteriaOf(ctx, criterion.versionId)).some((c) => c.parentId === criterion.id);
  }
}
