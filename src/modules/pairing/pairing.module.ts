import { DomainModule } from '../domain-module';
import { Pairing, PairingPerson, PairingVisit } from './pairing.entity';
import { PairingCadreResolver, PairingPersonResolver, PairingResolver, PairingVisitResolver } from './pairing.resolver';
import { seedPairings } from './pairing.seed';
import { pairingService } from './pairing.service';

export default {
  name: 'pairing',
  resolvers: [PairingResolver, PairingPersonResolver, PairingVisitResolver, PairingCadreResolver],
  entities: [PairingPerson, Pairing, PairingVisit],
  nodes: {
    PairingPerson: (ctx, id) => pairingService.findPerson(ctx, id),
    Pairing: (ctx, id) => pairingService.findPairing(ctx, id),
    PairingVisit: (ctx, id) => pairingService.findVisit(ctx, id),
  },
  seedDemo: seedPairings,
} satisfies DomainModule;
