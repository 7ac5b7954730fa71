import { DomainModule } from '../domain-module';
import { registerDocumentRoutes } from './document.routes';
import { seedDocuments } from './document.seed';

/**
 * 公文 (official documents, .docx in the GB/T 9704-2012 layout) and the year archive of an org's 台帐:
 * no GraphQL types of their own, HTTP downloads beside /graphql built from the services the API uses.
 */
export default {
  name: 'document',
  resolvers: [],
  entities: [],
  nodes: {},
  routes: registerDocumentRoutes,
  seedDemo: seedDocuments,
} satisfies DomainModule;
