import { DomainModule } from '../domain-module';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { Opinion, OpinionTransfer } from './opinion.entity';
import { OpinionResolver, OpinionTransferResolver } from './opinion.resolver';
import { seedOpinions } from './opinion.seed';
import { opinionService } from './opinion.service';

registerAttachable(
  'OpinionReply',
  visibleThrough((ctx, id) => opinionService.find(ctx, id)),
);

export default {
  name: 'opinion',
  resolvers: [OpinionResolver, OpinionTransferResolver],
  entities: [Opinion, OpinionTransfer],
  nodes: { Opinion: (ctx, id) => opinionService.find(ctx, id) },
  seedDemo: seedOpinions,
} satisfies DomainModule;
