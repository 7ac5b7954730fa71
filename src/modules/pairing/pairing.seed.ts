import { DomainModule } from '../domain-module';
import { DEMO_WINDOW_ORG, demoOrgId, demoUserId } from '../link-code/link-code.seed';
import { tenantToday } from '../link-code/public';
import { PairingPersonKind } from './pairing.entity';
import { pairingService } from './pairing.service';

const daysBefore = (today: string, days: number) =>
  new Date(Date.parse(`${today}T00:00:00Z`) - days * 86400_000).toISOString().slice(0, 10);

/** jtj: the leading group's head (leader) pairs with a resident in difficulty of 第一车队党支部 and has visited once. */
export const seedPairings: NonNullable<DomainModule['seedDemo']> = async (ctx, demo) => {
  if (demo.slug !== 'jtj') return;
  const orgId = await demoOrgId(ctx, DEMO_WINDOW_ORG);
  const leaderId = await demoUserId(ctx, 'leader');
  if (!orgId || !leaderId) return;
  const today = await tenantToday(ctx);
  const person = await pairingService.createPerson(ctx, {
    orgId,
    name: '王秀兰',
    kind: PairingPersonKind.RESIDENT,
    difficulty: '退休公交职工家属，独居，患慢性病，行动不便',
    contact: '13912345678',
  });
  const pairing = await pairingService.pair(ctx, {
    cadreId: leaderId,
    personId: person.id,
    note: '每季度至少走访一次',
    startedOn: daysBefore(today, 60),
  });
  await pairingService.logVisit(ctx, {
    pairingId: pairing.id,
    visitedOn: daysBefore(today, 20),
    note: '上门看望，了解就医和出行困难',
    helpGiven: '送去慰问金500元，协调爱心车队每月接送复诊',
  });
};
