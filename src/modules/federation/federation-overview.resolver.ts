import { IsOptional, Max, MaxLength, Min } from 'class-validator';
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
} from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { toGlobalId } from '../../graphql/relay';
import { DateScalar, DateTimeScalar } from '../../graphql/scalars';
import { toDateString } from '../campaign/campaign.service';
import { OrgCategory } from '../org/org.entity';
import { FederationGrantKind, LinkedTenant, TenantLink, federationGrantKindLabels } from './federation.entity';
import { MAX_GRANT_DEPTH, federationGrantService } from './federation-grant.service';
import { federationNoticeService } from './federation-notice.service';
import { Notice } from '../notice/notice.entity';

@ObjectType({ description: '报送授权：下级单位允许上级单位读取的一类汇总数据（只有汇总，不含个人、分数和授权层级以下的组织名称）' })
export class FederationGrant {
  @Field(() => FederationGrantKind, { description: '授权读取的汇总数据' }) kind: FederationGrantKind;
  @Field({ description: '汇总数据的中文名' }) kindLabel: string;
  @Field(() => Int, { nullable: true, description: '创建进度：按组织汇总到第几级（0 只有总数和分类；1 直属党组织；以此类推）' })
  depth: number | null;
  @Field(() => String, { nullable: true, description: '创建进度：报送的是下级单位的哪项创建活动' }) campaignName: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: '授权时间（上级单位看不到）' }) grantedAt: Date | null;
}

@ObjectType({ description: '下级单位按组织类别的创建进度' })
class FederatedCategoryProgress {
  @Field(() => OrgCategory, { description: '组织类别' }) category: OrgCategory;
  @Field({ description: '组织类别的中文名' }) categoryLabel: string;
  @Field(() => Int, { description: '应创建的基层组织数' }) eligible: number;
  @Field(() => Int, { description: '已完成评价的数' }) evaluated: number;
  @Field(() => Int, { description: '已建成服务型党组织的数' }) attained: number;
  @Field(() => Float, { description: '建成比例' }) ratio: number;
}

@ObjectType({ description: '下级单位某一组织（授权层级以内）及其下属的创建进度：只有名称和数目' })
class FederatedOrgProgress {
  @Field(() => Int, { description: '层级：1 为直属党组织' }) depth: number;
  @Field({ description: '组织名称' }) name: string;
  @Field(() => [String], { description: '从直属党组织到本组织的名称' }) path: string[];
  @Field(() => Int, { description: '应创建的基层组织数' }) eligible: number;
  @Field(() => Int, { description: '已完成评价的数' }) evaluated: number;
  @Field(() => Int, { description: '已建成服务型党组织的数' }) attained: number;
  @Field(() => Float, { description: '建成比例' }) ratio: number;
}

@ObjectType({ description: '本单位下发标准的一个维度：下级单位已考评组织在该维度上的平均得分' })
class FederatedItemScore {
  @Field({ description: '维度代码（本单位标准中的）' }) code: string;
  @Field({ description: '维度名称' }) title: string;
  @Field(() => Int, { description: '计入的已考评组织数' }) evaluated: number;
  @Field(() => Float, { nullable: true, description: '平均得分' }) average: number | null;
  @Field(() => Float, { nullable: true, description: '本维度的满分' }) maxPoints: number | null;
}

@ObjectType({ description: '下级单位的创建进度（汇总）：对照上级单位的目标' })
class FederatedProgress {
  @Field(() => String, { nullable: true, description: '下级单位报送的创建活动' }) campaignName: string | null;
  @Field(() => Int, { description: '授权的组织层级' }) depth: number;
  @Field(() => Int, { description: '应创建的基层组织数' }) eligible: number;
  @Field(() => Int, { description: '已完成评价的数' }) evaluated: number;
  @Field(() => Int, { description: '已建成服务型党组织的数' }) attained: number;
  @Field(() => Float, { description: '建成比例' }) ratio: number;
  @Field(() => Float, { nullable: true, description: '上级单位当前的目标比例' }) targetRatio: number | null;
  @Field(() => Boolean, { nullable: true, description: '是否达到上级单位的目标（无目标时为空）' }) onTrack: boolean | null;
  @Field(() => [FederatedCategoryProgress], { description: '按组织类别' }) byCategory: FederatedCategoryProgress[];
  @Field(() => [FederatedOrgProgress], { description: '按组织（到授权的层级为止，按组织树顺序）' }) byOrg: FederatedOrgProgress[];
  @Field({
    description:
      '是否按本单位下发的标准计算：下级单位的活动采用了本单位下发的标准时，已考评、已建成的数和各维度得分都按本单位标准的指标和达标规则算（下级单位增加的指标不计）；否则按下级单位自己的标准',
  })
  againstOurFramework: boolean;
  @Field(() => Float, { nullable: true, description: '按本单位标准的平均总分（已考评组织；未采用本单位标准时为空）' })
  averageTotal: number | null;
  @Field(() => [FederatedItemScore], { description: '本单位标准各维度的平均得分（未采用本单位标准时为空表）' })
  items: FederatedItemScore[];
}

@ObjectType({ description: '下级单位的年度党建目标考核汇总（按其本年度考核办法计算，不含各组织的分数）' })
class FederatedAssessment {
  @Field(() => Int, { description: '年度' }) year: number;
  @Field({ description: '下级单位是否定了本年度的考核办法' }) ruleSet: boolean;
  @Field(() => Int, { description: '参加考核的组织数' }) assessed: number;
  @Field(() => Float, { nullable: true, description: '平均分' }) average: number | null;
  @Field(() => Float, { nullable: true, description: '最高分' }) highest: number | null;
  @Field(() => Float, { nullable: true, description: '最低分' }) lowest: number | null;
}

@ObjectType({ description: '下级单位的督查整改统计' })
class FederatedSupervision {
  @Field(() => Int, { description: '年度' }) year: number;
  @Field(() => Int, { description: '本年度定稿的督查记录数' }) inspections: number;
  @Field(() => Int, { description: '其中发现的问题数（撤回的不计）' }) findings: number;
  @Field(() => Int, { description: '今天逾期未销号的整改数' }) overdueRectifications: number;
}

@ObjectType({ description: '一个下级单位（局）报送的汇总数据：只有授权的几类' })
class FederatedBureau {
  linkId: string;
  @Field(() => LinkedTenant, { description: '下级单位' }) tenant: LinkedTenant;
  @Field(() => [FederationGrantKind], { description: '授权的汇总数据' }) grantedKinds: FederationGrantKind[];
  @Field(() => FederatedProgress, { nullable: true, description: '创建进度（未授权时为空）' }) progress: FederatedProgress | null;
  @Field(() => FederatedAssessment, { nullable: true, description: '年度考核汇总（未授权时为空）' }) assessment: FederatedAssessment | null;
  @Field(() => FederatedSupervision, { nullable: true, description: '督查整改统计（未授权时为空）' })
  supervision: FederatedSupervision | null;
}

@ObjectType({ description: '年终数字：全部下级单位合计，对照上级单位在年底的目标' })
class FederationYearEnd {
  @Field(() => Int, { description: '年度' }) year: number;
  @Field(() => Int, { description: '应创建的基层组织数（合计）' }) eligible: number;
  @Field(() => Int, { description: '已完成评价的数（合计）' }) evaluated: number;
  @Field(() => Int, { description: '已建成的数（合计）' }) attained: number;
  @Field(() => Float, { description: '建成比例（合计）' }) ratio: number;
  @Field(() => Float, { nullable: true, description: '上级单位年底的目标比例' }) targetRatio: number | null;
  @Field(() => Boolean, { nullable: true, description: '合计是否达到年底目标' }) onTrack: boolean | null;
  @Field(() => Int, { description: '达到年底目标的下级单位数' }) bureausOnTrack: number;
  @Field(() => Int, { description: '未达到年底目标的下级单位数' }) bureausLagging: number;
  @Field(() => Int, { description: '参加年度考核的组织数（合计）' }) assessed: number;
  @Field(() => Float, { nullable: true, description: '年度考核平均分（按组织数加权）' }) averageAssessment: number | null;
  @Field(() => Int, { description: '本年度督查记录数（合计）' }) inspections: number;
  @Field(() => Int, { description: '本年度问题数（合计）' }) findings: number;
  @Field(() => Int, { description: '逾期未销号的整改数（合计）' }) overdueRectifications: number;
}

@ObjectType({ description: '上级单位的汇总视图：各下级单位报送的创建进度、落后的单位和年终数字' })
class FederationOverview {
  @Field(() => DateScalar, { description: '统计日期' }) asOf: string;
  @Field(() => Int, { description: '考核和督查统计的年度' }) year: number;
  @Field(() => String, { nullable: true, description: '目标所依据的本单位创建活动' }) targetCampaignName: string | null;
  @Field(() => Float, { nullable: true, description: '统计日期适用的目标比例' }) targetRatio: number | null;
  @Field(() => DateScalar, { nullable: true, description: '该目标的期限' }) targetDueOn: string | null;
  @Field(() => [FederatedBureau], { description: '授权了汇总数据的各下级单位，按简称排序' }) bureaus: FederatedBureau[];
  @Field(() => [FederatedBureau], { description: '未达到目标的下级单位（工作不力的候选），比例最低的在前' }) lagging: FederatedBureau[];
  @Field(() => FederationYearEnd, { description: '年终数字' }) yearEnd: FederationYearEnd;
}

@ArgsType()
class FederationOverviewArgs {
  @Field(() => ID, { nullable: true, description: '目标所依据的本单位创建活动；不填为统计日期正在进行（或最近开始）的一项' })
  campaignId?: string;
  @Field(() => Int, { nullable: true, description: '考核和督查统计的年度；不填为统计日期所在年度' })
  @Min(2000)
  @Max(2100)
  year?: number;
  @Field(() => DateScalar, { nullable: true, description: '统计日期；不填为今天' }) asOf?: Date;
}

@InputType({ description: '授权上级单位读取一类汇总数据（下级单位根组织的管理员）' })
class GrantFederationAccessInput {
  @Field(() => ID, { description: '上下级关系（本单位为下级单位，关系有效）' }) linkId: string;
  @Field(() => FederationGrantKind, { description: '授权读取的汇总数据' }) kind: FederationGrantKind;
  @Field(() => ID, { nullable: true, description: '创建进度：报送本单位的哪项创建活动' }) campaignId?: string;
  @Field(() => Int, { nullable: true, description: `创建进度：按组织汇总到第几级（0 至 ${MAX_GRANT_DEPTH}，默认 1）` }) depth?: number;
}

@InputType({ description: '由汇总视图中低于目标的下级单位起草通报' })
class DraftFederationNoticeInput {
  @Field(() => ID, { nullable: true, description: '本单位的创建活动（其目标为比较的标准）；不填为当前的活动' }) campaignId?: string;
  @Field(() => DateScalar, { nullable: true, description: '截至日期；不填为今天' }) asOf?: Date;
  @Field(() => Int, { defaultValue: 10, description: '点名的单位数（至多 50），最落后的在前' }) @Min(1) @Max(50) first: number;
  @Field(() => String, { nullable: true, description: '标题；不填按活动名称生成' }) @IsOptional() @MaxLength(200) title?: string;
}

@InputType({ description: '撤回一项报送授权' })
class RevokeFederationAccessInput {
  @Field(() => ID, { description: '上下级关系' }) linkId: string;
  @Field(() => FederationGrantKind, { description: '撤回的汇总数据' }) kind: FederationGrantKind;
}

@Resolver(() => FederatedBureau)
export class FederatedBureauResolver {
  @Query(() => FederationOverview, {
    description:
      '上级单位的汇总视图（根组织的管理员）：授权了汇总数据的各下级单位的创建进度、落后的单位和年终数字；只有汇总，没有下级单位的人员和分数',
  })
  async federationOverview(@Args() args: FederationOverviewArgs, @Ctx() ctx: RequestContext): Promise<FederationOverview> {
    return federationGrantService.overview(ctx, {
      campaignId: args.campaignId,
      year: args.year,
      asOf: args.asOf ? toDateString(args.asOf) : null,
    });
  }

  @Mutation(() => Notice, {
    description:
      '由汇总视图中低于目标的下级单位起草通报批评草稿（上级单位根组织的管理员）：点名各单位及其建成比例，附所依据的数据；印发同其他通报',
  })
  async draftFederationNotice(
    @Arg('input', { description: '本单位的活动、截至日期和点名的单位数' }) input: DraftFederationNoticeInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Notice> {
    return federationNoticeService.draftFromLagging(ctx, {
      campaignId: input.campaignId,
      asOf: input.asOf ? toDateString(input.asOf) : null,
      first: input.first,
      title: input.title,
    });
  }

  @Mutation(() => TenantLink, { description: '授权上级单位读取一类汇总数据（下级单位根组织的管理员）；再次授权同一类即修改' })
  async grantFederationAccess(
    @Arg('input', { description: '授权的内容' }) input: GrantFederationAccessInput,
    @Ctx() ctx: RequestContext,
  ): Promise<TenantLink> {
    return federationGrantService.grant(ctx, input);
  }

  @Mutation(() => TenantLink, { description: '撤回报送授权（下级单位根组织的管理员）：上级单位的下一次请求起读不到' })
  async revokeFederationAccess(
    @Arg('input', { description: '撤回的授权' }) input: RevokeFederationAccessInput,
    @Ctx() ctx: RequestContext,
  ): Promise<TenantLink> {
    return federationGrantService.revoke(ctx, input);
  }

  @FieldResolver(() => ID, { description: '上下级关系的编号' })
  linkId(@Root() bureau: FederatedBureau): string {
    return toGlobalId('TenantLink', bureau.linkId);
  }

  @FieldResolver(() => [String], { description: '授权的汇总数据的中文名' })
  grantedKindLabels(@Root() bureau: FederatedBureau): string[] {
    return bureau.grantedKinds.map((k) => federationGrantKindLabels[k]);
  }
}

@Resolver(() => TenantLink)
export class TenantLinkGrantsResolver {
  @FieldResolver(() => [FederationGrant], { description: '关系上的报送授权（下级单位看自己作出的；上级单位看收到的）' })
  async grants(@Root() link: TenantLink, @Ctx() ctx: RequestContext): Promise<FederationGrant[]> {
    const grants = await federationGrantService.grants(ctx, link);
    return grants.map((g) => ({ ...g, kindLabel: federationGrantKindLabels[g.kind] }));
  }
}
