import { Foundation1733000000000 } from './1733000000000-foundation';
import { CriteriaCampaigns1733100000000 } from './1733100000000-criteria-campaigns';
import { Supervision1733200000000 } from './1733200000000-supervision';

/** Listed explicitly (not globbed) so that tsc builds and ts-jest runs see the same migrations. */
export const migrations = [Foundation1733000000000, CriteriaCampaigns1733100000000, Supervision1733200000000];
