import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { signFileLink, verifyFileLink } from '../src/modules/file/file.links';

/** A signed download link lasts at least its TTL, wherever in a second it was made (src/modules/file/file.links.ts). */
describe('signed file links', () => {
  const config = loadConfig({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'links-')), FILE_LINK_TTL_SECONDS: '1' });
  const holder = { tenantId: '00000000-0000-4000-8000-000000000001', userId: '00000000-0000-4000-8000-000000000002' };
  const fileId = '00000000-0000-4000-8000-000000000003';

  it.each([0, 1, 500, 999])('made %i ms into a second, works for a whole TTL and no more than a second beyond', (ms) => {
    const made = 1_800_000_000_000 + ms;
    const { token, expiresAt } = signFileLink(config, holder, fileId, made);
    expect(verifyFileLink(config, token, fileId, made + 999)).toEqual(holder);
    expect(expiresAt.getTime() - made).toBeGreaterThanOrEqual(1000);
    expect(expiresAt.getTime() - made).toBeLessThanOrEqual(2000);
    expect(() => verifyFileLink(config, token, fileId, expiresAt.getTime())).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });
});
