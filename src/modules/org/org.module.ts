import { rawIdOf } from '../../graphql/relay';
import { DomainModule, ReadAhead } from '../domain-module';
import { Org } from './org.entity';
import { OrgResolver } from './org.resolver';
import { orgService, orgsByIdStatement } from './org.service';

/** A root field that first reads the org its argument names: that read goes with the opening round trip. */
const orgNamedBy =
  (arg: string): ReadAhead =>
  (tx, tenantId, args) => {
    const id = rawIdOf('Org', args[arg]);
    return id ? orgsByIdStatement(tx, tenantId, [id]) : null;
  };

export default {
  name: 'org',
  resolvers: [OrgResolver],
  entities: [Org],
  nodes: { Org: (ctx, id) => orgService.findById(ctx, id) },
  // org(id:) and orgs(under:) read the org through the by-id loader first (read-ahead.ts)
  readAhead: { org: orgNamedBy('id'), orgs: orgNamedBy('under') },
} satisfies DomainModule;
