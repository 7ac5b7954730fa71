import { DomainModule } from '../domain-module';
import { Commitment } from './commitment.entity';
import { CommitmentResolver } from './commitment.resolver';
import { seedCommitments } from './commitment.seed';
import { commitmentService } from './commitment.service';

export default {
  name: 'commitment',
  resolvers: [CommitmentResolver],
  entities: [Commitment],
  nodes: { Commitment: (ctx, id) => commitmentService.find(ctx, id) },
  seedDemo: seedCommitments,
} satisfies DomainModule;
