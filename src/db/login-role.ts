import { DataSource } from 'typeorm';

/**
 * Creates a login role (or re-keys it) with the given password and no powers: not a superuser, bound by
 * row-level security, no databases or roles of its own, inheriting nothing. Safe when instances or
 * test databases of one cluster run it at the same moment.
 */
export async function ensureLoginRole(owner: DataSource, role: string, password: string): Promise<void> {
  const quoted = `"${role}"`;
  const literal = `'${password.replace(/'/g, "''")}'`;
  const exists = await owner.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
  if (exists.length === 0) {
    try {
      await owner.query(`CREATE ROLE ${quoted} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD ${literal}`);
    } catch (error: unknown) {
      // another instance (or a parallel test database) created it first
      if ((error as { code?: string }).code !== '42710' && (error as { code?: string }).code !== '23505') throw error;
    }
  }
  // Parallel starts against one cluster can collide on the role's catalog row ("tuple concurrently updated").
  for (let attempt = 0; ; attempt++) {
    try {
      await owner.query(`ALTER ROLE ${quoted} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${literal}`);
      break;
    } catch (error: unknown) {
      if (attempt >= 5 || !/concurrently/.test(String((error as Error).message))) throw error;
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
  }
}

/** The owner's connection string with the role's name and password in its place. */
export function roleUrl(ownerUrl: string, role: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = role;
  url.password = password;
  return url.toString();
}
