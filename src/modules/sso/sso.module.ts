import { DomainModule } from '../domain-module';
import { SsoIdentity, SsoProvider } from './sso.entity';
import { SsoResolver, SsoUserResolver } from './sso.resolver';
import { registerSsoRoutes } from './sso.routes';

/** 单点登录: a tenant's own OpenID Connect provider (settings, linked identities, the browser's round trip). */
export default {
  name: 'sso',
  resolvers: [SsoResolver, SsoUserResolver],
  entities: [SsoProvider, SsoIdentity],
  nodes: {},
  routes: registerSsoRoutes,
} satisfies DomainModule;
