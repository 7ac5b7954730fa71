import { inScope } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { ErrorCode, badInput, errorFactory } from '../../graphql/errors';
import { campaignService } from '../campaign/campaign.service';
import { orgService } from '../org/org.service';
import { Role } from '../../auth/roles';
import { LeadingGroup, LeadingGroupMember, LeadingGroupRole } from './leading-group.entity';

export enum LeadingGroupErrorReason {
  NOT_GROUP_ADMIN = 'NOT_GROUP_ADMIN',
  MEMBER_NOT_FOUND = 'MEMBER_NOT_FOUND',
  DUPLICATE_MEMBER = 'DUPLICATE_MEMBER',
}
export const leadingGroupError = errorFactory<LeadingGroupErrorReason>({
  NOT_GROUP_ADMIN: ErrorCode.FORBIDDEN,
  MEMBER_NOT_FOUND: ErrorCode.NOT_FOUND,
  DUPLICATE_MEMBER: ErrorCode.BAD_USER_INPUT,
});

export interface SeatInput {
  userId: string;
  title?: string | null;
}

export interface SetLeadingGroupInput {
  campaignId: string;
  leader: SeatInput;
  deputies: SeatInput[];
  members: SeatInput[];
  officeOrgId: string;
  officeNote?: string | null;
}

export const leadingGroupService = {
  /** Readable by every user who sees the campaign; null until set. */
  async find(ctx: RequestContext, campaignId: string): Promise<LeadingGroup | null> {
    const viewer = requireUser(ctx);
    if (!(await campaignService.findById(ctx, campaignId))) return null;
    return ctx.tx.repository(LeadingGroup).findOneBy({ tenantId: viewer.tenantId, campaignId });
  },

  async get(ctx: RequestContext, campaignId: string): Promise<LeadingGroup | null> {
    const viewer = requireUser(ctx);
    const campaign = await campaignService.getOrThrow(ctx, campaignId);
    return ctx.tx.repository(LeadingGroup).findOneBy({ tenantId: viewer.tenantId, campaignId: campaign.id });
  },

  /** Sets or replaces the whole group (tenant admin over the campaign's scope). */
  async set(ctx: RequestContext, input: SetLeadingGroupInput): Promise<LeadingGroup> {
    const viewer = requireUser(ctx);
    const campaign = await campaignService.getOrThrow(ctx, input.campaignId);
    const scope = (await orgService.findById(ctx, campaign.scopeOrgId))!;
    if (!inScope(viewer, scope.path, [Role.TENANT_ADMIN]))
      throw leadingGroupError(LeadingGroupErrorReason.NOT_GROUP_ADMIN, 'Only a tenant admin over the campaign sets its leading group');
    const seats: { field: string; role: LeadingGroupRole; seat: SeatInput }[] = [
      { field: 'input.leader', role: LeadingGroupRole.LEADER, seat: input.leader },
      ...input.deputies.map((seat, i) => ({ field: `input.deputies[${i}]`, role: LeadingGroupRole.DEPUTY, seat })),
      ...input.members.map((seat, i) => ({ field: `input.members[${i}]`, role: LeadingGroupRole.MEMBER, seat })),
    ];
    const seen = new Map<string, string>();
    for (const s of seats) {
      if (seen.has(s.seat.userId))
        throw leadingGroupError(
          LeadingGroupErrorReason.DUPLICATE_MEMBER,
          `The same person sits at ${seen.get(s.seat.userId)} and ${s.field}`,
          `${s.field}.userId`,
        );
      seen.set(s.seat.userId, s.field);
      const title = s.seat.title?.trim() ?? '';
      if (title.length > 100) throw badInput(`${s.field}.title`, 'A title has at most 100 characters');
    }
    const known: { id: string }[] = await ctx.tx.query(`SELECT id FROM users WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [
      viewer.tenantId,
      [...seen.keys()],
    ]);
    const missing = seats.find((s) => !known.some((k) => k.id === s.seat.userId));
    if (missing) throw leadingGroupError(LeadingGroupErrorReason.MEMBER_NOT_FOUND, 'User not found', `${missing.field}.userId`);
    const office = await orgService.getInScopeOrThrow(ctx, input.officeOrgId);

    await ctx.tx.query(
      `INSERT INTO leading_groups (tenant_id, campaign_id, office_org_id, office_note, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET office_org_id = EXCLUDED.office_org_id, office_note = EXCLUDED.office_note,
         updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [viewer.tenantId, campaign.id, office.id, input.officeNote?.trim() || null, viewer.userId],
    );
    await ctx.tx.query(`DELETE FROM leading_group_members WHERE tenant_id = $1 AND campaign_id = $2`, [viewer.tenantId, campaign.id]);
    await ctx.tx.query(
      `INSERT INTO leading_group_members (tenant_id, campaign_id, user_id, role, title, position)
       SELECT $1, $2, x.user_id, x.role, x.title, x.ord - 1 FROM unnest($3::uuid[], $4::text[], $5::text[]) WITH ORDINALITY AS x(user_id, role, title, ord)`,
      [
        viewer.tenantId,
        campaign.id,
        seats.map((s) => s.seat.userId),
        seats.map((s) => s.role),
        seats.map((s) => s.seat.title?.trim() ?? ''),
      ],
    );
    ctx.forget('leadingGroup.members');
    return ctx.tx.repository(LeadingGroup).findOneByOrFail({ tenantId: viewer.tenantId, campaignId: campaign.id });
  },

  async members(ctx: RequestContext, group: LeadingGroup): Promise<LeadingGroupMember[]> {
    return ctx
      .loader<string, LeadingGroupMember[]>('leadingGroup.members', async (ids) => {
        const rows = await ctx.tx
          .repository(LeadingGroupMember)
          .createQueryBuilder('m')
          .where('m.tenant_id = :t AND m.campaign_id = ANY(:ids)', { t: group.tenantId, ids: [...ids] })
          .orderBy('m.position')
          .getMany();
        return ids.map((id) => rows.filter((m) => m.campaignId === id));
      })
      .load(group.campaignId);
  },

  async officeName(ctx: RequestContext, group: LeadingGroup): Promise<string> {
    const [row] = await ctx.tx.query(`SELECT name FROM orgs WHERE tenant_id = $1 AND id = $2`, [group.tenantId, group.officeOrgId]);
    return row?.name ?? '';
  },
};
