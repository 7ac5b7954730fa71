import fc from 'fast-check';
import { Client } from 'pg';
import { rawId } from '../helpers/ids';
import { TestServer, startTestServer } from '../helpers/server';
import { SOURCE_CAMPAIGN, criteriaOf, orgIds } from '../helpers/story';

/**
 * Property: any input to the main mutations is either accepted and stored exactly, or refused with
 * BAD_USER_INPUT naming the field, and a refused request changes nothing (row counts, audit log).
 */
const RUNS = 60;

/** Both outcomes must occur, or the property proved nothing. */
const seen = { accepted: 0, refused: 0 };
const reset = () => {
  seen.accepted = 0;
  seen.refused = 0;
};
const bothSeen = () => {
  expect(seen.accepted).toBeGreaterThan(0);
  expect(seen.refused).toBeGreaterThan(0);
};

/** Unicode that agencies really type (Chinese, emoji, right-to-left) plus control characters and NUL. */
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: fc.constantFrom('党', '支', '部', '😀', 'ש', 'ا', ' ', '\u0000', '\u202e', 'a', '\n'), maxLength }),
    fc.constantFrom('', ' ', '党'.repeat(200), '党'.repeat(201), '😀'.repeat(200), 'x'.repeat(1000)),
  );

const codePoints = (s: string) => [...s].length;

describe('bad input, by property', () => {
  let server: TestServer;
  let su: Client;
  let admin: string;
  let ids: Record<string, string>;
  const counts = async () =>
    (
      await su.query(
        `SELECT (SELECT count(*) FROM orgs) AS orgs, (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM evaluation_scores) AS scores, (SELECT count(*) FROM audit_log) AS audit`,
      )
    ).rows[0];

  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_TENANT_PER_MINUTE: '0' } });
    su = await server.superuser();
    admin = await server.token('jtj', 'admin');
    ids = await orgIds(server, 'jtj');
  });
  afterAll(() => server.close());

  function expectRefused(res: { errors?: { extensions?: { code?: string; field?: string } }[] }) {
    seen.refused++;
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  }

  it('createOrg: a name is stored trimmed, or refused naming it (blank, too long, taken by a live sibling), and nothing changes', async () => {
    reset();
    await fc.assert(
      fc.asyncProperty(text(260), fc.constantFrom('BRANCH', 'GENERAL_BRANCH', 'CLUB'), async (name, kind) => {
        const before = await counts();
        const trimmed = name.trim();
        const valid = codePoints(name) >= 1 && codePoints(name) <= 200 && trimmed !== '' && !name.includes('\u0000') && kind !== 'CLUB';
        const taken =
          valid &&
          (
            await su.query(
              `SELECT 1 FROM orgs o JOIN orgs p ON p.tenant_id = o.tenant_id AND p.id = o.parent_id
          WHERE p.name = '市公交集团党委' AND o.archived_at IS NULL AND o.name = $1`,
              [trimmed],
            )
          ).rows.length > 0;
        const res = await server.gql(
          `mutation($input: CreateOrgInput!) { createOrg(input: $input) { id name } }`,
          { input: { parentId: ids['市公交集团党委'], name, kind, category: 'ENTERPRISE' } },
          admin,
        );
        if (valid && !taken) {
          expect(res.errors).toBeUndefined();
          seen.accepted++;
          expect(res.data.createOrg.name).toBe(trimmed);
          expect((await su.query(`SELECT name FROM orgs WHERE id = $1`, [rawId(res.data.createOrg.id)])).rows[0].name).toBe(trimmed);
        } else if (taken) {
          expect(res.errors![0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'ORG_NAME_TAKEN', field: 'input.name' });
          expect(await counts()).toEqual(before);
        } else {
          expectRefused(res);
          if (kind !== 'CLUB') expect(res.errors![0].extensions!.field).toMatch(/name/);
          expect(await counts()).toEqual(before);
        }
      }),
      { numRuns: RUNS },
    );
    bothSeen();
  });

  it('createUser: username, display name and password are stored, or refused naming the field', async () => {
    reset();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.-]{2,64}$/), text(70)),
        // a fair share of well-formed names and passwords: with fast-check's bias to short strings, a
        // plain string reached 8 characters so rarely that a run of 60 could see no accepted case
        fc.oneof(text(110), fc.string({ unit: fc.constantFrom('党', '支', '部', '😀', 'ש', 'a'), minLength: 1, maxLength: 100 })),
        fc.oneof(fc.string({ maxLength: 30 }), fc.string({ minLength: 8, maxLength: 30 })),
        async (username, displayName, password) => {
          const before = await counts();
          const wellFormed = /^[A-Za-z0-9_.-]{2,64}$/.test(username);
          const taken =
            wellFormed &&
            (
              await su.query(`SELECT 1 FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = 'jtj' AND u.username = $1`, [
                username,
              ])
            ).rows.length > 0;
          const res = await server.gql(
            `mutation($input: CreateUserInput!) { createUser(input: $input) { username displayName } }`,
            { input: { username, displayName, password, orgId: ids['第一车队党支部'] } },
            admin,
          );
          const valid =
            wellFormed &&
            codePoints(displayName) >= 1 &&
            codePoints(displayName) <= 100 &&
            !displayName.includes('\u0000') &&
            password.length >= 8 &&
            !password.includes('\u0000');
          if (valid && !taken) {
            expect(res.errors).toBeUndefined();
            seen.accepted++;
            expect(res.data.createUser).toEqual({ username, displayName });
          } else if (valid && taken) {
            expect(res.errors![0].extensions!.code).toBe('CONFLICT');
          } else {
            expectRefused(res);
            expect(res.errors![0].extensions!.field).toMatch(/username|displayName|password/);
            expect(await counts()).toEqual(before);
          }
        },
      ),
      { numRuns: RUNS },
    );
    bothSeen();
  });

  it('saveScores: a value is stored exactly when its criterion can take it, else refused and nothing moves', async () => {
    const imported = await server.gql(`mutation { importFramework(input: { template: "sqsy" }) { id } }`, {}, admin);
    const versionId = imported.data.importFramework.id;
    await server.gql(`mutation($v: ID!) { publishVersion(input: { versionId: $v }) { id } }`, { v: versionId }, admin);
    const campaign = await server.gql(
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      { input: { name: 'c', versionId, scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN } },
      admin,
    );
    const started = await server.gql(
      `mutation($input: StartEvaluationInput!) { startEvaluation(input: $input) { id version } }`,
      { input: { campaignId: campaign.data.createCampaign.id, orgId: ids['第一车队党支部'], kind: 'SUPERIOR' } },
      admin,
    );
    const evaluationId = started.data.startEvaluation.id;
    let version = started.data.startEvaluation.version;
    const leaves = (await criteriaOf(server, admin, versionId)).filter((c) => c.isLeaf);
    const allowed = (c: (typeof leaves)[number], v: number) => {
      switch (c.scoringType) {
        case 'SCALE':
          return v >= 0 && v <= c.maxScore!;
        case 'BOOLEAN':
          return v === 0 || v === 1;
        case 'PERCENT':
          return v >= 0 && v <= 100;
        default:
          return Number.isInteger(v) && v >= 0 && v <= 1_000_000;
      }
    };
    reset();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...leaves),
        fc.oneof(
          fc.integer({ min: -5, max: 120 }),
          fc.double({ min: -10, max: 1e7, noNaN: true, noDefaultInfinity: true }).map((d) => Math.round(d * 100) / 100 || 0),
        ),
        async (c, value) => {
          const before = await counts();
          const res = await server.gql(
            `mutation($input: SaveScoresInput!) { saveScores(input: $input) { version result { nodes { criterion { id } value } } } }`,
            { input: { evaluationId, expectedVersion: version, scores: [{ criterionId: c.id, value }] } },
            admin,
          );
          if (allowed(c, value)) {
            expect(res.errors).toBeUndefined();
            seen.accepted++;
            version = res.data.saveScores.version;
            expect(res.data.saveScores.result.nodes.find((n: { criterion: { id: string } }) => n.criterion.id === c.id).value).toBe(value);
          } else {
            expectRefused(res);
            expect(res.errors![0].extensions!.field).toBe('input.scores[0].value');
            expect(await counts()).toEqual(before);
            const now = await server.gql(`query($id: ID!) { evaluation(id: $id) { version } }`, { id: evaluationId }, admin);
            expect(now.data.evaluation.version).toBe(version);
          }
        },
      ),
      { numRuns: RUNS },
    );
    bothSeen();
  });

  it('dates out of range and malformed values are refused before anything runs', async () => {
    const before = await counts();
    for (const startsOn of ['2026-02-30', '13-01-01', 'yesterday', '2026-13-01']) {
      const res = await server.gql(
        `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
        { input: { name: 'c', versionId: 'x', scopeOrgId: ids['中共市交通运输局党委'], ...SOURCE_CAMPAIGN, startsOn } },
        admin,
      );
      expect(res.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    }
    expect(await counts()).toEqual(before);
  });
});
