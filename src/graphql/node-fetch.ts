import { moduleNodes } from '../modules';
import { NodeFetcher } from '../modules/domain-module';
import { RequestContext } from './context';
import { decodeGlobalId } from './relay';

/**
 * Every Node type and how to load one instance of it within the viewer's reach (from the domain
 * modules). A Map, not a plain object: the type comes from the client, and `constructor`, `__proto__`
 * or `toString` must be as unknown as any other name. Built on first use, so that a module may
 * import fetchNode while the registry is still loading the modules.
 */
let fetchers: ReadonlyMap<string, NodeFetcher> | undefined;

/** The object behind a global id, within the viewer's reach; null when unknown or out of reach (node(id:), live events). */
export async function fetchNode(ctx: RequestContext, globalId: string): Promise<object | null> {
  fetchers ??= new Map(Object.entries(moduleNodes));
  const decoded = decodeGlobalId(globalId);
  const fetcher = decoded && fetchers.get(decoded.type);
  if (!decoded || !fetcher || !ctx.viewer) return null;
  // Operators see tenants, never what is inside them.
  if (ctx.viewer.kind === 'operator' && decoded.type !== 'Tenant') return null;
  return fetcher(ctx, decoded.id);
}
