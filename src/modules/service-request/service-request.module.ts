import { DomainModule } from '../domain-module';
import { ServiceRequest } from './service-request.entity';
import { ServiceRequestResolver } from './service-request.resolver';
import { serviceRequestService } from './service-request.service';

export default {
  name: 'service-request',
  resolvers: [ServiceRequestResolver],
  entities: [ServiceRequest],
  nodes: { ServiceRequest: (ctx, id) => serviceRequestService.find(ctx, id) },
} satisfies DomainModule;
