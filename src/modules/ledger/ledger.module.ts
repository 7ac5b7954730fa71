import { DomainModule } from '../domain-module';
import { Briefing, LedgerEntry } from './ledger.entity';
import { BriefingResolver, LedgerEntryResolver } from './ledger.resolver';
import { seedLedger } from './ledger.seed';
import { briefingService, ledgerService } from './ledger.service';

export default {
  name: 'ledger',
  resolvers: [LedgerEntryResolver, BriefingResolver],
  entities: [LedgerEntry, Briefing],
  nodes: {
    LedgerEntry: (ctx, id) => ledgerService.find(ctx, id),
    Briefing: (ctx, id) => briefingService.find(ctx, id),
  },
  seedDemo: seedLedger,
} satisfies DomainModule;
