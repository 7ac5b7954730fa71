import { RequestContext } from '../../graphql/context';
import { toGlobalId } from '../../graphql/relay';
import { DomainModule } from '../domain-module';
import { showcaseService } from './showcase.service';

/** The id of the first record of `table` matching `where` (SQL written here, never input). */
async function first(ctx: RequestContext, table: string, where: string, params: unknown[] = []): Promise<string | null> {
  const [row] = await ctx.tx.query<{ id: string }>(
    `SELECT id FROM ${table} WHERE tenant_id = app_tenant_id() AND ${where} ORDER BY created_at, id LIMIT 1`,
    params,
  );
  return row?.id ?? null;
}

/**
 * 舆论引导: what each demo tenant's public feed shows. jtj publishes its named model window, the
 * "情溢旅途" brand with its standards, the fulfilled commitment of 第一车队, the awarded innovation project
 * and a service of the 党员爱心车队; its 党员学雷锋车队 waits for review, and one item was taken down
 * (never in the feed). szjg publishes its named window and its brand.
 */
export const seedShowcase: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  const publish = async (type: string, id: string | null, publish = true) => {
    if (!id) return null;
    const item = await showcaseService.propose(ctx, { sourceId: toGlobalId(type, id) });
    return publish ? showcaseService.approve(ctx, item.id, '同意在局网站专栏公开') : item;
  };
  if (demo.slug === 'jtj') {
    await publish('Exemplar', await first(ctx, 'exemplars', `state = 'NAMED' AND kind = 'MODEL_WINDOW'`));
    await publish('ServiceBrand', await first(ctx, 'service_brands', `name = '情溢旅途'`));
    await publish('Commitment', await first(ctx, 'commitments', `state = 'FULFILLED'`));
    await publish('InnovationProject', await first(ctx, 'innovation_projects', `stage IN ('AWARDED', 'PROMOTED')`));
    await publish('ServiceRecord', await first(ctx, 'service_records', `description = '春运绿色通道免费接驳'`));
    await publish('ServiceTeam', await first(ctx, 'service_teams', `name = '党员学雷锋车队'`), false);
    const withdrawn = await publish('ServiceBrand', await first(ctx, 'service_brands', `name = '彩虹坦途'`));
    if (withdrawn) await showcaseService.withdraw(ctx, withdrawn.id, '品牌标准修订中，暂缓公开');
  } else if (demo.slug === 'szjg') {
    await publish('Exemplar', await first(ctx, 'exemplars', `state = 'NAMED'`));
    await publish('ServiceBrand', await first(ctx, 'service_brands', 'true'));
  }
};
