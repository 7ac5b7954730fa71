import { RequestContext } from '../../graphql/context';
import { leadingGroupService } from './leading-group.service';

/** 五(一): 鞠世闻任组长，陈莉莉任副组长，办公室设在局组织科 (the root org, where the 组织科 admin sits). */
export async function seedLeadingGroupDemo(
  ctx: RequestContext,
  demo: { slug: string; campaignId: string; rootOrgId: string },
): Promise<void> {
  const users = await ctx.tx.query<{ id: string; username: string }>(`SELECT id, username FROM users WHERE tenant_id = app_tenant_id()`);
  const id = (username: string) => {
    const user = users.find((u) => u.username === username);
    if (!user) throw new Error(`demo data: unknown user ${username}`);
    return user.id;
  };
  if (demo.slug === 'jtj') {
    await leadingGroupService.set(ctx, {
      campaignId: demo.campaignId,
      officeOrgId: demo.rootOrgId,
      officeNote: '局组织科',
      leader: { userId: id('leader'), title: '局领导' },
      deputies: [{ userId: id('deputy'), title: '局领导' }],
      members: [
        { userId: id('admin'), title: '领导小组办公室（局组织科）' },
        { userId: id('inspector'), title: '督导组' },
      ],
    });
  } else if (demo.slug === 'szjg') {
    await leadingGroupService.set(ctx, {
      campaignId: demo.campaignId,
      officeOrgId: demo.rootOrgId,
      officeNote: '工委组织部',
      leader: { userId: id('leader'), title: '工委书记' },
      deputies: [],
      members: [{ userId: id('admin'), title: '领导小组办公室（工委组织部）' }],
    });
  }
}
