import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Briefing, BriefingState, LedgerCategory, LedgerEntry, briefingStateLabels, ledgerCategoryLabels } from './ledger.entity';
import { briefingService, ledgerService } from './ledger.service';

export const LedgerEntryConnection = Connection(LedgerEntry);
export const BriefingConnection = Connection(Briefing);

const orgId = (id: string) => idOf('Org', id);
const day = (d: Date | null | undefined) => (d ? toDateString(d) : d === null ? null : undefined);

@InputType()
class CreateLedgerEntryInput {
  @Field(() => ID) orgId: string;
  @Field(() => DateScalar) occurredOn: Date;
  @Field(() => LedgerCategory) category: LedgerCategory;
  @Field() @MinLength(1) @MaxLength(200) title: string;
  @Field({ defaultValue: '' }) @MaxLength(20000) content: string;
  @Field(() => Int, { defaultValue: 0 }) @Min(0) @Max(100000) participants: number;
  @Field(() => ID, { nullable: true, description: 'The campaign the activity belongs to.' }) campaignId?: string | null;
  @Field(() => [String], { defaultValue: [] }) @ArrayMaxSize(20) @MaxLength(500, { each: true }) attachmentRefs: string[];
}

@InputType()
class UpdateLedgerEntryInput {
  @Field(() => ID) id: string;
  @Field(() => DateScalar, { nullable: true }) occurredOn?: Date | null;
  @Field(() => LedgerCategory, { nullable: true }) category?: LedgerCategory | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MinLength(1) @MaxLength(200) title?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(20000) content?: string | null;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) @Max(100000) participants?: number | null;
  @Field(() => ID, { nullable: true, description: 'null detaches the entry from its campaign.' }) campaignId?: string | null;
  @Field(() => [String], { nullable: true }) @IsOptional() @ArrayMaxSize(20) @MaxLength(500, { each: true }) attachmentRefs?:
    string[] | null;
}

@InputType()
class DeleteLedgerEntryInput {
  @Field(() => ID) id: string;
}

@ArgsType()
class LedgerEntriesArgs extends PageArgs {
  @Field(() => ID) orgId: string;
  @Field({ defaultValue: false, description: 'Include the subordinate orgs’ entries (within your scope).' }) subtree: boolean;
  @Field(() => DateScalar, { nullable: true }) from?: Date | null;
  @Field(() => DateScalar, { nullable: true }) to?: Date | null;
  @Field(() => LedgerCategory, { nullable: true }) category?: LedgerCategory | null;
  @Field(() => ID, { nullable: true }) campaignId?: string | null;
}

@InputType()
class CreateBriefingInput {
  @Field(() => ID, { description: 'The org reporting; its own officers write it.' }) orgId: string;
  @Field() @MinLength(1) @MaxLength(200) title: string;
  @Field() @MinLength(1) @MaxLength(50000) body: string;
  @Field(() => DateScalar, { nullable: true, description: 'Defaults to today.' }) briefingOn?: Date | null;
}

@InputType()
class UpdateBriefingInput {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) @IsOptional() @MinLength(1) @MaxLength(200) title?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @MinLength(1) @MaxLength(50000) body?: string | null;
  @Field(() => DateScalar, { nullable: true }) briefingOn?: Date | null;
}

@InputType()
class BriefingIdInput {
  @Field(() => ID) id: string;
}

@ArgsType()
class BriefingsArgs extends PageArgs {
  @Field(() => ID, { description: 'The superior org: its own and its subordinates’ briefings.' }) under: string;
  @Field(() => BriefingState, { nullable: true }) state?: BriefingState | null;
}

@Resolver(() => LedgerEntry)
export class LedgerEntryResolver {
  @Query(() => LedgerEntryConnection, { description: '管理台帐 of an org (or its subtree), newest activity first.' })
  async ledgerEntries(@Args() args: LedgerEntriesArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<LedgerEntry>> {
    const org = await orgService.getInScopeOrThrow(ctx, orgId(args.orgId));
    const filter = {
      subtree: args.subtree,
      from: day(args.from),
      to: day(args.to),
      category: args.category,
      campaignId: args.campaignId ? idOf('Campaign', args.campaignId) : null,
    };
    return toConnection(await ledgerService.list(ctx, org, filter, pageSize(args), args.after));
  }

  @Query(() => LedgerEntry)
  async ledgerEntry(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<LedgerEntry> {
    return ledgerService.getOrThrow(ctx, idOf('LedgerEntry', id, 'Ledger entry'));
  }

  @Mutation(() => LedgerEntry, { description: 'Record an activity in the org’s ledger (its secretary or an officer over it).' })
  async createLedgerEntry(@Arg('input') input: CreateLedgerEntryInput, @Ctx() ctx: RequestContext): Promise<LedgerEntry> {
    return ledgerService.create(ctx, {
      ...input,
      orgId: orgId(input.orgId),
      occurredOn: toDateString(input.occurredOn),
      campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
    });
  }

  @Mutation(() => LedgerEntry)
  async updateLedgerEntry(@Arg('input') input: UpdateLedgerEntryInput, @Ctx() ctx: RequestContext): Promise<LedgerEntry> {
    return ledgerService.update(ctx, idOf('LedgerEntry', input.id, 'Ledger entry'), {
      occurredOn: day(input.occurredOn) ?? undefined,
      category: input.category ?? undefined,
      title: input.title ?? undefined,
      content: input.content ?? undefined,
      participants: input.participants ?? undefined,
      attachmentRefs: input.attachmentRefs ?? undefined,
      // null detaches; absent leaves it as it is
      campaignId: input.campaignId === undefined ? undefined : input.campaignId === null ? null : idOf('Campaign', input.campaignId),
    });
  }

  @Mutation(() => Boolean)
  async deleteLedgerEntry(@Arg('input') input: DeleteLedgerEntryInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ledgerService.remove(ctx, idOf('LedgerEntry', input.id, 'Ledger entry'));
  }

  @FieldResolver(() => ID)
  id(@Root() entry: LedgerEntry): string {
    return toGlobalId('LedgerEntry', entry.id);
  }

  @FieldResolver(() => String)
  categoryLabel(@Root() entry: LedgerEntry): string {
    return ledgerCategoryLabels[entry.category];
  }

  @FieldResolver(() => Org)
  async org(@Root() entry: LedgerEntry, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, entry.orgId))!;
  }

  @FieldResolver(() => Campaign, { nullable: true })
  async campaign(@Root() entry: LedgerEntry, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return entry.campaignId ? campaignService.findById(ctx, entry.campaignId) : null;
  }
}

@Resolver(() => Briefing)
export class BriefingResolver {
  @Query(() => BriefingConnection, {
    description: '简报信息 reported up to `under`: its own and its subordinates’ published briefings (and your drafts), newest first.',
  })
  async briefings(@Args() args: BriefingsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Briefing>> {
    const under = await orgService.getInScopeOrThrow(ctx, orgId(args.under));
    return toConnection(await briefingService.list(ctx, under, args.state, pageSize(args), args.after));
  }

  @Query(() => Briefing)
  async briefing(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Briefing> {
    return briefingService.getOrThrow(ctx, idOf('Briefing', id));
  }

  @Mutation(() => Briefing, { description: 'Draft a briefing for an org (its own officers).' })
  async createBriefing(@Arg('input') input: CreateBriefingInput, @Ctx() ctx: RequestContext): Promise<Briefing> {
    return briefingService.create(ctx, { ...input, orgId: orgId(input.orgId), briefingOn: day(input.briefingOn) });
  }

  @Mutation(() => Briefing, { description: 'Change a draft briefing.' })
  async updateBriefing(@Arg('input') input: UpdateBriefingInput, @Ctx() ctx: RequestContext): Promise<Briefing> {
    return briefingService.update(ctx, idOf('Briefing', input.id), {
      title: input.title,
      body: input.body,
      briefingOn: day(input.briefingOn),
    });
  }

  @Mutation(() => Briefing, { description: 'DRAFT → PUBLISHED: from now on the org and every superior read it.' })
  async publishBriefing(@Arg('input') input: BriefingIdInput, @Ctx() ctx: RequestContext): Promise<Briefing> {
    return briefingService.publish(ctx, idOf('Briefing', input.id));
  }

  @Mutation(() => Boolean, { description: 'Delete a draft briefing.' })
  async deleteBriefing(@Arg('input') input: BriefingIdInput, @Ctx() ctx: RequestContext): Promise<boolean> {
    return briefingService.remove(ctx, idOf('Briefing', input.id));
  }

  @FieldResolver(() => ID)
  id(@Root() briefing: Briefing): string {
    return toGlobalId('Briefing', briefing.id);
  }

  @FieldResolver(() => String)
  stateLabel(@Root() briefing: Briefing): string {
    return briefingStateLabels[briefing.state];
  }

  @FieldResolver(() => Org)
  async org(@Root() briefing: Briefing, @Ctx() ctx: RequestContext): Promise<Org> {
    return (await orgService.findById(ctx, briefing.orgId))!;
  }
}
