/**
 * A read-only function under the caller's row-level security whose one statement each database
 * connection plans once (CONTRIBUTING "Plans kept by the database"): STABLE, so PostgreSQL refuses a
 * write inside it, and SECURITY INVOKER. Named `app_read_*`, which the app counts as a read.
 */
export const readFunction = (signature: string, returns: string, statement: string) => `
  CREATE FUNCTION ${signature} RETURNS TABLE (${returns})
  LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY ${statement};
  END $$`;
