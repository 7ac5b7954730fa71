import { DomainModule } from '../domain-module';
import { Exemplar, ExemplarKindDefinition, ExemplarObjection, ExemplarReevaluation, ExemplarStateChange } from './exemplar.entity';
import { ExemplarKindResolver } from './exemplar-kind.resolver';
import { exemplarKindService } from './exemplar-kind.service';
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
  resolvers: [ExemplarResolver, ExemplarObjectionResolver, ExemplarReevaluationResolver, ExemplarStateChangeResolver, ExemplarKindResolver],
  entities: [Exemplar, ExemplarObjection, ExemplarReevaluation, ExemplarStateChange, ExemplarKindDefinition],
  nodes: {
    Exemplar: (ctx, id) => exemplarService.find(ctx, id),
    ExemplarObjection: (ctx, id) => exemplarService.findObjection(ctx, id),
    ExemplarKindDefinition: (ctx, id) => exemplarKindService.find(ctx, id),
  },
  seedDemo: seedExemplarDemo,
} satisfies DomainModule;
