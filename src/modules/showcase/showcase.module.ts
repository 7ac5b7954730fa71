import { DomainModule } from '../domain-module';
import { ShowcaseItem } from './showcase.entity';
import { ShowcaseItemResolver } from './showcase.resolver';
import { registerShowcaseRoutes } from './showcase.routes';
import { seedShowcase } from './showcase.seed';
import { showcaseService } from './showcase.service';

export default {
  name: 'showcase',
  resolvers: [ShowcaseItemResolver],
  entities: [ShowcaseItem],
  nodes: { ShowcaseItem: (ctx, id) => showcaseService.find(ctx, id) },
  routes: registerShowcaseRoutes,
  seedDemo: seedShowcase,
} satisfies DomainModule;
