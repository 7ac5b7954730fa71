import { DomainModule } from '../domain-module';
import { AuditEntry } from './audit.entity';
import { AuditResolver } from './audit.resolver';

export default {
  name: 'audit',
  resolvers: [AuditResolver],
  entities: [AuditEntry],
  nodes: {},
} satisfies DomainModule;
