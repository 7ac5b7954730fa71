import { RequestContext, loadViewer, requireUser } from '../../graphql/context';
import { DomainModule } from '../domain-module';
import { fileService } from './file.service';
import { PgFileStorage } from './file.storage';

/** A 1×1 PNG (a photo stands in) and a one-page PDF: small, but what the upload path accepts. */
export const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
export const MINUTES = Buffer.from(
  [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
    '',
  ].join('\n'),
  'latin1',
);

/** A small one-page PDF of its own for each title (the title rides in a comment, so each has its own content). */
export function demoPdf(title: string): Buffer {
  return Buffer.concat([
    Buffer.from(`%PDF-1.4\n% ${Buffer.from(title, 'utf8').toString('hex')}\n`, 'latin1'),
    MINUTES.subarray(MINUTES.indexOf('\n') + 1),
  ]);
}

/**
 * Uploads a demo file as the seed's current viewer, through the upload path a request takes, and
 * answers its id (for a module's seed to attach to its records with the same services a request uses).
 */
export async function uploadDemoFile(ctx: RequestContext, name: string, bytes: Buffer): Promise<string> {
  const session = fileService.upload(ctx, new PgFileStorage(ctx.tx.manager.connection));
  await session.receive(name, [bytes]);
  const [file] = await session.finish();
  return file.id;
}

/** Runs `work` as another demo user of the tenant (the uploader), then gives the seed its admin back. */
async function asUser(ctx: RequestContext, username: string, work: () => Promise<void>): Promise<void> {
  const admin = requireUser(ctx);
  const [user] = await ctx.tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND username = $2`, [
    admin.tenantId,
    username,
  ]);
  if (!user) return;
  await loadViewer(ctx, { kind: 'user', sub: user.id, tid: admin.tenantId });
  try {
    await work();
  } finally {
    ctx.viewer = admin;
    ctx.forget('file.visible');
  }
}

/**
 * Each demo tenant: the secretary of one branch uploads a photo of its 主题党日, the secretary of another
 * branch the minutes of its 三会一课 (both not yet attached to a record, so each is its uploader's alone).
 */
export const seedFiles: NonNullable<DomainModule['seedDemo']> = async (ctx) => {
  const storage = new PgFileStorage(ctx.tx.manager.connection);
  const upload = async (username: string, name: string, bytes: Buffer) =>
    asUser(ctx, username, async () => {
      const session = fileService.upload(ctx, storage);
      await session.receive(name, [bytes]);
      await session.finish();
    });
  await upload('secretary', '主题党日活动照片.png', PHOTO);
  await upload('secretary2', '三会一课会议记录.pdf', MINUTES);
};
