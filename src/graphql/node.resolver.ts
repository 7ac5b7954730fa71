import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { RequestContext } from './context';
import { coreError } from './errors';
import { fetchNode } from './node-fetch';
import { Node } from './relay';

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: '按全局编号读取任一对象；不存在或不在权限范围内时为空' })
  async node(@Arg('id', () => ID, { description: '全局编号' }) id: string, @Ctx() ctx: RequestContext): Promise<object | null> {
    return fetchNode(ctx, id);
  }

  @Query(() => [Node], { nullable: 'items', description: '按全局编号一次读取至多 100 个对象（按给定顺序；不可见者为空）' })
  async nodes(
    @Arg('ids', () => [ID], { description: '全局编号（至多 100 个）' }) ids: string[],
    @Ctx() ctx: RequestContext,
  ): Promise<(object | null)[]> {
    if (ids.length > 100) throw coreError('TOO_MANY_IDS', { field: 'ids', params: { limit: 100 } });
    return Promise.all(ids.map((id) => fetchNode(ctx, id)));
  }
}
