import { DomainModule } from '../domain-module';
import { PeerHelpRequest, PeerPairing } from './peer-help.entity';
import { OrgPeerHelpResolver, PeerHelpRequestResolver, PeerPairingResolver } from './peer-help.resolver';
import { seedPeerHelp } from './peer-help.seed';
import { peerHelpService } from './peer-help.service';

export default {
  name: 'peer-help',
  resolvers: [PeerPairingResolver, PeerHelpRequestResolver, OrgPeerHelpResolver],
  entities: [PeerPairing, PeerHelpRequest],
  nodes: {
    PeerPairing: (ctx, id) => peerHelpService.findPairing(ctx, id),
    PeerHelpRequest: (ctx, id) => peerHelpService.findRequest(ctx, id),
  },
  seedDemo: seedPeerHelp,
} satisfies DomainModule;
