import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { RequestTransaction } from '../../db/request-transaction';
import { CHUNK_BYTES } from '../file/file.storage';
import { genesisHash, verifyChain } from '../supervision/record-chain';
import { TarFormatError, TarReader, TarWriter } from './tar';
import { tenantArchiveError } from './tenant-archive.errors';

/**
 * A whole tenant as one tar archive, and back. Layout, in this order:
 *   version.json            format, schema version (the latest migration's name) and the tenant's row
 *   tables/<table>.ndjson   every row of each tenant table (a table with a tenant_id column, found in the
 *                           catalog), one JSON object per line (row_to_json), ordered by primary key
 *   files/<sha256>          the bytes of each stored file content (file_chunks are not carried as rows)
 *   manifest.json           per part: bytes, sha256 (and rows for a table); per table: counts; the chain head
 * Export reads one REPEATABLE READ snapshot over the owner's connection (every column, password hashes
 * included), with the tenant set, so row-level security (forced on the owner too) bounds it to the
 * tenant; each table part is spooled to a temporary file to learn its size, then streamed out: memory
 * holds one batch of rows at a time. Restore is one transaction: every part staged into temporary tables
 * while hashed, the manifest checked (hashes, sizes, counts, nothing missing, nothing extra), then one
 * INSERT statement per archive (all tables at once, so foreign keys, self-references included, are
 * checked at its end), the finalized records' chain verified: any failure leaves nothing.
 */
export const ARCHIVE_FORMAT = 'party-platform-tenant-archive';
export const ARCHIVE_FORMAT_VERSION = 1;
/**
 * Tenant tables not carried: sign-in sessions (a restored tenant's users sign in again), and the federation
 * with other tenants (its links, their grants, the frameworks handed down through them): a link names a
 * peer tenant that another deployment lacks, and a copy beside the original would hold one side of a link
 * its peer knows nothing of. A restored tenant links again.
 */
export const SKIPPED_TABLES = ['refresh_tokens', 'tenant_links', 'tenant_link_grants', 'handed_down_frameworks'];
/**
 * What an archive for a tenant's own root admin leaves out (a platform operator's carries everything):
 * second factors, recovery codes and the password history (their tables' parts hold no row), the SSO
 * client secret, and the files of imports not yet run (a user list may hold initial passwords). A tenant
 * restored from it keeps its users' passwords; who used an authenticator binds it again at the next
 * sign-in where the policy requires it, pending imports end as interrupted, and SSO waits for its secret.
 */
export const WITHHELD_TABLES = ['user_totp', 'recovery_codes', 'password_history'];
export const WITHHELD_COLUMNS: Record<string, string[]> = { sso_providers: ['client_secret'], import_jobs: ['content'] };

/** A table's rows as JSON text, with the withheld columns (when withholding) set to null. */
function rowJson(table: string, withhold: boolean): string {
  const columns = withhold ? (WITHHELD_COLUMNS[table] ?? []) : [];
  if (!columns.length) return `row_to_json(t)::text`;
  return `(to_jsonb(t) || jsonb_build_object(${columns.map((c) => `'${c}', NULL`).join(', ')}))::text`;
}

/** Rows carried as files/<sha256> entries instead. */
const CHUNKS_TABLE = 'file_chunks';
const BATCH_ROWS = 2000;
const STAGE_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_JSON_PART = 64 * 1024 * 1024;

interface TableInfo {
  name: string;
  /** Insertable columns (generated ones are computed again). */
  columns: string[];
  key: string[];
  identityAlways: boolean;
  /** Columns backed by a sequence (serial or identity): moved past the restored values. */
  sequenced: string[];
}

export interface ManifestPart {
  name: string;
  bytes: number;
  sha256: string;
  table?: string;
  rows?: number;
}

export interface Manifest {
  format: string;
  formatVersion: number;
  schemaVersion: string;
  exportedAt: string;
  tenant: { id: string; slug: string; name: string };
  counts: Record<string, number>;
  files: number;
  chain: { records: number; lastHash: string | null };
  /** The tables emptied and columns nulled for a tenant admin's export (absent in an operator's). */
  withheld?: { tables: string[]; columns: Record<string, string[]> };
  parts: ManifestPart[];
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sha256 = () => createHash('sha256');

/** Every table of the public schema with a tenant_id column, from the live catalog. */
export async function tenantTables(client: Client): Promise<TableInfo[]> {
  const { rows } = await client.query<{ name: string; columns: string[]; key: string[]; identity_always: boolean; sequenced: string[] }>(
    `SELECT c.relname AS name,
            array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attgenerated = '') AS columns,
            coalesce(bool_or(a.attidentity = 'a'), false) AS identity_always,
            coalesce(array_agg(a.attname::text ORDER BY a.attnum)
                       FILTER (WHERE pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL), '{}') AS sequenced,
            (SELECT array_agg(att.attname::text ORDER BY k.ord)
               FROM pg_constraint pk CROSS JOIN unnest(pk.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute att ON att.attrelid = pk.conrelid AND att.attnum = k.attnum
              WHERE pk.conrelid = c.oid AND pk.contype = 'p') AS key
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.oid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
      GROUP BY c.oid, c.relname ORDER BY c.relname`,
  );
  return rows.map((r) => ({ name: r.name, columns: r.columns, key: r.key, identityAlways: r.identity_always, sequenced: r.sequenced }));
}

/** The schema version: the name of the latest migration this database ran. */
export async function schemaVersion(client: Client): Promise<string> {
  const { rows } = await client.query<{ name: string }>(`SELECT name FROM schema_migrations ORDER BY timestamp DESC, id DESC LIMIT 1`);
  return rows[0]?.name ?? '';
}

/** A RequestTransaction's query over a plain client (the chain check reads through it), one statement at a time. */
function asTx(client: Client): RequestTransaction {
  let queue: Promise<unknown> = Promise.resolve();
  const query = (sql: string, params?: unknown[]) => {
    const run = queue.then(async () => (await client.query(sql, params)).rows);
    queue = run.catch(() => undefined);
    return run;
  };
  return { query } as unknown as RequestTransaction;
}

async function connect(ownerUrl: string): Promise<Client> {
  const client = new Client({ connectionString: ownerUrl, application_name: 'party-platform-archive' });
  // a connection PostgreSQL ends (a restart, an administrator, a dropped database) fails the export's or restore's
  // next query, which reports it; unheard, pg's 'error' event would end the whole process
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Streams the tenant `tenantId` as a tar archive into `out` (see the layout above); ends `out`. */
export async function exportTenant(
  ownerUrl: string,
  tenantId: string,
  out: Writable,
  /** Called once the export's connection and spool are given back, before the archive's last bytes are written. */
  released?: () => void,
  /** Leave out the secrets WITHHELD_TABLES / WITHHELD_COLUMNS name (an export for the tenant's own admin). */
  withhold = false,
): Promise<Manifest> {
  if (!UUID.test(tenantId)) throw new Error('tenant id expected');
  const client = await connect(ownerUrl);
  const dir = await mkdtemp(path.join(tmpdir(), 'tenant-export-'));
  let open = true;
  const release = async () => {
    if (!open) return;
    open = false;
    await client.end().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    released?.();
  };
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    const [tenant] = (
      await client.query<{ row: Record<string, unknown> }>(`SELECT row_to_json(t) AS row FROM tenants t WHERE id = $1`, [tenantId])
    ).rows;
    if (!tenant) throw new Error(`no tenant ${tenantId}`);
    const version = await schemaVersion(client);
    const tar = new TarWriter(out);
    const parts: ManifestPart[] = [];
    const counts: Record<string, number> = {};

    const head = Buffer.from(
      JSON.stringify({ format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, schemaVersion: version, tenant: tenant.row }),
    );
    await tar.entry('version.json', head.length, [head]);
    parts.push({ name: 'version.json', bytes: head.length, sha256: sha256().update(head).digest('hex') });

    for (const table of await tenantTables(client)) {
      if (SKIPPED_TABLES.includes(table.name) || table.name === CHUNKS_TABLE) continue;
      const file = path.join(dir, `${table.name}.ndjson`);
      const hash = sha256();
      let rows = 0;
      const spool = createWriteStream(file);
      const written = new Promise<void>((resolve, reject) => {
        spool.once('finish', () => resolve());
        spool.once('error', reject);
      });
      await client.query(
        `DECLARE part NO SCROLL CURSOR FOR SELECT ${rowJson(table.name, withhold)} AS j FROM ${ident(table.name)} t
          WHERE t.tenant_id = '${tenantId}' ${withhold && WITHHELD_TABLES.includes(table.name) ? 'AND false' : ''} ORDER BY ${table.key.map((k) => `t.${ident(k)}`).join(', ')}`,
      );
      for (;;) {
        const batch = (await client.query<{ j: string }>(`FETCH ${BATCH_ROWS} FROM part`)).rows;
        if (batch.length) {
          const chunk = Buffer.from(`${batch.map((r) => r.j).join('\n')}\n`);
          hash.update(chunk);
          rows += batch.length;
          if (!spool.write(chunk)) await new Promise<void>((resolve) => spool.once('drain', () => resolve()));
        }
        if (batch.length < BATCH_ROWS) break;
      }
      await client.query(`CLOSE part`);
      spool.end();
      await written;
      const { size } = await stat(file);
      const name = `tables/${table.name}.ndjson`;
      await tar.entry(name, size, createReadStream(file));
      await rm(file);
      parts.push({ name, bytes: size, sha256: hash.digest('hex'), table: table.name, rows });
      counts[table.name] = rows;
    }

    // each stored content once, by its hash, read a few chunks at a time
    const contents = (
      await client.query<{ id: string; sha: string; size: string }>(
        `SELECT id, encode(sha256, 'hex') AS sha, size::text AS size FROM file_contents WHERE tenant_id = $1 ORDER BY id`,
        [tenantId],
      )
    ).rows;
    for (const content of contents) {
      const hash = sha256();
      async function* chunks() {
        for (let seq = 0; ; seq += 4) {
          const rows = (
            await client.query<{ data: Buffer }>(
              `SELECT data FROM file_chunks WHERE tenant_id = $1 AND content_id = $2 AND seq >= $3 ORDER BY seq LIMIT 4`,
              [tenantId, content.id, seq],
            )
          ).rows;
          for (const r of rows) {
            hash.update(r.data);
            yield r.data;
          }
          if (rows.length < 4) return;
        }
      }
      const name = `files/${content.sha}`;
      await tar.entry(name, Number(content.size), chunks());
      const digest = hash.digest('hex');
      if (digest !== content.sha) throw new Error(`stored file ${content.id} does not match its hash`);
      parts.push({ name, bytes: Number(content.size), sha256: digest });
    }

    const [chain] = (
      await client.query<{ last_seq: string; last_hash: string }>(
        `SELECT last_seq::text, last_hash FROM record_chains WHERE tenant_id = $1`,
        [tenantId],
      )
    ).rows;
    const t = tenant.row as { id: string; slug: string; name: string };
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      formatVersion: ARCHIVE_FORMAT_VERSION,
      schemaVersion: version,
      exportedAt: new Date().toISOString(),
      tenant: { id: t.id, slug: t.slug, name: t.name },
      counts,
      files: contents.length,
      chain: { records: chain ? Number(chain.last_seq) : 0, lastHash: chain?.last_hash ?? null },
      ...(withhold ? { withheld: { tables: WITHHELD_TABLES, columns: WITHHELD_COLUMNS } } : {}),
      parts,
    };
    const body = Buffer.from(JSON.stringify(manifest, null, 2));
    await tar.entry('manifest.json', body.length, [body]);
    await client.query('COMMIT');
    // everything given back before the last bytes go out: whoever has read them all may export again at once
    await release();
    await tar.end();
    return manifest;
  } catch (error) {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    out.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await release();
  }
}

export interface RestoreResult {
  tenantId: string;
  slug: string;
  /** Whether the tenant got a new id (the archive's was taken in this deployment). */
  remapped: boolean;
  counts: Record<string, number>;
  files: number;
  chainRecords: number;
}

const invalid = (detail: string) => tenantArchiveError('TENANT_ARCHIVE_INVALID', { field: 'archive', params: { detail } });
const tampered = (part: string, detail: string) =>
  tenantArchiveError('TENANT_ARCHIVE_TAMPERED', { field: 'archive', params: { part, detail } });

async function collect(content: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let size = 0;
  for await (const piece of content) {
    size += piece.length;
    if (size > limit) throw invalid(`${what} too large`);
    pieces.push(piece);
  }
  return Buffer.concat(pieces);
}

/**
 * Restores an archive read from `source` as one transaction (see above). The tenant keeps its id when
 * this deployment has no tenant with it (an empty deployment: every id as it was); otherwise (the same
 * deployment, beside the original) it gets a new tenant id and every row's tenant_id is rewritten to it,
 * while every other id stays: keys lead with tenant_id, so ids need only be unique within a tenant, and
 * global ids in old documents resolve in the restored tenant. `slug` names it (default: the archive's).
 */
export async function restoreTenant(
  ownerUrl: string,
  source: AsyncIterable<Buffer>,
  options: { slug?: string; maxBytes: number },
): Promise<RestoreResult> {
  const client = await connect(ownerUrl);
  try {
    await client.query('BEGIN');
    const reader = new TarReader(source, options.maxBytes, () =>
      tenantArchiveError('TENANT_ARCHIVE_TOO_LARGE', { field: 'archive', params: { limit: options.maxBytes } }),
    );
    const seen = new Map<string, ManifestPart>();

    // version.json: the format and the schema version, refused at once when they differ
    const first = await reader.next();
    if (!first || first.name !== 'version.json') throw invalid('version.json missing');
    const head = await collect(first.content, 1024 * 1024, 'version.json');
    seen.set('version.json', { name: 'version.json', bytes: head.length, sha256: sha256().update(head).digest('hex') });
    let version: { format?: string; formatVersion?: number; schemaVersion?: string; tenant?: Record<string, unknown> };
    try {
      version = JSON.parse(head.toString('utf8'));
    } catch {
      throw invalid('version.json unreadable');
    }
    if (version.format !== ARCHIVE_FORMAT || version.formatVersion !== ARCHIVE_FORMAT_VERSION) throw invalid('unknown format');
    const current = await schemaVersion(client);
    if (version.schemaVersion !== current) {
      throw tenantArchiveError('TENANT_ARCHIVE_SCHEMA', { field: 'archive', params: { archive: String(version.schemaVersion), current } });
    }
    const original = version.tenant as { id?: string; slug?: string } | undefined;
    if (!original || typeof original.id !== 'string' || !UUID.test(original.id) || typeof original.slug !== 'string')
      throw invalid('no tenant in version.json');
    const slug = options.slug ?? original.slug;
    if (!/^[a-z][a-z0-9-]{1,39}$/.test(slug)) throw tenantArchiveError('TENANT_RESTORE_SLUG_FORMAT', 'slug');
    if ((await client.query(`SELECT 1 FROM tenants WHERE slug = $1`, [slug])).rowCount)
      throw tenantArchiveError('TENANT_RESTORE_SLUG_TAKEN', { field: 'slug', params: { slug } });
    const remapped = !!(await client.query(`SELECT 1 FROM tenants WHERE id = $1`, [original.id])).rowCount;
    const tenantId = remapped ? randomUUID() : original.id;
    await client.query(
      `INSERT INTO tenants SELECT * FROM json_populate_record(NULL::tenants, ($1::jsonb || jsonb_build_object('id', $2::text, 'slug', $3::text))::json)`,
      [JSON.stringify(version.tenant), tenantId, slug],
    );
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);

    // the parts, staged into temporary tables as they stream, each hashed
    const tables = new Map((await tenantTables(client)).map((t) => [t.name, t]));
    const infoOf = (name: string): TableInfo => {
      const info = tables.get(name);
      if (!info) throw new Error(`no tenant table ${name}`);
      return info;
    };
    const stages = new Map<string, { stage: string; rows: number }>();
    const stageOf = async (table: string) => {
      let staged = stages.get(table);
      if (!staged) {
        staged = { stage: `stage_${stages.size}`, rows: 0 };
        await client.query(`CREATE TEMP TABLE ${staged.stage} (LIKE public.${ident(table)}) ON COMMIT DROP`);
        stages.set(table, staged);
      }
      return staged;
    };
    let manifest: Manifest | undefined;
    for (;;) {
      const entry = await reader.next();
      if (!entry) break;
      if (manifest) throw invalid('entries after manifest.json');
      if (seen.has(entry.name)) throw invalid(`${entry.name} twice`);
      if (entry.name === 'manifest.json') {
        try {
          manifest = JSON.parse((await collect(entry.content, MAX_JSON_PART, 'manifest.json')).toString('utf8'));
        } catch (error) {
          if (error instanceof SyntaxError) throw invalid('manifest.json unreadable');
          throw error;
        }
        continue;
      }
      const tableMatch = /^tables\/([a-z_][a-z0-9_]*)\.ndjson$/.exec(entry.name);
      const fileMatch = /^files\/([0-9a-f]{64})$/.exec(entry.name);
      const hash = sha256();
      if (tableMatch) {
        const table = tables.get(tableMatch[1]);
        if (!table || SKIPPED_TABLES.includes(table.name) || table.name === CHUNKS_TABLE) throw invalid(`unknown part ${entry.name}`);
        const staged = await stageOf(table.name);
        let rest = '';
        let batch: string[] = [];
        let batchBytes = 0;
        const flush = async () => {
          if (!batch.length) return;
          try {
            await client.query(`INSERT INTO ${staged.stage} SELECT * FROM json_populate_recordset(NULL::${staged.stage}, $1::json)`, [
              `[${batch.join(',')}]`,
            ]);
          } catch {
            throw tampered(entry.name, 'rows unreadable');
          }
          staged.rows += batch.length;
          batch = [];
          batchBytes = 0;
        };
        const decoder = new TextDecoder('utf-8', { fatal: true });
        for await (const piece of entry.content) {
          hash.update(piece);
          let text: string;
          try {
            text = rest + decoder.decode(piece, { stream: true });
          } catch {
            throw tampered(entry.name, 'not UTF-8');
          }
          const lines = text.split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) {
            if (!line) continue;
            batch.push(line);
            batchBytes += line.length;
            if (batch.length >= BATCH_ROWS || batchBytes >= STAGE_BATCH_BYTES) await flush();
          }
        }
        if (rest) batch.push(rest);
        await flush();
        seen.set(entry.name, { name: entry.name, bytes: entry.size, sha256: hash.digest('hex'), table: table.name, rows: staged.rows });
      } else if (fileMatch) {
        const contents = stages.get('file_contents');
        const owner = contents
          ? (await client.query<{ id: string }>(`SELECT id FROM ${contents.stage} WHERE sha256 = decode($1, 'hex')`, [fileMatch[1]]))
              .rows[0]
          : undefined;
        if (!owner) throw tampered(entry.name, 'no stored file names it');
        const chunks = await stageOf(CHUNKS_TABLE);
        let seq = 0;
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        const put = async (data: Buffer) => {
          await client.query(`INSERT INTO ${chunks.stage} (tenant_id, content_id, seq, data) VALUES ($1, $2, $3, $4)`, [
            tenantId,
            owner.id,
            seq++,
            data,
          ]);
          chunks.rows++;
        };
        for await (const piece of entry.content) {
          hash.update(piece);
          pending.push(piece);
          pendingBytes += piece.length;
          while (pendingBytes >= CHUNK_BYTES) {
            const all = Buffer.concat(pending);
            await put(all.subarray(0, CHUNK_BYTES));
            pending = [all.subarray(CHUNK_BYTES)];
            pendingBytes = pending[0].length;
          }
        }
        if (pendingBytes) await put(Buffer.concat(pending));
        const digest = hash.digest('hex');
        if (digest !== fileMatch[1]) throw tampered(entry.name, 'sha256');
        seen.set(entry.name, { name: entry.name, bytes: entry.size, sha256: digest });
      } else {
        throw invalid(`unknown part ${entry.name.slice(0, 100)}`);
      }
    }

    // the manifest: the same parts, byte for byte, and the same counts
    if (!manifest || !Array.isArray(manifest.parts)) throw invalid('manifest.json missing (a truncated archive?)');
    if (manifest.schemaVersion !== current) throw tampered('manifest.json', 'schema version');
    for (const part of manifest.parts) {
      const got = seen.get(part.name);
      if (!got) throw tampered(part.name, 'missing');
      if (got.sha256 !== part.sha256 || got.bytes !== part.bytes) throw tampered(part.name, 'sha256');
      if (part.table !== undefined && got.rows !== part.rows) throw tampered(part.name, 'rows');
    }
    const listed = new Set(manifest.parts.map((p) => p.name));
    for (const name of seen.keys()) if (!listed.has(name)) throw tampered(name, 'not in the manifest');
    for (const [table, rows] of Object.entries(manifest.counts ?? {})) {
      if ((stages.get(table)?.rows ?? 0) !== rows) throw tampered(`tables/${table}.ndjson`, 'count');
    }

    // every table in one statement: foreign keys (self-references too) are checked at its end. A
    // finalized record goes in as a draft and is finalized after its findings, scores and files are in.
    const staged = [...stages.entries()];
    const genesis = genesisHash(original.id);
    const ctes = staged.map(([name, { stage }], i) => {
      const table = infoOf(name);
      const select = table.columns.map((c) => {
        if (c === 'tenant_id') return '$1::uuid';
        if (name === 'inspections' && c === 'state') return `CASE WHEN s.state = 'FINALIZED' THEN 'DRAFT' ELSE s.state END`;
        if (name === 'record_chains' && c === 'genesis_hash') return `CASE WHEN $3::boolean THEN coalesce(s.genesis_hash, $2::text) END`;
        // beside the original, public link codes (unique across tenants by chance only) are issued anew:
        // printed codes keep leading to the original tenant
        if (name === 'link_codes' && c === 'code')
          return `CASE WHEN $3::boolean THEN replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '') ELSE s.code END`;
        return `s.${ident(c)}`;
      });
      return `w${i} AS (INSERT INTO public.${ident(name)} (${table.columns.map(ident).join(', ')})${table.identityAlways ? ' OVERRIDING SYSTEM VALUE' : ''}
                SELECT ${select.join(', ')} FROM ${stage} s RETURNING 1)`;
    });
    if (staged.length) {
      const [inserted] = (
        await client.query<Record<string, string>>(
          `WITH ${ctes.join(',\n')}
           SELECT $2::text AS genesis, $3::boolean AS remapped, ${staged.map((_, i) => `(SELECT count(*) FROM w${i})::text AS n${i}`).join(', ')}`,
          [tenantId, genesis, remapped],
        )
      ).rows;
      staged.forEach(([name, { rows }], i) => {
        if (Number(inserted[`n${i}`]) !== rows) throw tampered(`tables/${name}.ndjson`, 'count');
      });
    }
    const inspections = stages.get('inspections');
    if (inspections) {
      await client.query(
        `UPDATE inspections i SET state = 'FINALIZED' FROM ${inspections.stage} s
          WHERE i.tenant_id = $1 AND i.id = s.id AND s.state = 'FINALIZED'`,
        [tenantId],
      );
    }
    // sequences past the restored values (audit log ids, ledger and notification order)
    for (const [name] of staged) {
      for (const column of infoOf(name).sequenced) {
        const [{ seq }] = (
          await client.query<{ seq: string }>(`SELECT pg_get_serial_sequence($1, $2) AS seq`, [`public.${ident(name)}`, column])
        ).rows;
        await client.query(
          `SELECT setval($1::regclass, GREATEST((SELECT coalesce(max(${ident(column)}), 1) FROM public.${ident(name)}), (SELECT last_value FROM ${seq})), true)`,
          [seq],
        );
      }
    }
    const chain = await verifyChain(asTx(client), tenantId);
    if (!chain.ok) throw tenantArchiveError('TENANT_ARCHIVE_CHAIN_BROKEN', { field: 'archive', params: { seq: chain.brokenAt?.seq ?? 0 } });
    await client.query('COMMIT');
    return {
      tenantId,
      slug,
      remapped,
      counts: Object.fromEntries(staged.filter(([name]) => name !== CHUNKS_TABLE).map(([name, { rows }]) => [name, rows])),
      files: [...seen.keys()].filter((n) => n.startsWith('files/')).length,
      chainRecords: chain.checked,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof TarFormatError) throw invalid(error.message);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
