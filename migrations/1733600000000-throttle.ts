import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in throttling that holds across every server instance: counters live in a schema the app role
 * cannot reach, behind one SECURITY DEFINER function that counts a hit and answers how long to wait.
 */
export class Throttle1733600000000 implements MigrationInterface {
  name = 'Throttle1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS private`);
    await q.query(`
      CREATE TABLE private.throttle (
        key text PRIMARY KEY,
        window_start timestamptz NOT NULL,
        hits integer NOT NULL
      )`);
    // Fixed windows: the first hit opens one; hits beyond the limit answer the seconds until it closes.
    await q.query(`
      CREATE FUNCTION app_throttle(p_key text, p_limit integer, p_window_seconds integer) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = private, pg_temp AS $$
      DECLARE
        now_ts timestamptz := clock_timestamp();
        win interval := make_interval(secs => p_window_seconds);
        b private.throttle%ROWTYPE;
      BEGIN
        INSERT INTO private.throttle AS t (key, window_start, hits) VALUES (p_key, now_ts, 1)
        ON CONFLICT (key) DO UPDATE SET
          hits = CASE WHEN t.window_start + win <= now_ts THEN 1 ELSE t.hits + 1 END,
          window_start = CASE WHEN t.window_start + win <= now_ts THEN now_ts ELSE t.window_start END
        RETURNING * INTO b;
        IF random() < 0.01 THEN
          DELETE FROM private.throttle WHERE window_start < now_ts - interval '1 day';
        END IF;
        IF b.hits > p_limit THEN
          RETURN greatest(1, ceil(extract(epoch FROM (b.window_start + win - now_ts)))::integer);
        END IF;
        RETURN 0;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS app_throttle(text, integer, integer)`);
    await q.query(`DROP SCHEMA IF EXISTS private CASCADE`);
  }
}
