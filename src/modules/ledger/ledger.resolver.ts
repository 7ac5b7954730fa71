import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { Connection, ConnectionShape, PageArgs, idOf, pageSize, toConnection, toGlobalId } from '../../graphql/relay';
import { DateScalar } from '../../graphql/scalars';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService, toDateString } from '../campaign/campaign.service';
import { File } from '../file/file.entity';
import { DetachFileIdsField, FileIdsField } from '../file/file.inputs';
import { fileChangesOf } from '../file/file.resolver';
import { fileService } from '../file/file.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { userService } from '../user/user.service';
import { Briefing, BriefingState, LedgerCategory, LedgerEntry, briefingStateLabels, ledgerCategoryLabels } from './ledger.entity';
import { briefingService, ledgerService } from './ledger.service';

export const LedgerEntryConnection = Connection(LedgerEntry);
export const BriefingConnection = Connection(Briefing);

const orgId = (id: string) => idOf('Org', id);
const day = (d: Date | null | undefined) => (d ? toDateString(d) : d === null ? null : undefined);

@InputType({ description: '记录一条管理台帐' })
class CreateLedgerEntryInput {
  @Field(() => ID, { description: '台帐所属的党组织' }) orgId: string;
  @Field(() => DateScalar, { description: '活动日期（不晚于今天）' }) occurredOn: Date;
  @Field(() => LedgerCategory, { description: '类别' }) category: LedgerCategory;
  @Field({ description: '标题（1–200 字）' }) @MinLength(1) @MaxLength(200) title: string;
  @Field({ defaultValue: '', description: '内容（最多 20000 字）' }) @MaxLength(20000) content: string;
  @Field(() => Int, { defaultValue: 0, description: '参加人数' }) @Min(0) @Max(100000) participants: number;
  @Field(() => ID, { nullable: true, description: '活动所属的创建活动' }) campaignId?: string | null;
  @Field(() => [String], { defaultValue: [], description: '附件的编号或地址（最多 20 项）' })
  @ArrayMaxSize(20)
  @MaxLength(500, { each: true })
  attachmentRefs: string[];
  @FileIdsField('台帐的佐证文件（会议记录、签到表、活动照片等；最多 50 个）') fileIds?: string[] | null;
}

@InputType({ description: '修改管理台帐：不填的项保持不变' })
class UpdateLedgerEntryInput {
  @Field(() => ID, { description: '台帐记录' }) id: string;
  @Field(() => DateScalar, { nullable: true, description: '活动日期（不晚于今天）' }) occurredOn?: Date | null;
  @Field(() => LedgerCategory, { nullable: true, description: '类别' }) category?: LedgerCategory | null;
  @Field(() => String, { nullable: true, description: '标题（1–200 字）' }) @IsOptional() @MinLength(1) @MaxLength(200) title?:
    string | null;
  @Field(() => String, { nullable: true, description: '内容（最多 20000 字）' }) @IsOptional() @MaxLength(20000) content?: string | null;
  @Field(() => Int, { nullable: true, description: '参加人数' }) @IsOptional() @Min(0) @Max(100000) participants?: number | null;
  @Field(() => ID, { nullable: true, description: '所属创建活动；传 null 解除关联，不填保持不变' }) campaignId?: string | null;
  @Field(() => [String], { nullable: true, description: '附件的编号或地址（最多 20 项，整体替换）' })
  @IsOptional()
  @ArrayMaxSize(20)
  @MaxLength(500, { each: true })
  attachmentRefs?: string[] | null;
  @FileIdsField('要附上的佐证文件') fileIds?: string[] | null;
  @DetachFileIdsField('要取下的佐证文件（文件本身保留）') detachFileIds?: string[] | null;
}

@InputType({ description: '删除管理台帐' })
class DeleteLedgerEntryInput {
  @Field(() => ID, { description: '台帐记录' }) id: string;
}

@ArgsType()
class LedgerEntriesArgs extends PageArgs {
  @Field(() => ID, { description: '党组织' }) orgId: string;
  @Field({ defaultValue: false, description: '是否包括下级组织的台帐（在您的权限范围内）' }) subtree: boolean;
  @Field(() => DateScalar, { nullable: true, description: '起始日期（含）' }) from?: Date | null;
  @Field(() => DateScalar, { nullable: true, description: '截止日期（含）' }) to?: Date | null;
  @Field(() => LedgerCategory, { nullable: true, description: '只列此类别' }) category?: LedgerCategory | null;
  @Field(() => ID, { nullable: true, description: '只列此创建活动的台帐' }) campaignId?: string | null;
}

@InputType({ description: '撰写简报（草稿）' })
class CreateBriefingInput {
  @Field(() => ID, { description: '报送简报的党组织（由本组织负责人撰写）' }) orgId: string;
  @Field({ description: '标题（1–200 字）' }) @MinLength(1) @MaxLength(200) title: string;
  @Field({ description: '正文（1–50000 字）' }) @MinLength(1) @MaxLength(50000) body: string;
  @Field(() => DateScalar, { nullable: true, description: '简报日期（不晚于今天，默认今天）' }) briefingOn?: Date | null;
  @FileIdsField('简报的附件（活动照片等；最多 50 个）') fileIds?: string[] | null;
}

@InputType({ description: '修改简报草稿：不填的项保持不变' })
class UpdateBriefingInput {
  @Field(() => ID, { description: '简报（草稿）' }) id: string;
  @Field(() => String, { nullable: true, description: '标题（1–200 字）' }) @IsOptional() @MinLength(1) @MaxLength(200) title?:
    string | null;
  @Field(() => String, { nullable: true, description: '正文（1–50000 字）' }) @IsOptional() @MinLength(1) @MaxLength(50000) body?:
    string | null;
  @Field(() => DateScalar, { nullable: true, description: '简报日期（不晚于今天）' }) briefingOn?: Date | null;
  @FileIdsField('要附上的附件') fileIds?: string[] | null;
  @DetachFileIdsField('要取下的附件（报送前）') detachFileIds?: string[] | null;
}

@InputType({ description: '指定一份简报' })
class BriefingIdInput {
  @Field(() => ID, { description: '简报' }) id: string;
}

@ArgsType()
class BriefingsArgs extends PageArgs {
  @Field(() => ID, { description: '上级组织：列出它自己及其下级组织的简报' }) under: string;
  @Field(() => BriefingState, { nullable: true, description: '只列此状态' }) state?: BriefingState | null;
}

@Resolver(() => LedgerEntry)
export class LedgerEntryResolver {
  @Query(() => LedgerEntryConnection, { description: '管理台帐：党组织（或其子树）的台帐记录，活动日期新的在前' })
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

  @Query(() => LedgerEntry, { description: '一条台帐记录（须在您的权限范围内）' })
  async ledgerEntry(@Arg('id', () => ID, { description: '台帐记录编号' }) id: string, @Ctx() ctx: RequestContext): Promise<LedgerEntry> {
    return ledgerService.getOrThrow(ctx, idOf('LedgerEntry', id, 'Ledger entry'));
  }

  @Mutation(() => LedgerEntry, { description: '记录管理台帐（组织书记或上级负责人）' })
  async createLedgerEntry(
    @Arg('input', { description: '记录一条管理台帐' }) input: CreateLedgerEntryInput,
    @Ctx() ctx: RequestContext,
  ): Promise<LedgerEntry> {
    const { fileIds: _files, ...fields } = input;
    return ledgerService.create(
      ctx,
      {
        ...fields,
        orgId: orgId(input.orgId),
        occurredOn: toDateString(input.occurredOn),
        campaignId: input.campaignId ? idOf('Campaign', input.campaignId) : null,
      },
      fileChangesOf(input),
    );
  }

  @Mutation(() => LedgerEntry, { description: '修改管理台帐（组织书记或上级负责人）' })
  async updateLedgerEntry(
    @Arg('input', { description: '修改管理台帐：不填的项保持不变' }) input: UpdateLedgerEntryInput,
    @Ctx() ctx: RequestContext,
  ): Promise<LedgerEntry> {
    return ledgerService.update(
      ctx,
      idOf('LedgerEntry', input.id, 'Ledger entry'),
      {
        occurredOn: day(input.occurredOn) ?? undefined,
        category: input.category ?? undefined,
        title: input.title ?? undefined,
        content: input.content ?? undefined,
        participants: input.participants ?? undefined,
        attachmentRefs: input.attachmentRefs ?? undefined,
        // null detaches; absent leaves it as it is
        campaignId: input.campaignId === undefined ? undefined : input.campaignId === null ? null : idOf('Campaign', input.campaignId),
      },
      fileChangesOf(input),
    );
  }

  @Mutation(() => Boolean, { description: '删除管理台帐（组织书记或上级负责人）' })
  async deleteLedgerEntry(
    @Arg('input', { description: '删除管理台帐' }) input: DeleteLedgerEntryInput,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return ledgerService.remove(ctx, idOf('LedgerEntry', input.id, 'Ledger entry'));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() entry: LedgerEntry): string {
    return toGlobalId('LedgerEntry', entry.id);
  }

  @FieldResolver(() => [File], { description: '台帐的佐证文件（会议记录、活动照片等；先附的在前；最多 50 个）' })
  async files(@Root() entry: LedgerEntry, @Ctx() ctx: RequestContext): Promise<File[]> {
    return fileService.attachedTo(ctx, 'LedgerEntry', entry.id);
  }

  @FieldResolver(() => String, { description: '类别的中文名' })
  categoryLabel(@Root() entry: LedgerEntry): string {
    return ledgerCategoryLabels[entry.category];
  }

  @FieldResolver(() => Org, { description: '台帐所属的党组织' })
  async org(@Root() entry: LedgerEntry, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, entry.orgId);
  }

  @FieldResolver(() => String, { nullable: true, description: '记录人的姓名' })
  async authorName(@Root() entry: LedgerEntry, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, entry.createdBy);
  }

  @FieldResolver(() => Campaign, { nullable: true, description: '所属创建活动；未关联为空' })
  async campaign(@Root() entry: LedgerEntry, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return entry.campaignId ? campaignService.findById(ctx, entry.campaignId) : null;
  }
}

@Resolver(() => Briefing)
export class BriefingResolver {
  @Query(() => BriefingConnection, {
    description: '简报信息：上级组织自己及其下级组织已报送的简报（以及您所撰写组织的草稿），简报日期新的在前',
  })
  async briefings(@Args() args: BriefingsArgs, @Ctx() ctx: RequestContext): Promise<ConnectionShape<Briefing>> {
    const under = await orgService.getInScopeOrThrow(ctx, orgId(args.under));
    return toConnection(await briefingService.list(ctx, under, args.state, pageSize(args), args.after));
  }

  @Query(() => Briefing, { description: '一份简报（草稿仅本组织负责人可见，已报送的本组织及上级可见）' })
  async briefing(@Arg('id', () => ID, { description: '简报编号' }) id: string, @Ctx() ctx: RequestContext): Promise<Briefing> {
    return briefingService.getOrThrow(ctx, idOf('Briefing', id));
  }

  @Mutation(() => Briefing, { description: '撰写简报草稿（本组织负责人）' })
  async createBriefing(
    @Arg('input', { description: '撰写简报（草稿）' }) input: CreateBriefingInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Briefing> {
    return briefingService.create(
      ctx,
      { title: input.title, body: input.body, orgId: orgId(input.orgId), briefingOn: day(input.briefingOn) },
      fileChangesOf(input),
    );
  }

  @Mutation(() => Briefing, { description: '修改简报草稿' })
  async updateBriefing(
    @Arg('input', { description: '修改简报草稿：不填的项保持不变' }) input: UpdateBriefingInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Briefing> {
    return briefingService.update(
      ctx,
      idOf('Briefing', input.id),
      { title: input.title, body: input.body, briefingOn: day(input.briefingOn) },
      fileChangesOf(input),
    );
  }

  @Mutation(() => Briefing, { description: '报送简报：草稿 → 已报送，此后本组织及各级上级可读，不能再修改' })
  async publishBriefing(
    @Arg('input', { description: '指定一份简报' }) input: BriefingIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Briefing> {
    return briefingService.publish(ctx, idOf('Briefing', input.id));
  }

  @Mutation(() => Boolean, { description: '删除简报草稿' })
  async deleteBriefing(
    @Arg('input', { description: '指定一份简报' }) input: BriefingIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return briefingService.remove(ctx, idOf('Briefing', input.id));
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() briefing: Briefing): string {
    return toGlobalId('Briefing', briefing.id);
  }

  @FieldResolver(() => [File], { description: '简报的附件（活动照片等；先附的在前；最多 50 个）；报送后不能取下' })
  async files(@Root() briefing: Briefing, @Ctx() ctx: RequestContext): Promise<File[]> {
    return fileService.attachedTo(ctx, 'Briefing', briefing.id);
  }

  @FieldResolver(() => String, { description: '状态的中文名' })
  stateLabel(@Root() briefing: Briefing): string {
    return briefingStateLabels[briefing.state];
  }

  @FieldResolver(() => Org, { description: '报送简报的党组织' })
  async org(@Root() briefing: Briefing, @Ctx() ctx: RequestContext): Promise<Org> {
    return orgService.getOrThrow(ctx, briefing.orgId);
  }

  @FieldResolver(() => String, { nullable: true, description: '撰写人的姓名' })
  async authorName(@Root() briefing: Briefing, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, briefing.createdBy);
  }

  @FieldResolver(() => String, { nullable: true, description: '报送人的姓名；草稿为空' })
  async publishedByName(@Root() briefing: Briefing, @Ctx() ctx: RequestContext): Promise<string | null> {
    return userService.displayName(ctx, briefing.publishedBy);
  }
}
