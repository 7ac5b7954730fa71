import { DomainModule } from '../domain-module';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { commitmentError } from './commitment.errors';
import { Commitment } from './commitment.entity';
import { CommitmentResolver } from './commitment.resolver';
import { seedCommitments } from './commitment.seed';
import { commitmentService } from './commitment.service';

registerAttachable(
  'CommitmentFulfilment',
  visibleThrough((ctx, id) => commitmentService.find(ctx, id), { entity: Commitment, gone: () => commitmentError('COMMITMENT_NOT_FOUND') }),
);

export default {
  name: 'commitment',
  resolvers: [CommitmentResolver],
  entities: [Commitment],
  nodes: { Commitment: (ctx, id) => commitmentService.find(ctx, id) },
  seedDemo: seedCommitments,
} satisfies DomainModule;
