import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { ensureLoginRole, roleUrl } from './login-role';

/** The schema of the job queue (pg-boss): its tables, functions and types, and nothing else, belong to the jobs role. */
export const JOB_SCHEMA = 'pgboss';

/**
 * pg-boss logs in as a role of its own (issue 16), not as the owner: it owns the `pgboss` schema and
 * everything in it, and has no privilege on the tenant tables (nor bypasses row-level security), so no
 * owner or superuser connection stays open after start-up. The sweeps themselves read and write tenant
 * data through the app role's pool. Runs under the start-up lock (database.ts), as the owner:
 *  - creates (or re-keys) the role with the configured password: CONNECT on the database, nothing on its tables;
 *  - installs pg-boss's schema when it is missing (as the owner, who may create schemas) and hands every
 *    object in it to the role; a schema an earlier version created as the owner is handed over the same way.
 * Answers the role's URL on the owner's server.
 */
export async function ensureJobsRole(owner: DataSource, ownerUrl: string, role: string, password: string): Promise<string> {
  const quoted = `"${role}"`;
  await ensureLoginRole(owner, role, password);
  // A non-superuser owner (CREATEROLE) must be able to act as the role to give it objects (PostgreSQL 16+).
  await owner.query(`GRANT ${quoted} TO CURRENT_USER`).catch(() => undefined);
  const [{ db }] = await owner.query(`SELECT current_database() AS db`);
  await owner.query(`GRANT CONNECT ON DATABASE "${db}" TO ${quoted}`);

  const installed = await owner.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [JOB_SCHEMA]);
  if (!installed.length) await owner.query(PgBoss.getConstructionPlans(JOB_SCHEMA));
  await handOver(owner, quoted, role);

  return roleUrl(ownerUrl, role, password);
}

/** Gives the schema and every table, sequence, function and type in it to the role (those it does not own yet). */
async function handOver(owner: DataSource, quoted: string, role: string): Promise<void> {
  const [{ owned }] = await owner.query(`SELECT pg_get_userbyid(nspowner) = $2 AS owned FROM pg_namespace WHERE nspname = $1`, [
    JOB_SCHEMA,
    role,
  ]);
  if (!owned) await owner.query(`ALTER SCHEMA ${JOB_SCHEMA} OWNER TO ${quoted}`);
  const objects: { statement: string }[] = await owner.query(
    `SELECT format('ALTER %s %s OWNER TO %I', CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                   c.oid::regclass, $2::text) AS statement
       FROM pg_class c
      WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND pg_get_userbyid(c.relowner) <> $2
     UNION ALL
     SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $2::text)
       FROM pg_proc p WHERE p.pronamespace = $1::regnamespace AND pg_get_userbyid(p.proowner) <> $2
     UNION ALL
     SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, $2::text)
       FROM pg_type t WHERE t.typnamespace = $1::regnamespace AND t.typtype IN ('e', 'c', 'd') AND t.typrelid = 0
        AND pg_get_userbyid(t.typowner) <> $2`,
    [JOB_SCHEMA, role],
  );
  for (const { statement } of objects) await owner.query(statement);
}
