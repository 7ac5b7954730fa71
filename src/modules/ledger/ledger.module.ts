import { DomainModule } from '../domain-module';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { ledgerError } from './ledger.errors';
import { Briefing, LedgerEntry } from './ledger.entity';
import { BriefingResolver, LedgerEntryResolver } from './ledger.resolver';
import { seedLedger } from './ledger.seed';
import { briefingService, ledgerService } from './ledger.service';

registerAttachable(
  'LedgerEntry',
  visibleThrough((ctx, id) => ledgerService.find(ctx, id), { entity: LedgerEntry, gone: () => ledgerError('LEDGER_ENTRY_NOT_FOUND') }),
);
registerAttachable(
  'Briefing',
  visibleThrough((ctx, id) => briefingService.find(ctx, id), { entity: Briefing, gone: () => ledgerError('BRIEFING_NOT_FOUND') }),
);

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
