import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext } from '../../graphql/context';
import { idOf, toGlobalId } from '../../graphql/relay';
import { Campaign } from '../campaign/campaign.entity';
import { campaignService } from '../campaign/campaign.service';
import { Org } from '../org/org.entity';
import { orgService } from '../org/org.service';
import { User } from '../user/user.entity';
import { LeadingGroup, LeadingGroupMember, LeadingGroupRole, leadingGroupRoleLabels } from './leading-group.entity';
import { SeatInput, leadingGroupService } from './leading-group.service';
import { displayName, visibleUser } from './people';

@InputType()
class LeadingGroupSeatInput {
  @Field(() => ID) userId: string;
  @Field(() => String, { nullable: true, description: 'Their title (职务).' }) title?: string | null;
}

@InputType()
class SetLeadingGroupInput {
  @Field(() => ID) campaignId: string;
  @Field(() => LeadingGroupSeatInput, { description: '组长' }) leader: LeadingGroupSeatInput;
  @Field(() => [LeadingGroupSeatInput], { defaultValue: [], description: '副组长' }) @ArrayMaxSize(20) deputies: LeadingGroupSeatInput[];
  @Field(() => [LeadingGroupSeatInput], { defaultValue: [], description: '成员' }) @ArrayMaxSize(200) members: LeadingGroupSeatInput[];
  @Field(() => ID, { description: 'The org the office sits in.' }) officeOrgId: string;
  @Field(() => String, { nullable: true, description: 'e.g. 局组织科' }) @IsOptional() @MaxLength(200) officeNote?: string | null;
}

const seats = (list: LeadingGroupSeatInput[]): SeatInput[] => list.map((s) => ({ userId: idOf('User', s.userId), title: s.title ?? null }));

@Resolver(() => LeadingGroup)
export class LeadingGroupResolver {
  @Query(() => LeadingGroup, {
    nullable: true,
    description: 'The campaign’s leading group (领导小组); null until set. Readable by every user of the tenant who sees the campaign.',
  })
  async leadingGroup(@Arg('campaignId', () => ID) campaignId: string, @Ctx() ctx: RequestContext): Promise<LeadingGroup | null> {
    return leadingGroupService.get(ctx, idOf('Campaign', campaignId));
  }

  @Mutation(() => LeadingGroup, { description: 'Set or replace the campaign’s leading group (tenant admin).' })
  async setLeadingGroup(@Arg('input') input: SetLeadingGroupInput, @Ctx() ctx: RequestContext): Promise<LeadingGroup> {
    return leadingGroupService.set(ctx, {
      campaignId: idOf('Campaign', input.campaignId),
      leader: seats([input.leader])[0],
      deputies: seats(input.deputies),
      members: seats(input.members),
      officeOrgId: idOf('Org', input.officeOrgId),
      officeNote: input.officeNote,
    });
  }

  @FieldResolver(() => ID)
  id(@Root() g: LeadingGroup): string {
    return toGlobalId('LeadingGroup', g.campaignId);
  }

  @FieldResolver(() => Campaign)
  async campaign(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<Campaign> {
    return (await campaignService.findById(ctx, g.campaignId))!;
  }

  @FieldResolver(() => LeadingGroupMember, { description: '组长' })
  async leader(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<LeadingGroupMember> {
    return (await leadingGroupService.members(ctx, g)).find((m) => m.role === LeadingGroupRole.LEADER)!;
  }

  @FieldResolver(() => [LeadingGroupMember], { description: '副组长' })
  async deputies(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<LeadingGroupMember[]> {
    return (await leadingGroupService.members(ctx, g)).filter((m) => m.role === LeadingGroupRole.DEPUTY);
  }

  @FieldResolver(() => [LeadingGroupMember], { description: '成员' })
  async members(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<LeadingGroupMember[]> {
    return (await leadingGroupService.members(ctx, g)).filter((m) => m.role === LeadingGroupRole.MEMBER);
  }

  @FieldResolver(() => Org, { nullable: true, description: 'The office org, when the viewer may read it.' })
  async office(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<Org | null> {
    return orgService.findById(ctx, g.officeOrgId);
  }

  @FieldResolver(() => String, { description: 'The office org’s name, for every reader.' })
  async officeName(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<string> {
    return leadingGroupService.officeName(ctx, g);
  }

  @FieldResolver(() => String)
  async updatedByName(@Root() g: LeadingGroup, @Ctx() ctx: RequestContext): Promise<string> {
    return displayName(ctx, g.updatedBy);
  }
}

@Resolver(() => LeadingGroupMember)
export class LeadingGroupMemberResolver {
  @FieldResolver(() => String)
  roleLabel(@Root() m: LeadingGroupMember): string {
    return leadingGroupRoleLabels[m.role];
  }

  @FieldResolver(() => String)
  async displayName(@Root() m: LeadingGroupMember, @Ctx() ctx: RequestContext): Promise<string> {
    return displayName(ctx, m.userId);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: 'The user, where the viewer may read users (tenant admins, the person itself).',
  })
  async user(@Root() m: LeadingGroupMember, @Ctx() ctx: RequestContext): Promise<User | null> {
    return visibleUser(ctx, m.userId);
  }
}
