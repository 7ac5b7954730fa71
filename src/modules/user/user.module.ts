import { DomainModule } from '../domain-module';
import { RoleAssignment, User } from './user.entity';
import { RoleAssignmentResolver, UserResolver, ViewerUserResolver } from './user.resolver';
import { userService } from './user.service';
import { userSweeps } from './user.sweeps';

export default {
  name: 'user',
  resolvers: [UserResolver, RoleAssignmentResolver, ViewerUserResolver],
  entities: [User, RoleAssignment],
  nodes: {
    User: (ctx, id) => userService.findById(ctx, id),
    RoleAssignment: (ctx, id) => userService.findAssignment(ctx, id),
  },
  /** Refresh tokens dead past their retention leave (sign-in is core's; the sweep is registered here). */
  sweeps: userSweeps,
} satisfies DomainModule;
