import { IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { badInput } from '../../graphql/errors';
import { idOf, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { Pairing, PairingPerson, PairingPersonKind, PairingVisit, pairingPersonKindLabels } from './pairing.entity';
import { pairingService } from './pairing.service';

@InputType()
class CreatePairingPersonInput {
  @Field(() => ID, { description: 'The org the person belongs to.' }) orgId: string;
  @Field() @MinLength(1) @MaxLength(100) name: string;
  @Field(() => PairingPersonKind) kind: PairingPersonKind;
  @Field() @MinLength(1) @MaxLength(2000) difficulty: string;
  @Field(() => String, { nullable: true, description: 'Phone or e-mail: only its masked form is kept.' })
  @IsOptional()
  @MaxLength(100)
  contact?: string | null;
}

@InputType()
class CreatePairingInput {
  @Field(() => ID, { description: 'A user holding a LEADER, SECRETARY or SUPERVISOR role.' }) cadreId: string;
  @Field(() => ID) personId: string;
  @Field({ defaultValue: '' }) @IsOptional() @MaxLength(2000) note: string;
  @Field(() => DateScalar, { nullable: true, description: 'Defaults to today.' }) startedOn?: Date | null;
}

@InputType()
class EndPairingInput {
  @Field(() => ID) id: string;
}

@InputType()
class LogPairingVisitInput {
  @Field(() => ID) pairingId: string;
  @Field(() => DateScalar) visitedOn: Date;
  @Field() @MinLength(1) @MaxLength(5000) note: string;
  @Field({ defaultValue: '' }) @IsOptional() @MaxLength(5000) helpGiven: string;
}

const clampFirst = (first: number) => Math.min(Math.max(first, 1), 100);

@Resolver(() => Pairing)
export class PairingResolver {
  @Query(() => [PairingPerson], { description: 'People in difficulty registered in the subtree.' })
  async pairingPersons(
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true }) under?: string,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
  ): Promise<PairingPerson[]> {
    const root = under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', under)) : null;
    return pairingService.persons(ctx, root, clampFirst(first));
  }

  @Query(() => [Pairing], { description: 'Pairings of people registered in the subtree, and your own.' })
  async pairings(
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true }) under?: string,
    @Arg('cadreId', () => ID, { nullable: true }) cadreId?: string,
    @Arg('activeOnly', () => Boolean, { defaultValue: true }) activeOnly = true,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
  ): Promise<Pairing[]> {
    const root = under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', under)) : null;
    return pairingService.list(ctx, { under: root, cadreId: cadreId ? idOf('User', cadreId) : undefined, activeOnly }, clampFirst(first));
  }

  @Query(() => [Pairing], {
    description: 'Active pairings with no visit in the last `days` days (counted from the start when never visited).',
  })
  async pairingsWithoutVisit(
    @Arg('days', () => Int) days: number,
    @Ctx() ctx: RequestContext,
    @Arg('under', () => ID, { nullable: true }) under?: string,
    @Arg('first', () => Int, { defaultValue: 100 }) first = 100,
  ): Promise<Pairing[]> {
    if (days < 1 || days > 3660) throw badInput('days', 'days is 1 to 3660');
    const root = under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', under)) : null;
    return pairingService.list(ctx, { under: root, idleDays: days }, clampFirst(first));
  }

  @Query(() => [User], {
    description: '每人结对联系1名以上: cadres (LEADER, SECRETARY, SUPERVISOR roles in the subtree) without an active pairing.',
  })
  async cadresWithoutPairing(@Ctx() ctx: RequestContext, @Arg('under', () => ID, { nullable: true }) under?: string): Promise<User[]> {
    const root = under ? await orgService.getInScopeOrThrow(ctx, idOf('Org', under)) : null;
    return pairingService.cadresWithoutPairing(ctx, root);
  }

  @Mutation(() => PairingPerson, { description: 'Registers a member or resident in difficulty.' })
  async createPairingPerson(@Arg('input') input: CreatePairingPersonInput, @Ctx() ctx: RequestContext): Promise<PairingPerson> {
    return pairingService.createPerson(ctx, { ...input, orgId: idOf('Org', input.orgId) });
  }

  @Mutation(() => Pairing, { description: '结对联系: pairs a cadre with a person in difficulty.' })
  async createPairing(@Arg('input') input: CreatePairingInput, @Ctx() ctx: RequestContext): Promise<Pairing> {
    return pairingService.pair(ctx, {
      cadreId: idOf('User', input.cadreId),
      personId: idOf('PairingPerson', input.personId, 'Person'),
      note: input.note ?? '',
      startedOn: input.startedOn ? toDateString(input.startedOn) : null,
    });
  }

  @Mutation(() => Pairing)
  async endPairing(@Arg('input') input: EndPairingInput, @Ctx() ctx: RequestContext): Promise<Pairing> {
    return pairingService.end(ctx, idOf('Pairing', input.id));
  }

  @Mutation(() => PairingVisit, { description: 'Logs a visit (走访) with the help given.' })
  async logPairingVisit(@Arg('input') input: LogPairingVisitInput, @Ctx() ctx: RequestContext): Promise<PairingVisit> {
    return pairingService.logVisit(ctx, {
      pairingId: idOf('Pairing', input.pairingId),
      visitedOn: toDateString(input.visitedOn),
      note: input.note,
      helpGiven: input.helpGiven ?? '',
    });
  }

  @FieldResolver(() => ID)
  id(@Root() p: Pairing): string {
    return toGlobalId('Pairing', p.id);
  }

  @FieldResolver(() => User)
  async cadre(@Root() p: Pairing, @Ctx() ctx: RequestContext): Promise<User> {
    return (await pairingService.user(ctx, p.tenantId, p.cadreId))!;
  }

  @FieldResolver(() => PairingPerson)
  async person(@Root() p: Pairing, @Ctx() ctx: RequestContext): Promise<PairingPerson> {
    return ctx
      .loader<string, PairingPerson>('pairing.persons', async (ids) => {
        const rows = await ctx.tx
          .repository(PairingPerson)
          .createQueryBuilder('x')
          .where('x.tenant_id = :t AND x.id = ANY(:ids)', { t: p.tenantId, ids: [...ids] })
          .getMany();
        return ids.map((id) => rows.find((r) => r.id === id)!);
      })
      .load(p.personId);
  }

  @FieldResolver(() => Boolean)
  active(@Root() p: Pairing): boolean {
    return p.endedOn === null;
  }

  @FieldResolver(() => [PairingVisit], { description: 'Newest first.' })
  async visits(@Root() p: Pairing, @Ctx() ctx: RequestContext): Promise<PairingVisit[]> {
    return pairingService.visits(ctx, p);
  }

  @FieldResolver(() => DateScalar, { nullable: true })
  async lastVisitOn(@Root() p: Pairing, @Ctx() ctx: RequestContext): Promise<string | null> {
    return (await pairingService.visits(ctx, p))[0]?.visitedOn ?? null;
  }
}

@Resolver(() => PairingPerson)
export class PairingPersonResolver {
  @FieldResolver(() => ID)
  id(@Root() p: PairingPerson): string {
    return toGlobalId('PairingPerson', p.id);
  }

  @FieldResolver(() => String)
  kindLabel(@Root() p: PairingPerson): string {
    return pairingPersonKindLabels[p.kind];
  }

  @FieldResolver(() => Org, { nullable: true, description: 'Null when the org lies outside your scope (a cadre paired across orgs).' })
  async org(@Root() p: PairingPerson, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, p.orgId);
  }
}

@Resolver(() => PairingVisit)
export class PairingVisitResolver {
  @FieldResolver(() => ID)
  id(@Root() v: PairingVisit): string {
    return toGlobalId('PairingVisit', v.id);
  }

  @FieldResolver(() => User, { description: 'Who logged it.' })
  async recordedBy(@Root() v: PairingVisit, @Ctx() ctx: RequestContext): Promise<User> {
    return (await pairingService.user(ctx, v.tenantId, v.recordedBy))!;
  }
}
