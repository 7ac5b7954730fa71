import { RequestContext, requireUser } from '../../graphql/context';
import { DomainModule } from '../domain-module';
import { LinkCode } from './link-code.entity';
import { linkCodeService } from './link-code.service';

/** The demo branch whose service window carries the code the public-engagement demo data goes through. */
export const DEMO_WINDOW_ORG = '第一车队党支部';

/** An org of the seeded tenant by name (null when the tenant's demo tree has no such org). */
export async function demoOrgId(ctx: RequestContext, name: string): Promise<string | null> {
  const [row] = await ctx.tx.query<{ id: string }>(`SELECT id FROM orgs WHERE tenant_id = app_tenant_id() AND name = $1`, [name]);
  return row?.id ?? null;
}

/** A user of the seeded tenant by username (null when there is none). */
export async function demoUserId(ctx: RequestContext, username: string): Promise<string | null> {
  const [row] = await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = app_tenant_id() AND username = $1`, [username]);
  return row?.id ?? null;
}

/** The demo window's newest enabled code, as the reviews and opinions seeded after it use it. */
export async function demoWindowCode(ctx: RequestContext): Promise<LinkCode | null> {
  const orgId = await demoOrgId(ctx, DEMO_WINDOW_ORG);
  if (!orgId) return null;
  const { tenantId } = requireUser(ctx);
  return ctx.tx.repository(LinkCode).findOne({ where: { tenantId, orgId, disabled: false }, order: { createdAt: 'DESC' } });
}

/** jtj: a campaign code for 第一车队党支部's service window (the reviews and opinions seeded later use it). */
export const seedLinkCodes: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  if (demo.slug !== 'jtj') return;
  const orgId = await demoOrgId(ctx, DEMO_WINDOW_ORG);
  if (!orgId) return;
  await linkCodeService.create(ctx, { orgId, campaignId: demo.campaignId, label: '第一车队调度室服务窗口' });
};
