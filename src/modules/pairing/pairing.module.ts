import { requireUser } from '../../graphql/context';
import { DomainModule } from '../domain-module';
import { tenantToday } from '../link-code/public';
import { Pairing, PairingPerson, PairingPersonKind, PairingVisit } from './pairing.entity';
import { PairingPersonResolver, PairingResolver, PairingVisitResolver } from './pairing.resolver';
import { pairingService } from './pairing.service';

const daysBefore = (today: string, days: number) =>
  new Date(Date.parse(`${today}T00:00:00Z`) - days * 86400_000).toISOString().slice(0, 10);

export default {
  name: 'pairing',
  resolvers: [PairingResolver, PairingPersonResolver, PairingVisitResolver],
  entities: [PairingPerson, Pairing, PairingVisit],
  nodes: {
    PairingPerson: (ctx, id) => pairingService.findPerson(ctx, id),
    Pairing: (ctx, id) => pairingService.findPairing(ctx, id),
    PairingVisit: async (ctx, id) => {
      const visit = await ctx.tx.repository(PairingVisit).findOneBy({ tenantId: requireUser(ctx).tenantId, id });
      return visit && (await pairingService.findPairing(ctx, visit.pairingId)) ? visit : null;
    },
  },
  /** jtj: the leading group's head (leader) pairs with a resident in difficulty and has visited once. */
  async seedDemo(ctx, demo) {
    if (demo.slug !== 'jtj') return;
    const { tenantId } = requireUser(ctx);
    const [org] = await ctx.tx.query(`SELECT id FROM orgs WHERE tenant_id = $1 AND name = '第一车队党支部'`, [tenantId]);
    const [leader] = await ctx.tx.query(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'leader'`, [tenantId]);
    if (!org || !leader) return;
    const today = await tenantToday(ctx);
    const person = await pairingService.createPerson(ctx, {
      orgId: org.id,
      name: '王秀兰',
      kind: PairingPersonKind.RESIDENT,
      difficulty: '退休公交职工家属，独居，患慢性病，行动不便',
      contact: '13912345678',
    });
    const pairing = await pairingService.pair(ctx, {
      cadreId: leader.id,
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
  },
} satisfies DomainModule;
