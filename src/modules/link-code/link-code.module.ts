import { DomainModule } from '../domain-module';
import { LinkCode } from './link-code.entity';
import { LinkCodeResolver } from './link-code.resolver';
import { seedLinkCodes } from './link-code.seed';
import { linkCodeService } from './link-code.service';

export default {
  name: 'link-code',
  resolvers: [LinkCodeResolver],
  entities: [LinkCode],
  nodes: { LinkCode: (ctx, id) => linkCodeService.find(ctx, id) },
  seedDemo: seedLinkCodes,
} satisfies DomainModule;
