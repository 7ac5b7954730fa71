import { DomainModule } from '../domain-module';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { Commitment } from './commitment.entity';
import { CommitmentResolver } from './commitment.resolver';
import { seedCommitments } from './commitment.seed';
import { commitmentService } from './commitment.service';

registerAttachable(
  'CommitmentFulfilment',
  visibleThrough((ctx, id) => commitmentService.find(ctx, id)),
);

export default {
  name: 'commitment',
  resolvers: [CommitmentResolver],
  entities: [Commitment],
  nodes: { Commitment: (ctx, id) => commitmentService.find(ctx, id) },
  seedDemo: seedCommitments,
} satisfies DomainModule;
