import { RequestContext, requireUser } from '../../graphql/context';
import { User } from '../user/user.entity';
import { userService } from '../user/user.service';

/**
 * People named in records (who moved a project, who leads the group) as the tenant knows them: a
 * display name for every tenant user, the User object only where the viewer may read users
 * (tenant admins over the user's org, or the user itself), so role assignments do not leak.
 */
export async function displayName(ctx: RequestContext, userId: string): Promise<string> {
  const viewer = requireUser(ctx);
  return ctx
    .loader<string, string>('people.displayName', async (ids) => {
      const rows: { id: string; display_name: string }[] = await ctx.tx.query(
        `SELECT id, display_name FROM users WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
        [viewer.tenantId, [...ids]],
      );
      const byId = new Map(rows.map((r) => [r.id, r.display_name]));
      return ids.map((id) => byId.get(id) ?? '');
    })
    .load(userId);
}

export function visibleUser(ctx: RequestContext, userId: string | null): Promise<User | null> {
  return userId ? userService.findById(ctx, userId) : Promise.resolve(null);
}
