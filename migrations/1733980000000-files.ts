import { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTables } from './tenant-isolation';

/**
 * Evidence files in PostgreSQL (issue 13, part 1), so that a backup of the database is a backup of the
 * evidence and server instances share nothing else.
 * - `file_contents`: one row per distinct content of a tenant (its sha256, size and the format its bytes
 *   were recognised as); identical uploads share it, so the tenant's quota counts each content once.
 * - `file_chunks`: the bytes, in rows of 256 KiB (the PostgreSQL storage of src/modules/file/file.storage.ts).
 *   Written before the content's hash is known, so the key to `file_contents` is checked at commit.
 *   Stored uncompressed (STORAGE EXTERNAL): photos, PDFs and Office files are compressed already, and a
 *   range read then fetches only the slices it needs.
 * - `files`: what a user uploaded: a name, the content, the uploader.
 * - `file_attachments`: which record (a type and id of another module) a file is evidence of. A file's
 *   visibility is its records' visibility; a file on no record is its uploader's alone.
 */
export class Files1733980000000 implements MigrationInterface {
  name = 'Files1733980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE file_contents (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL,
        sha256 bytea NOT NULL CHECK (octet_length(sha256) = 32),
        size bigint NOT NULL CHECK (size > 0),
        format text NOT NULL CHECK (format IN ('JPEG', 'PNG', 'GIF', 'WEBP', 'PDF', 'DOCX', 'XLSX', 'PPTX', 'DOC', 'XLS')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT file_contents_hash UNIQUE (tenant_id, sha256)
      )`);
    await q.query(`
      CREATE TABLE file_chunks (
        tenant_id uuid NOT NULL,
        content_id uuid NOT NULL,
        seq integer NOT NULL CHECK (seq >= 0),
        data bytea NOT NULL,
        PRIMARY KEY (tenant_id, content_id, seq),
        FOREIGN KEY (tenant_id, content_id) REFERENCES file_contents (tenant_id, id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
      )`);
    await q.query(`ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL`);
    await q.query(`
      CREATE TABLE files (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        content_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        uploaded_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, content_id) REFERENCES file_contents (tenant_id, id),
        FOREIGN KEY (tenant_id, uploaded_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX files_content ON files (tenant_id, content_id)`);
    await q.query(`CREATE INDEX files_uploader ON files (tenant_id, uploaded_by, created_at)`);
    await q.query(`
      CREATE TABLE file_attachments (
        tenant_id uuid NOT NULL,
        file_id uuid NOT NULL,
        record_type text NOT NULL CHECK (record_type ~ '^[A-Z][A-Za-z]{1,63}$'),
        record_id uuid NOT NULL,
        attached_by uuid NOT NULL,
        attached_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, record_type, record_id, file_id),
        FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, attached_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX file_attachments_file ON file_attachments (tenant_id, file_id)`);
    await isolateTenantTables(q, ['file_contents', 'file_chunks', 'files', 'file_attachments']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS file_attachments`);
    await q.query(`DROP TABLE IF EXISTS files`);
    await q.query(`DROP TABLE IF EXISTS file_chunks`);
    await q.query(`DROP TABLE IF EXISTS file_contents`);
  }
}
