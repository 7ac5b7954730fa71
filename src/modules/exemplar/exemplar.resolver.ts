import { IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { RequestContext, requireUser } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { displayName, visibleUser } from '../leading-group/people';
import { Org, OrgCategory, orgCategoryLabels } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import {
  Exemplar,
  ExemplarKind,
  ExemplarObjection,
  ExemplarReevaluation,
  ExemplarState,
  ExemplarStateChange,
  ReevaluationResult,
  exemplarKindLabels,
  exemplarStateLabels,
  reevaluationResultLabels,
} from './exemplar.entity';
import { EXEMPLAR_LIMIT_BOUNDS, ExemplarCountRow, exemplarService } from './exemplar.service';

export const ExemplarConnection = Connection(Exemplar);

@InputType()
class NominateExemplarInput {
  @Field(() => ExemplarKind) kind: ExemplarKind;
  @Field(() => ID, { description: 'The org (for KEY_ORG: a 直属党组织) whose post or window is nominated.' }) orgId: string;
  @Field(() => Int) @Min(2000) @Max(2100) year: number;
  @Field(() => String, { nullable: true, description: 'The post or window (required for MODEL_POST and MODEL_WINDOW).' })
  @IsOptional()
  @MaxLength(200)
  title?: string | null;
  @Field(() => String, { nullable: true, description: 'The member on the post, if one is named.' })
  @IsOptional()
  @MaxLength(100)
  memberName?: string | null;
  @Field({ defaultValue: '', description: '推荐理由 / 事迹' }) @MaxLength(20000) reason: string;
}

@InputType()
class ExemplarStepInput {
  @Field(() => ID) id: string;
  @Field({ defaultValue: '' }) @MaxLength(5000) note: string;
}

@InputType()
class StartExemplarNoticeInput {
  @Field(() => ID) id: string;
  @Field(() => DateScalar, { description: 'Today or later (the tenant’s calendar).' }) startsOn: Date;
  @Field(() => DateScalar, { description: 'Last day of the notice, inclusive.' }) endsOn: Date;
  @Field({ defaultValue: '' }) @MaxLength(5000) note: string;
}

@InputType()
class CloseExemplarInput {
  @Field(() => ID) id: string;
  @Field() @MinLength(1) @MaxLength(5000) reason: string;
}

@InputType()
class LodgeExemplarObjectionInput {
  @Field(() => ID) exemplarId: string;
  @Field() @MinLength(1) @MaxLength(5000) text: string;
}

@InputType()
class AnswerExemplarObjectionInput {
  @Field(() => ID) objectionId: string;
  @Field() @MinLength(1) @MaxLength(5000) answer: string;
  @Field({ defaultValue: false, description: 'true when the objection is justified: the nomination can then only be rejected.' })
  upheld: boolean;
}

@InputType()
class ReevaluateExemplarInput {
  @Field(() => ID) id: string;
  @Field(() => DateScalar) evaluatedOn: Date;
  @Field(() => ReevaluationResult) result: ReevaluationResult;
  @Field({ defaultValue: '', description: 'For REVOKE, the reason.' }) @MaxLength(5000) note: string;
}

@InputType()
class SetExemplarLimitInput {
  @Field(() => Int) @Min(2000) @Max(2100) year: number;
  @Field(() => ExemplarKind) kind: ExemplarKind;
  @Field(() => OrgCategory) category: OrgCategory;
  @Field(() => Int, { description: 'How many may hold the title at once, within exemplarLimitBounds (the source: 1–3).' }) limit: number;
}

@ArgsType()
class ExemplarsArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Orgs in this subtree.' }) under?: string;
  @Field(() => ExemplarKind, { nullable: true }) kind?: ExemplarKind;
  @Field(() => OrgCategory, { nullable: true }) category?: OrgCategory;
  @Field(() => ExemplarState, { nullable: true }) state?: ExemplarState;
  @Field(() => Int, { nullable: true }) year?: number;
}

@ObjectType({ description: 'One kind and category of a year against the tenant’s limit.' })
class ExemplarCount {
  @Field(() => Int) year: number;
  @Field(() => ExemplarKind) kind: ExemplarKind;
  @Field() kindLabel: string;
  @Field(() => OrgCategory) category: OrgCategory;
  @Field() categoryLabel: string;
  @Field(() => Int) limit: number;
  @Field(() => Int, { description: 'Holding the title (NAMED or RE_EVALUATED).' }) named: number;
  @Field(() => Int, { description: 'Nominated, under review or in public notice.' }) pending: number;
  @Field(() => Int, { description: 'Titles still to give.' }) remaining: number;
}

@ObjectType({ description: 'The range a tenant admin may set an exemplar limit within, and the limit when none is set.' })
class ExemplarLimitBounds {
  @Field(() => Int) min: number;
  @Field(() => Int) max: number;
  @Field(() => Int, { name: 'default' }) default: number;
  @Field({ description: 'Where the bounds come from.' }) source: string;
}

const countOf =
  (year: number) =>
  (r: ExemplarCountRow): ExemplarCount => ({
    year,
    kind: r.kind,
    kindLabel: exemplarKindLabels[r.kind],
    category: r.category,
    categoryLabel: orgCategoryLabels[r.category],
    limit: r.limit,
    named: r.named,
    pending: r.pending,
    remaining: Math.max(r.limit - r.named, 0),
  });
const exemplarId = (id: string) => idOf('Exemplar', id);

@Resolver(() => Exemplar)
export class ExemplarResolver {
  @Query(() => Exemplar)
  async exemplar(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.getOrThrow(ctx, exemplarId(id));
  }

  @Query(() => ExemplarConnection, {
    description: 'Exemplars by kind, category, state and year: any state in the viewer’s scope, public ones (公示, named) tenant-wide.',
  })
  async exemplars(@Args() args: ExemplarsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Exemplar>> {
    const under = args.under ? await orgService.getOrThrow(ctx, idOf('Org', args.under)) : null;
    return toConnection(
      await exemplarService.list(
        ctx,
        { under, kind: args.kind, category: args.category, state: args.state, year: args.year },
        pageSize(args),
        args.after,
      ),
    );
  }

  @Query(() => ExemplarLimitBounds, { description: 'The bounds setExemplarLimit accepts.' })
  exemplarLimitBounds(): ExemplarLimitBounds {
    return { ...EXEMPLAR_LIMIT_BOUNDS, source: '按照机关、事业、企业的分类，筛选1-3个' };
  }

  @Query(() => [ExemplarCount], { description: 'Per kind and category of the year: the limit, the titles given and those on the way.' })
  async exemplarCounts(
    @Ctx() ctx: RequestContext,
    @Arg('year', () => Int) year: number,
    @Arg('kind', () => ExemplarKind, { nullable: true }) kind?: ExemplarKind,
  ): Promise<ExemplarCount[]> {
    return (await exemplarService.counts(ctx, year, kind)).map(countOf(year));
  }

  @Mutation(() => Exemplar, { description: 'The org’s secretary or an officer over it nominates a model post, model window or key org.' })
  async nominateExemplar(@Arg('input') input: NominateExemplarInput, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.nominate(ctx, { ...input, orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => Exemplar, { description: 'NOMINATED → UNDER_REVIEW (tenant).' })
  async startExemplarReview(@Arg('input') input: ExemplarStepInput, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.startReview(ctx, exemplarId(input.id), input.note);
  }

  @Mutation(() => Exemplar, { description: 'UNDER_REVIEW → PUBLIC_NOTICE (公示) for a window of days (tenant).' })
  async startExemplarNotice(@Arg('input') input: StartExemplarNoticeInput, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.startNotice(
      ctx,
      exemplarId(input.id),
      { startsOn: toDateString(input.startsOn), endsOn: toDateString(input.endsOn) },
      input.note,
    );
  }

  @Mutation(() => Exemplar, { description: 'UNDER_REVIEW or PUBLIC_NOTICE → REJECTED, with the reason (tenant).' })
  async rejectExemplar(@Arg('input') input: CloseExemplarInput, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.reject(ctx, exemplarId(input.id), input.reason);
  }

  @Mutation(() => ExemplarObjection, { description: 'Anyone in the tenant objects during the public notice window.' })
  async lodgeExemplarObjection(@Arg('input') input: LodgeExemplarObjectionInput, @Ctx() ctx: RequestContext): Promise<ExemplarObjection> {
    return exemplarService.lodgeObjection(ctx, exemplarId(input.exemplarId), input.text);
  }

  @Mutation(() => ExemplarObjection, { description: 'The tenant answers an objection; every one is answered before naming.' })
  async answerExemplarObjection(@Arg('input') input: AnswerExemplarObjectionInput, @Ctx() ctx: RequestContext): Promise<ExemplarObjection> {
    return exemplarService.answerObjection(ctx, idOf('ExemplarObjection', input.objectionId, 'Objection'), input.answer, input.upheld);
  }

  @Mutation(() => Exemplar, {
    description: 'PUBLIC_NOTICE → NAMED (命名): after the window, objections answered, within the category limit (tenant).',
  })
  async nameExemplar(@Arg('input') input: ExemplarStepInput, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.name(ctx, exemplarId(input.id), input.note);
  }

  @Mutation(() => Exemplar, { description: '复评 of a named exemplar: KEEP → RE_EVALUATED, REVOKE → REVOKED (tenant).' })
  async reevaluateExemplar(@Arg('input') input: ReevaluateExemplarInput, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.reevaluate(ctx, exemplarId(input.id), {
      evaluatedOn: toDateString(input.evaluatedOn),
      result: input.result,
      note: input.note,
    });
  }

  @Mutation(() => Exemplar, { description: 'NAMED or RE_EVALUATED → REVOKED, with the reason (tenant).' })
  async revokeExemplar(@Arg('input') input: CloseExemplarInput, @Ctx() ctx: RequestContext): Promise<Exemplar> {
    return exemplarService.revoke(ctx, exemplarId(input.id), input.reason);
  }

  @Mutation(() => ExemplarCount, { description: 'Set the year’s limit for a kind and category (tenant admin; default 3).' })
  async setExemplarLimit(@Arg('input') input: SetExemplarLimitInput, @Ctx() ctx: RequestContext): Promise<ExemplarCount> {
    return countOf(input.year)(await exemplarService.setLimit(ctx, input));
  }

  @FieldResolver(() => ID)
  id(@Root() e: Exemplar): string {
    return toGlobalId('Exemplar', e.id);
  }

  @FieldResolver(() => String)
  kindLabel(@Root() e: Exemplar): string {
    return exemplarKindLabels[e.kind];
  }

  @FieldResolver(() => String)
  categoryLabel(@Root() e: Exemplar): string {
    return orgCategoryLabels[e.category];
  }

  @FieldResolver(() => String)
  stateLabel(@Root() e: Exemplar): string {
    return exemplarStateLabels[e.state];
  }

  @FieldResolver(() => Org, { nullable: true, description: 'The org, when the viewer may read it (a public exemplar may lie outside).' })
  async org(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, e.orgId);
  }

  @FieldResolver(() => String, { description: 'The org’s name, as published.' })
  async orgName(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<string> {
    return exemplarService.orgName(ctx, e);
  }

  @FieldResolver(() => [ExemplarObjection], { description: 'All objections for the org’s officers; the viewer’s own for everyone else.' })
  async objections(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<ExemplarObjection[]> {
    return exemplarService.objections(ctx, e);
  }

  @FieldResolver(() => Int)
  async unansweredObjections(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<number> {
    return exemplarService.unansweredObjections(ctx, e);
  }

  @FieldResolver(() => [ExemplarReevaluation])
  async reevaluations(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<ExemplarReevaluation[]> {
    return exemplarService.reevaluations(ctx, e);
  }

  @FieldResolver(() => [ExemplarStateChange], { description: 'Every step, oldest first, from the nomination on.' })
  async history(@Root() e: Exemplar, @Ctx() ctx: RequestContext): Promise<ExemplarStateChange[]> {
    return exemplarService.history(ctx, e);
  }
}

@Resolver(() => ExemplarObjection)
export class ExemplarObjectionResolver {
  @FieldResolver(() => ID)
  id(@Root() o: ExemplarObjection): string {
    return toGlobalId('ExemplarObjection', o.id);
  }

  @FieldResolver(() => Boolean, { description: 'Lodged by the viewer.' })
  mine(@Root() o: ExemplarObjection, @Ctx() ctx: RequestContext): boolean {
    return o.lodgedBy === requireUser(ctx).userId;
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who objected: shown to tenant admins (and the objector) only.' })
  async lodgedBy(@Root() o: ExemplarObjection, @Ctx() ctx: RequestContext): Promise<User | null> {
    return visibleUser(ctx, o.lodgedBy);
  }

  @FieldResolver(() => Exemplar, { nullable: true })
  async exemplar(@Root() o: ExemplarObjection, @Ctx() ctx: RequestContext): Promise<Exemplar | null> {
    return exemplarService.find(ctx, o.exemplarId);
  }
}

@Resolver(() => ExemplarReevaluation)
export class ExemplarReevaluationResolver {
  @FieldResolver(() => String)
  resultLabel(@Root() r: ExemplarReevaluation): string {
    return reevaluationResultLabels[r.result];
  }

  @FieldResolver(() => String)
  async recordedByName(@Root() r: ExemplarReevaluation, @Ctx() ctx: RequestContext): Promise<string> {
    return displayName(ctx, r.recordedBy);
  }
}

@Resolver(() => ExemplarStateChange)
export class ExemplarStateChangeResolver {
  @FieldResolver(() => String, { description: 'Display name of who made the step.' })
  async movedByName(@Root() c: ExemplarStateChange, @Ctx() ctx: RequestContext): Promise<string> {
    return displayName(ctx, c.movedBy);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The user, where the viewer may read users.' })
  async movedBy(@Root() c: ExemplarStateChange, @Ctx() ctx: RequestContext): Promise<User | null> {
    return visibleUser(ctx, c.movedBy);
  }
}
