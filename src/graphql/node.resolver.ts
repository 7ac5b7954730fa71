import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { moduleNodes } from '../modules';
import { NodeFetcher } from '../modules/domain-module';
import { RequestContext } from './context';
import { coreError } from './errors';
import { decodeGlobalId, Node } from './relay';

/**
 * Every Node type and how to load one instance of it within the viewer's reach (from the domain
 * modules). A Map, not a plain object: the type comes from the client, and `constructor`, `__proto__`
 * or `toString` must be as unknown as any other name.
 */
const fetchers: ReadonlyMap<string, NodeFetcher> = new Map(Object.entries(moduleNodes));

async function fetchNode(ctx: RequestContext, globalId: string): Promise<object | null> {
  const decoded = decodeGlobalId(globalId);
  const fetcher = decoded && fetchers.get(decoded.type);
  if (!decoded || !fetcher || !ctx.viewer) return null;
  // Operators see tenants, never what is inside them.
  if (ctx.viewer.kind === 'operator' && decoded.type !== 'Tenant') return null;
  return fetcher(ctx, decoded.id);
}

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
