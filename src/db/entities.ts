import { PlatformOperator, RefreshToken } from '../auth/auth.entities';
import { Org } from '../modules/org/org.entity';
import { Tenant } from '../modules/tenant/tenant.entity';
import { RoleAssignment, User } from '../modules/user/user.entity';

export const entities = [Tenant, PlatformOperator, Org, User, RoleAssignment, RefreshToken];
