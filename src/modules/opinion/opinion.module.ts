import { DomainModule } from '../domain-module';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { opinionError } from './opinion.errors';
import { Opinion, OpinionTransfer } from './opinion.entity';
import { OpinionResolver, OpinionTransferResolver } from './opinion.resolver';
import { seedOpinions } from './opinion.seed';
import { opinionService } from './opinion.service';

registerAttachable(
  'OpinionReply',
  visibleThrough((ctx, id) => opinionService.find(ctx, id), { entity: Opinion, gone: () => opinionError('OPINION_NOT_FOUND') }),
);

export default {
  name: 'opinion',
  resolvers: [OpinionResolver, OpinionTransferResolver],
  entities: [Opinion, OpinionTransfer],
  nodes: { Opinion: (ctx, id) => opinionService.find(ctx, id) },
  seedDemo: seedOpinions,
} satisfies DomainModule;
