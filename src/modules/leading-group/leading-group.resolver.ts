import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { idOf, toGlobalId } from '../../graphql/relay';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { userService } from '../user/user.service';
import { LeadingGroup, LeadingGroupMember, LeadingGroupRole, leadingGroupRoleLabels } from './leading-group.entity';
import { SeatInput, leadingGroupService } from './leading-group.service';

@InputType({ description: '领导小组的一个席位' })
class LeadingGroupSeatInput {
  @Field(() => ID, { description: '人员（本单位用户）' }) userId: string;
  @Field(() => String, { nullable: true, description: '职务（最多 100 字，如“局党委书记”）' }) title?: string | null;
}

@InputType({ description: '设置领导小组：整体替换原有设置' })
class SetLeadingGroupInput {
  @Field(() => ID, { description: '创建活动' }) campaignId: string;
  @Field(() => LeadingGroupSeatInput, { description: '组长' }) leader: LeadingGroupSeatInput;
  @Field(() => [LeadingGroupSeatInput], { defaultValue: [], description: '副组长（最多 20 人）' })
  @ArrayMaxSize(20)
  deputies: LeadingGroupSeatInput[];
  @Field(() => [LeadingGroupSeatInput], { defaultValue: [], description: '成员（最多 200 人）' })
  @ArrayMaxSize(200)
  members: LeadingGroupSeatInput[];
  @Field(() => ID, { description: '领导小组办公室所在的党组织（须在您的权限范围内）' }) officeOrgId: string;
  @Field(() => String, { nullable: true, description: '办公室设在何处（如“局组织科”）' }) @IsOptional() @MaxLength(200) officeNote?:
    string | null;
}

const seats = (list: LeadingGroupSeatInput[]): SeatInput[] => list.map((s) => ({ userId: idOf('User', s.userId), title: s.title ?? null }));

@Resolver(() => LeadingGroup)
export class LeadingGroupResolver {
  @Query(() => LeadingGroup, {
    nullable: true,
    description: '创建活动的领导小组；未设置为空。本单位能看到该活动的用户都可查看',
  })
  async leadingGroup(
    @Arg('campaignId', () => ID, { description: '创建活动' }) campaignId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<LeadingGroup | null> {
    return leadingGroupService.get(ctx, idOf('Campaign', campaignId));
  }

  @Mutation(() => LeadingGroup, { description: '设置或整体替换创建活动的领导小组（管辖该活动的管理员）' })
  async setLeadingGroup(
    @Arg('input', { description: '领导小组的组成' }) input: SetLeadingGroupInput,
    @Ctx() ctx: RequestContext,
  ): Promise<LeadingGroup> {
    const [leader] = seats([input.leader]);
    return leadingGroupService.set(ctx, {
      campaignId: idOf('Campaign', input.campaignId),
      leader,
      deputies: seats(input.deputies),
      members: seats(input.members),
      officeOrgId: idOf('Org', input.officeOrgId),
      officeNote: input.officeNote,
    });
  }

  @FieldResolver(() => ID, { description: '全局编号' })
  id(@Root() g: LeadingGroup): string {
    return toGlobalId('LeadingGroup', g.campaignId);
  }

  @FieldResolver(() => Campaign, { description: '所属创建活动' })
  async campaign(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<Campaign> {
    return campaignService.getOrThrow(ctx, g.campaignId);
  }

  @FieldResolver(() => LeadingGroupMember, { description: '组长' })
  async leader(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<LeadingGroupMember> {
    return leadingGroupService.leader(ctx, g);
  }

  @FieldResolver(() => [LeadingGroupMember], { description: '副组长（最多 20 人）' })
  async deputies(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<LeadingGroupMember[]> {
    return (await leadingGroupService.members(ctx, g)).filter((m) => m.role === LeadingGroupRole.DEPUTY);
  }

  @FieldResolver(() => [LeadingGroupMember], { description: '成员（最多 200 人）' })
  async members(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<LeadingGroupMember[]> {
    return (await leadingGroupService.members(ctx, g)).filter((m) => m.role === LeadingGroupRole.MEMBER);
  }

  @FieldResolver(() => Org, { nullable: true, description: '办公室所在的党组织；不在您视野内时为空（名称见 officeName）' })
  async office(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, g.officeOrgId);
  }

  @FieldResolver(() => String, { description: '办公室所在党组织的名称（所有读者可见）' })
  async officeName(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<string> {
    return leadingGroupService.officeName(ctx, g);
  }

  @FieldResolver(() => String, { description: '最后设置人的姓名' })
  async updatedByName(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<string> {
    return (await userService.displayName(ctx, g.updatedBy)) ?? '';
  }
}

@Resolver(() => LeadingGroupMember)
export class LeadingGroupMemberResolver {
  @FieldResolver(() => String, { description: '职位的中文名（组长/副组长/成员）' })
  roleLabel(@Root() m: LeadingGroupMember): string {
    return leadingGroupRoleLabels[m.role];
  }

  @FieldResolver(() => String, { description: '姓名' })
  async displayName(@Root() m: LeadingGroupMember, @Ctx() ctx: RequestContext): Promise<string> {
    return (await userService.displayName(ctx, m.userId)) ?? '';
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: '账号：仅本人和管理其所在组织的管理员可见，其他人为空（姓名见 displayName）',
  })
  async user(@Root() m: LeadingGroupMember, @Ctx() ctx: RequestContext): Promise<User | null> {
    return userService.findById(ctx, m.userId);
  }
}
