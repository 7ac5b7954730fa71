import { DomainModule } from '../domain-module';
import { registerAttachable } from '../file/file.service';
import { serviceTeamError } from './service-team.errors';
import { ServiceRecord, ServiceTeam, ServiceTeamMember } from './service-team.entity';
import {
  OrgServiceTotalsResolver,
  ServiceMemberTotalsResolver,
  ServiceRecordResolver,
  ServiceTeamMemberResolver,
  ServiceTeamResolver,
  ServiceTeamTotalsResolver,
} from './service-team.resolver';
import { seedServiceTeams } from './service-team.seed';
import { RECORD_TYPE, serviceTeamService } from './service-team.service';

// evidence files of a service record are read by whoever reads the record
registerAttachable(RECORD_TYPE, {
  visible: (ctx, ids) => serviceTeamService.visibleRecords(ctx, ids),
  entity: ServiceRecord,
  gone: () => serviceTeamError('SERVICE_RECORD_NOT_FOUND'),
});

export default {
  name: 'service-team',
  resolvers: [
    ServiceTeamResolver,
    ServiceTeamMemberResolver,
    ServiceRecordResolver,
    OrgServiceTotalsResolver,
    ServiceTeamTotalsResolver,
    ServiceMemberTotalsResolver,
  ],
  entities: [ServiceTeam, ServiceTeamMember, ServiceRecord],
  nodes: {
    ServiceTeam: (ctx, id) => serviceTeamService.findTeam(ctx, id),
    ServiceTeamMember: (ctx, id) => serviceTeamService.findMember(ctx, id),
    ServiceRecord: (ctx, id) => serviceTeamService.findRecord(ctx, id),
  },
  seedDemo: seedServiceTeams,
} satisfies DomainModule;
