import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Public engagement: commitments (承诺践诺), link codes for the public (the QR code on a service
 * window), public reviews (群众评议 / 评诺) with hashed contact data, the anonymous-submission log the
 * rate limit counts, pairings of cadres with people in difficulty (结对联系) and their visits, and
 * public opinions (民意收集) with first-responder transfers.
 *
 * The public holds no token, so two owner-defined functions map a link code, or the hash of an
 * opinion's follow-up token, to its tenant; the request then continues under RLS as that tenant.
 * Their tables force RLS like every other, so the functions read through a SELECT-only policy granted
 * to the owner role alone (the role the migrations run as, which never serves requests).
 */
export class PublicEngagement1733400000000 implements MigrationInterface {
  name = 'PublicEngagement1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE commitments (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        member_user_id uuid,
        text text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
        due_on date NOT NULL,
        state text NOT NULL DEFAULT 'PLEDGED' CHECK (state IN ('PLEDGED', 'FULFILLED')),
        report text CHECK (length(report) <= 20000),
        evidence_refs text[] NOT NULL DEFAULT '{}',
        fulfilled_by uuid,
        fulfilled_at timestamptz,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, member_user_id) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, fulfilled_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        CHECK ((state = 'FULFILLED') = (fulfilled_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX commitments_org ON commitments (tenant_id, org_id, state, due_on)`);

    await q.query(`
      CREATE TABLE link_codes (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        code text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{22,64}$'),
        org_id uuid NOT NULL,
        campaign_id uuid,
        commitment_id uuid,
        label text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
        disabled boolean NOT NULL DEFAULT false,
        disabled_at timestamptz,
        disabled_by uuid,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, code),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
        FOREIGN KEY (tenant_id, commitment_id) REFERENCES commitments (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, disabled_by) REFERENCES users (tenant_id, id)
      )`);
    // Codes are 128-bit random, so uniqueness across tenants is a matter of probability; this index
    // (not a constraint without tenant_id, which a tenant-distributed table could not hold) serves the lookup.
    await q.query(`CREATE INDEX link_codes_code ON link_codes (code)`);
    await q.query(`CREATE INDEX link_codes_org ON link_codes (tenant_id, org_id)`);

    await q.query(`
      CREATE TABLE public_reviews (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        link_code_id uuid NOT NULL,
        org_id uuid NOT NULL,
        campaign_id uuid,
        commitment_id uuid,
        rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
        device_hash text NOT NULL,
        contact_hash text,
        contact_masked text CHECK (length(contact_masked) <= 100),
        review_day date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, link_code_id) REFERENCES link_codes (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
        FOREIGN KEY (tenant_id, commitment_id) REFERENCES commitments (tenant_id, id),
        CHECK ((contact_hash IS NULL) = (contact_masked IS NULL))
      )`);
    // One review per device, and per contact, per code and subject (the org or one commitment) per day.
    await q.query(`CREATE UNIQUE INDEX public_reviews_device_day ON public_reviews
      (tenant_id, link_code_id, coalesce(commitment_id, '00000000-0000-0000-0000-000000000000'::uuid), review_day, device_hash)`);
    await q.query(`CREATE UNIQUE INDEX public_reviews_contact_day ON public_reviews
      (tenant_id, link_code_id, coalesce(commitment_id, '00000000-0000-0000-0000-000000000000'::uuid), review_day, contact_hash)
      WHERE contact_hash IS NOT NULL`);
    await q.query(`CREATE INDEX public_reviews_org ON public_reviews (tenant_id, org_id, review_day)`);
    await q.query(`CREATE INDEX public_reviews_commitment ON public_reviews (tenant_id, commitment_id) WHERE commitment_id IS NOT NULL`);

    // Accepted anonymous submissions, counted by the sliding-window rate limit (per code, per client).
    await q.query(`
      CREATE TABLE public_submissions (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id bigint GENERATED ALWAYS AS IDENTITY,
        link_code_id uuid NOT NULL,
        client_hash text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('REVIEW', 'OPINION')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, link_code_id) REFERENCES link_codes (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX public_submissions_code ON public_submissions (tenant_id, link_code_id, created_at)`);
    await q.query(`CREATE INDEX public_submissions_client ON public_submissions (tenant_id, client_hash, created_at)`);

    await q.query(`
      CREATE TABLE pairing_persons (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        kind text NOT NULL CHECK (kind IN ('MEMBER', 'RESIDENT')),
        difficulty text NOT NULL CHECK (length(difficulty) BETWEEN 1 AND 2000),
        contact_masked text CHECK (length(contact_masked) <= 100),
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX pairing_persons_org ON pairing_persons (tenant_id, org_id)`);
    await q.query(`
      CREATE TABLE pairings (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        cadre_id uuid NOT NULL,
        person_id uuid NOT NULL,
        note text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
        started_on date NOT NULL,
        ended_on date,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, cadre_id) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, person_id) REFERENCES pairing_persons (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id),
        CHECK (ended_on IS NULL OR ended_on >= started_on)
      )`);
    await q.query(`CREATE UNIQUE INDEX pairings_active ON pairings (tenant_id, cadre_id, person_id) WHERE ended_on IS NULL`);
    await q.query(`CREATE INDEX pairings_person ON pairings (tenant_id, person_id)`);
    await q.query(`
      CREATE TABLE pairing_visits (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        pairing_id uuid NOT NULL,
        visited_on date NOT NULL,
        note text NOT NULL CHECK (length(note) BETWEEN 1 AND 5000),
        help_given text NOT NULL DEFAULT '' CHECK (length(help_given) <= 5000),
        recorded_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, pairing_id) REFERENCES pairings (tenant_id, id),
        FOREIGN KEY (tenant_id, recorded_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX pairing_visits_pairing ON pairing_visits (tenant_id, pairing_id, visited_on)`);

    await q.query(`
      CREATE TABLE opinions (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL,
        link_code_id uuid,
        channel text NOT NULL CHECK (channel IN ('PUBLIC_LINK', 'STAFF')),
        content text NOT NULL CHECK (length(content) BETWEEN 1 AND 5000),
        contact_hash text,
        contact_masked text CHECK (length(contact_masked) <= 100),
        state text NOT NULL DEFAULT 'RECEIVED' CHECK (state IN ('RECEIVED', 'ACCEPTED', 'REPLIED', 'CLOSED')),
        responsible_id uuid,
        accepted_at timestamptz,
        due_at timestamptz NOT NULL,
        reply text CHECK (length(reply) <= 20000),
        replied_by uuid,
        replied_at timestamptz,
        follow_up_hash text NOT NULL,
        satisfaction smallint CHECK (satisfaction BETWEEN 1 AND 5),
        satisfaction_comment text CHECK (length(satisfaction_comment) <= 2000),
        closed_at timestamptz,
        recorded_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, follow_up_hash),
        FOREIGN KEY (tenant_id, org_id) REFERENCES orgs (tenant_id, id),
        FOREIGN KEY (tenant_id, link_code_id) REFERENCES link_codes (tenant_id, id),
        FOREIGN KEY (tenant_id, responsible_id) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, replied_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, recorded_by) REFERENCES users (tenant_id, id),
        CHECK ((state = 'RECEIVED') = (responsible_id IS NULL)),
        CHECK ((state IN ('REPLIED', 'CLOSED')) = (replied_at IS NOT NULL)),
        CHECK ((state = 'CLOSED') = (closed_at IS NOT NULL)),
        CHECK ((contact_hash IS NULL) = (contact_masked IS NULL))
      )`);
    await q.query(`CREATE INDEX opinions_follow_up ON opinions (follow_up_hash)`);
    await q.query(`CREATE INDEX opinions_org ON opinions (tenant_id, org_id, state, due_at)`);
    await q.query(`
      CREATE TABLE opinion_transfers (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        opinion_id uuid NOT NULL,
        from_user_id uuid NOT NULL,
        to_user_id uuid NOT NULL,
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
        transferred_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, opinion_id) REFERENCES opinions (tenant_id, id),
        FOREIGN KEY (tenant_id, from_user_id) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, to_user_id) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, transferred_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX opinion_transfers_opinion ON opinion_transfers (tenant_id, opinion_id, created_at)`);

    const tables = [
      'commitments',
      'link_codes',
      'public_reviews',
      'public_submissions',
      'pairing_persons',
      'pairings',
      'pairing_visits',
      'opinions',
      'opinion_transfers',
    ];
    await isolateTenantTables(q, tables);

    // Read-only cross-tenant lookups for the two definer functions, granted to the owner role only.
    await q.query(`DO $$ BEGIN
      EXECUTE format('CREATE POLICY definer_lookup ON link_codes FOR SELECT TO %I USING (true)', current_user);
      EXECUTE format('CREATE POLICY definer_lookup ON opinions FOR SELECT TO %I USING (true)', current_user);
    END $$`);
    await q.query(`
      CREATE FUNCTION app_link_code(p_code text) RETURNS TABLE (tenant_id uuid, link_code_id uuid, org_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
      $$ SELECT tenant_id, id, org_id FROM link_codes WHERE code = p_code AND NOT disabled $$`);
    await q.query(`
      CREATE FUNCTION app_opinion_by_follow_up(p_hash text) RETURNS TABLE (tenant_id uuid, opinion_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
      $$ SELECT tenant_id, id FROM opinions WHERE follow_up_hash = p_hash $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_opinion_by_follow_up(text)`);
    await q.query(`DROP FUNCTION IF EXISTS app_link_code(text)`);
    for (const table of [
      'opinion_transfers',
      'opinions',
      'pairing_visits',
      'pairings',
      'pairing_persons',
      'public_submissions',
      'public_reviews',
      'link_codes',
      'commitments',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
