import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { idOf, toGlobalId } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { Inspection } from '../supervision/supervision.entity';
import { Notice, NoticeKind, NoticeState } from './notice.entity';
import { noticeService } from './notice.service';

@InputType()
class CreateNoticeInput {
  @Field(() => NoticeKind) kind: NoticeKind;
  @Field() @MinLength(1) @MaxLength(200) title: string;
  @Field() @MaxLength(50000) body: string;
  @Field(() => ID, { nullable: true }) campaignId?: string | null;
  @Field(() => [ID], { description: 'Orgs commended or criticised.' }) @ArrayMaxSize(500) subjectOrgIds: string[];
  @Field(() => [ID], { defaultValue: [], description: 'Further orgs on the distribution list (the subjects always receive it).' })
  @ArrayMaxSize(500)
  recipientOrgIds: string[];
  @Field(() => [ID], { defaultValue: [], description: 'Inspections that justify it.' }) @ArrayMaxSize(100) inspectionIds: string[];
}

@InputType()
class DraftNoticeFromLaggingInput {
  @Field(() => ID) campaignId: string;
  @Field(() => ID, { nullable: true }) under?: string | null;
  @Field(() => Int, { defaultValue: 10 }) @Min(1) @Max(100) first: number;
  @Field(() => String, { nullable: true }) @IsOptional() @MaxLength(200) title?: string | null;
}

@InputType()
class IssueNoticeInput {
  @Field(() => ID) id: string;
  @Field(() => DateScalar, { nullable: true }) issuedOn?: Date | null;
}

@InputType()
class MarkNoticeReadInput {
  @Field(() => ID) noticeId: string;
  @Field(() => ID, { description: 'The recipient org acknowledging it.' }) orgId: string;
}

@ObjectType()
class NoticeRecipient {
  @Field(() => Org) org: Org;
  @Field(() => DateTimeScalar, { nullable: true }) readAt: Date | null;
}

async function recipient(ctx: RequestContext, row: { orgId: string; readAt: Date | null }): Promise<NoticeRecipient> {
  return { org: (await orgService.findById(ctx, row.orgId))!, readAt: row.readAt };
}

@Resolver(() => Notice)
export class NoticeResolver {
  @Query(() => [Notice], { description: 'Issued notices, and drafts for their issuers, newest first.' })
  async notices(
    @Ctx() ctx: RequestContext,
    @Arg('kind', () => NoticeKind, { nullable: true }) kind?: NoticeKind,
    @Arg('state', () => NoticeState, { nullable: true }) state?: NoticeState,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
  ): Promise<Notice[]> {
    return noticeService.list(ctx, { kind, state }, Math.min(Math.max(first, 1), 100));
  }

  @Query(() => Notice)
  async notice(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Notice> {
    return noticeService.getOrThrow(ctx, idOf('Notice', id));
  }

  @Mutation(() => Notice)
  async createNotice(@Arg('input') input: CreateNoticeInput, @Ctx() ctx: RequestContext): Promise<Notice> {
    return noticeService.create(ctx, {
      ...input,
      campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
      subjectOrgIds: input.subjectOrgIds.map((id) => idOf('Org', id)),
      recipientOrgIds: input.recipientOrgIds.map((id) => idOf('Org', id)),
      inspectionIds: input.inspectionIds.map((id) => idOf('Inspection', id)),
    });
  }

  @Mutation(() => Notice, {
    description: 'Turn a campaign’s lagging orgs (工作不力) into a draft criticism notice with the figures behind it.',
  })
  async draftNoticeFromLagging(@Arg('input') input: DraftNoticeFromLaggingInput, @Ctx() ctx: RequestContext): Promise<Notice> {
    return noticeService.draftFromLagging(ctx, {
      campaignId: idOf('Campaign', input.campaignId),
      underId: input.under ? idOf('Org', input.under) : null,
      first: input.first,
      title: input.title,
    });
  }

  @Mutation(() => Notice)
  async issueNotice(@Arg('input') input: IssueNoticeInput, @Ctx() ctx: RequestContext): Promise<Notice> {
    return noticeService.issue(ctx, idOf('Notice', input.id), input.issuedOn ? toDateString(input.issuedOn) : null);
  }

  @Mutation(() => NoticeRecipient, { description: 'A recipient org acknowledges reading the notice.' })
  async markNoticeRead(@Arg('input') input: MarkNoticeReadInput, @Ctx() ctx: RequestContext): Promise<NoticeRecipient> {
    return recipient(ctx, await noticeService.markRead(ctx, idOf('Notice', input.noticeId), idOf('Org', input.orgId)));
  }

  @FieldResolver(() => ID)
  id(@Root() notice: Notice): string {
    return toGlobalId('Notice', notice.id);
  }

  @FieldResolver(() => [Org], { description: 'Orgs commended or criticised.' })
  async subjects(@Root() notice: Notice, @Ctx() ctx: RequestContext): Promise<Org[]> {
    return noticeService.subjects(ctx, notice);
  }

  @FieldResolver(() => [NoticeRecipient], { description: 'The distribution list (within the viewer’s scope) with who has read it.' })
  async recipients(@Root() notice: Notice, @Ctx() ctx: RequestContext): Promise<NoticeRecipient[]> {
    return Promise.all((await noticeService.recipients(ctx, notice)).map((r) => recipient(ctx, r)));
  }

  @FieldResolver(() => [Inspection])
  async inspections(@Root() notice: Notice, @Ctx() ctx: RequestContext): Promise<Inspection[]> {
    return (await noticeService.inspections(ctx, notice)) as Inspection[];
  }
}
