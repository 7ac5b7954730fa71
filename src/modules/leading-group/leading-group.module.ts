import { DomainModule } from '../domain-module';
import { LeadingGroup, LeadingGroupMember } from './leading-group.entity';
import { LeadingGroupMemberResolver, LeadingGroupResolver } from './leading-group.resolver';
import { seedLeadingGroupDemo } from './leading-group.seed';
import { leadingGroupService } from './leading-group.service';

export default {
  name: 'leading-group',
  resolvers: [LeadingGroupResolver, LeadingGroupMemberResolver],
  entities: [LeadingGroup, LeadingGroupMember],
  nodes: { LeadingGroup: (ctx, id) => leadingGroupService.find(ctx, id) },
  seedDemo: seedLeadingGroupDemo,
} satisfies DomainModule;
