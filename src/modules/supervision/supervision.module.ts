import { DomainModule } from '../domain-module';
import { registerAttachable, visibleThrough } from '../file/file.service';
import { supervisionError } from './supervision.errors';
import { rectificationService } from './rectification.service';
import { seedSupervisionDemo } from './supervision.seed';
import { Finding, FollowUpCheck, Inspection, Rectification, SupervisionTeam } from './supervision.entity';
import {
  FindingResolver,
  FollowUpCheckResolver,
  InspectionResolver,
  RectificationResolver,
  SupervisionTeamMemberResolver,
  SupervisionTeamResolver,
} from './supervision.resolver';
import { supervisionService } from './supervision.service';

/** The ids among `found` that were found (the rest null). */
const idsOf = (found: ({ id: string } | null)[]): ReadonlySet<string> => new Set(found.flatMap((r) => (r ? [r.id] : [])));

// Evidence files: each visible exactly as its record. A file on many records (a finding's evidence carried by each
// amendment) is checked against them all in a few statements: findInspections / findFindings.
registerAttachable('Inspection', {
  entity: Inspection,
  gone: () => supervisionError('INSPECTION_NOT_FOUND'),
  visible: async (ctx, ids) => idsOf(await supervisionService.findInspections(ctx, ids)),
});
registerAttachable('Finding', {
  entity: Finding,
  gone: () => supervisionError('INSPECTION_NOT_FOUND'),
  visible: async (ctx, ids) => idsOf(await supervisionService.findFindings(ctx, ids)),
});
registerAttachable(
  'RectificationSubmission',
  visibleThrough((ctx, id) => rectificationService.find(ctx, id), {
    entity: Rectification,
    gone: () => supervisionError('RECTIFICATION_NOT_FOUND'),
  }),
);

export default {
  name: 'supervision',
  resolvers: [
    SupervisionTeamResolver,
    SupervisionTeamMemberResolver,
    InspectionResolver,
    FindingResolver,
    FollowUpCheckResolver,
    RectificationResolver,
  ],
  entities: [SupervisionTeam, Inspection, Finding, FollowUpCheck, Rectification],
  nodes: {
    SupervisionTeam: (ctx, id) => supervisionService.findTeam(ctx, id),
    Inspection: (ctx, id) => supervisionService.findInspection(ctx, id),
    Finding: (ctx, id) => supervisionService.findFinding(ctx, id),
    Rectification: (ctx, id) => rectificationService.find(ctx, id),
  },
  seedDemo: seedSupervisionDemo,
} satisfies DomainModule;
