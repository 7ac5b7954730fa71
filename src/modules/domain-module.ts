import { RequestContext } from '../graphql/context';
import { LiveEvent } from '../graphql/live';

/** Loads one instance of a Node type within the viewer's reach (null when unknown or out of reach). */
export type NodeFetcher = (ctx: RequestContext, id: string) => Promise<object | null>;

/**
 * Re-reads a live event's objects for one subscriber, under its identity (ctx: its tenant, viewer
 * and transaction): the roots of the results it may receive (none: it receives nothing).
 */
export type LiveReread = (ctx: RequestContext, event: LiveEvent) => Promise<unknown[]>;

/** A root mutation field as the mutation hooks see it. */
export interface MutationField {
  name: string;
  /** It answers a scalar (deleteLedgerEntry, revokeRole): the record it names may be gone afterwards. */
  answersScalar: boolean;
}

/**
 * Runs around every root mutation, inside its savepoint: `run` performs the mutation; a hook's own
 * writes commit or roll back with it (the audit trail).
 */
export type MutationHook = (
  ctx: RequestContext,
  field: MutationField,
  args: Record<string, unknown>,
  run: () => Promise<unknown>,
) => Promise<unknown>;

/**
 * What a domain folder contributes: its resolvers, TypeORM entities and Node types. Each folder
 * `src/modules/<name>/` exports one as `<name>.module.ts`; src/modules/index.ts collects them, so a new
 * domain plugs in without touching shared files.
 */
export interface DomainModule {
  name: string;
  resolvers: Function[];
  entities: Function[];
  nodes: Record<string, NodeFetcher>;
  /** Wraps every root mutation (core knows no module by name; the audit module registers its trail here). */
  aroundMutation?: MutationHook;
  /** What each live topic this module serves lets a subscriber see (src/graphql/live.ts), by topic. */
  liveTopics?: Record<string, LiveReread>;
  /**
   * Demo data for `npm start`: called once per demo tenant, as that tenant's admin (ctx.viewer), after
   * the tenant's framework, campaign and supervision team exist. Runs through the same services a
   * request uses, in the seed's transaction.
   */
  seedDemo?: (ctx: RequestContext, demo: { slug: string; campaignId: string; rootOrgId: string }) => Promise<void>;
}
