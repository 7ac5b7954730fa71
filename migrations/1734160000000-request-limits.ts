import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Request rate limits shared by every instance (issue 16): fixed one-minute windows per key (tenant,
 * user, client address, public feed) in an UNLOGGED table (a counter needs no WAL and may be lost in a
 * crash), beside the sign-in throttle in the schema the app role cannot reach, behind one SECURITY
 * DEFINER function. One call counts a request against all of its keys in order and stops at the first
 * key over its limit (a refused request spends none of the keys after it), answering that key's index
 * and the seconds until its window closes.
 */
export class RequestLimits1734160000000 implements MigrationInterface {
  name = 'RequestLimits1734160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS private`);
    await q.query(`
      CREATE UNLOGGED TABLE private.request_limits (
        key text PRIMARY KEY,
        window_start timestamptz NOT NULL,
        hits integer NOT NULL
      )`);
    await q.query(`
      CREATE FUNCTION app_rate_limit(p_keys text[], p_limits integer[], p_window_seconds integer) RETURNS integer[]
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = private, pg_temp AS $$
      DECLARE
        now_ts timestamptz := clock_timestamp();
        win interval := make_interval(secs => p_window_seconds);
        b private.request_limits%ROWTYPE;
      BEGIN
        IF random() < 0.001 THEN
          DELETE FROM private.request_limits WHERE window_start < now_ts - win - interval '1 minute';
        END IF;
        FOR i IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
          INSERT INTO private.request_limits AS t (key, window_start, hits) VALUES (p_keys[i], now_ts, 1)
          ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN t.window_start + win <= now_ts THEN 1 ELSE t.hits + 1 END,
            window_start = CASE WHEN t.window_start + win <= now_ts THEN now_ts ELSE t.window_start END
          RETURNING * INTO b;
          IF b.hits > p_limits[i] THEN
            RETURN ARRAY[i, greatest(1, ceil(extract(epoch FROM (b.window_start + win - now_ts)))::integer)];
          END IF;
        END LOOP;
        RETURN ARRAY[0, 0];
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_rate_limit(text[], integer[], integer)`);
    await q.query(`DROP TABLE IF EXISTS private.request_limits`);
  }
}
