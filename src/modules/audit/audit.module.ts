import { DomainModule } from '../domain-module';
import { AuditEntry } from './audit.entity';
import { AuditResolver } from './audit.resolver';
import { auditService } from './audit.service';

export default {
  name: 'audit',
  resolvers: [AuditResolver],
  entities: [AuditEntry],
  nodes: {},
  /** Every successful mutation leaves its entry in the same transaction; the org is read first when the record may vanish. */
  async aroundMutation(ctx, field, args, run) {
    const orgBefore = field.answersScalar ? await auditService.orgOfInput(ctx, args) : null;
    const result = await run();
    await auditService.record(ctx, field.name, args, result, orgBefore);
    return result;
  },
} satisfies DomainModule;
