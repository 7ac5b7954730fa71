import { inScope } from '../../auth/scope';
import { RequestContext, requireUser } from '../../graphql/context';
import { campaignService } from '../campaign/campaign.service';
import { orgService } from '../org/org.service';
import { Role } from '../../auth/roles';
import { LeadingGroup, LeadingGroupMember, LeadingGroupRole } from './leading-group.entity';
import { leadingGroupError } from './leading-group.errors';

const MAX_TITLE = 100;

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
  /** Readable by every user who sees the campaign; null until set (or for a campaign out of sight). */
  async find(ctx: RequestContext, campaignId: string): Promise<LeadingGroup | null> {
    const viewer = requireUser(ctx);
    if (!(await campaignService.findById(ctx, campaignId))) return null;
    return ctx.tx.repository(LeadingGroup).findOneBy({ tenantId: viewer.tenantId, campaignId });
  },

  /** The campaign's group: NOT_FOUND for a campaign out of sight, null until set. */
  async get(ctx: RequestContext, campaignId: string): Promise<LeadingGroup | null> {
    const viewer = requireUser(ctx);
    const campaign = await campaignService.getOrThrow(ctx, campaignId);
    return ctx.tx.repository(LeadingGroup).findOneBy({ tenantId: viewer.tenantId, campaignId: campaign.id });
  },

  /** Sets or replaces the whole group (tenant admin over the campaign's scope). */
  async set(ctx: RequestContext, input: SetLeadingGroupInput): Promise<LeadingGroup> {
    const viewer = requireUser(ctx);
    const campaign = await campaignService.getOrThrow(ctx, input.campaignId);
    const scope = await orgService.findById(ctx, campaign.scopeOrgId);
    if (!scope || !inScope(viewer, scope.path, [Role.TENANT_ADMIN])) throw leadingGroupError('NOT_GROUP_ADMIN');
    const seats: { field: string; role: LeadingGroupRole; seat: SeatInput }[] = [
      { field: 'input.leader', role: LeadingGroupRole.LEADER, seat: input.leader },
      ...input.deputies.map((seat, i) => ({ field: `input.deputies[${i}]`, role: LeadingGroupRole.DEPUTY, seat })),
      ...input.members.map((seat, i) => ({ field: `input.members[${i}]`, role: LeadingGroupRole.MEMBER, seat })),
    ];
    const seen = new Map<string, string>();
    for (const s of seats) {
      const taken = seen.get(s.seat.userId);
      if (taken) throw leadingGroupError('DUPLICATE_MEMBER', { field: `${s.field}.userId`, params: { seat: taken } });
      seen.set(s.seat.userId, s.field);
      const title = s.seat.title?.trim() ?? '';
      if (title.length > MAX_TITLE)
        throw leadingGroupError('LEADING_GROUP_TITLE_TOO_LONG', { field: `${s.field}.title`, params: { limit: MAX_TITLE } });
    }
    // every seat is a user of this tenant (the check reads ids only: no name, no account leaves here)
    const known = await ctx.tx.query<{ id: string; disabled: boolean }>(
      `SELECT id, disabled FROM users WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [viewer.tenantId, [...seen.keys()]],
    );
    const missing = seats.find((s) => !known.some((k) => k.id === s.seat.userId));
    if (missing) throw leadingGroupError('MEMBER_NOT_FOUND', `${missing.field}.userId`);
    const disabled = seats.find((s) => known.some((k) => k.id === s.seat.userId && k.disabled));
    if (disabled) throw leadingGroupError('MEMBER_DISABLED', `${disabled.field}.userId`);
    // the office held live to the commit: an archived org keeps no office (ORG_ARCHIVED), and an archive waits
    const office = await orgService.getLiveInScopeOrThrow(ctx, input.officeOrgId, () => undefined, 'input.officeOrgId');

    await ctx.tx.execute(
      `INSERT INTO leading_groups (tenant_id, campaign_id, office_org_id, office_note, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET office_org_id = EXCLUDED.office_org_id, office_note = EXCLUDED.office_note,
         updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [viewer.tenantId, campaign.id, office.id, input.officeNote?.trim() || null, viewer.userId],
    );
    await ctx.tx.execute(`DELETE FROM leading_group_members WHERE tenant_id = $1 AND campaign_id = $2`, [viewer.tenantId, campaign.id]);
    await ctx.tx.execute(
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

  /** Everyone in the group, in order (组长, 副组长, 成员; at most 221 seats). Batched. */
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

  /** The 组长: every group has exactly one (set() seats one, a unique index keeps it one). */
  async leader(ctx: RequestContext, group: LeadingGroup): Promise<LeadingGroupMember> {
    const leader = (await this.members(ctx, group)).find((m) => m.role === LeadingGroupRole.LEADER);
    if (!leader) throw new Error(`leading group of campaign ${group.campaignId} has no leader`);
    return leader;
  },

  /** The office org's name, for every reader of the group (the org itself may lie outside their sight). */
  async officeName(ctx: RequestContext, group: LeadingGroup): Promise<string> {
    const [row] = await ctx.tx.query<{ name: string }>(`SELECT name FROM orgs WHERE tenant_id = $1 AND id = $2`, [
      group.tenantId,
      group.officeOrgId,
    ]);
    return row?.name ?? '';
  },
};
