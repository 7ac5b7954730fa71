import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { RequestContext } from './context';
import { coreError } from './errors';
import { fetchNode } from './node-fetch';
import { Node } from './relay';

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global ID; null when unknown or out of reach.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<object | null> {
    return fetchNode(ctx, id);
  }

  @Query(() => [Node], { nullable: 'items', description: 'Up to 100 objects by global ID, in order; null for each unknown one.' })
  async nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: RequestContext): Promise<(object | null)[]> {
    if (ids.length > 100) throw coreError('TOO_MANY_IDS', { field: 'ids', params: { limit: 100 } });
    return Promise.all(ids.map((id) => fetchNode(ctx, id)));
  }
}
