import { DomainModule } from '../domain-module';
import { Exemplar, ExemplarObjection, ExemplarReevaluation, ExemplarStateChange } from './exemplar.entity';
import {
  ExemplarObjectionResolver,
  ExemplarReevaluationResolver,
  ExemplarResolver,
  ExemplarStateChangeResolver,
} from './exemplar.resolver';
import { seedExemplarDemo } from './exemplar.seed';
import { exemplarService } from './exemplar.service';

export default {
  name: 'exemplar',
  resolvers: [ExemplarResolver, ExemplarObjectionResolver, ExemplarReevaluationResolver, ExemplarStateChangeResolver],
  entities: [Exemplar, ExemplarObjection, ExemplarReevaluation, ExemplarStateChange],
  nodes: {
    Exemplar: (ctx, id) => exemplarService.find(ctx, id),
    ExemplarObjection: (ctx, id) => exemplarService.findObjection(ctx, id),
  },
  seedDemo: seedExemplarDemo,
} satisfies DomainModule;
