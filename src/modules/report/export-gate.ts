import { Config } from '../../config';
import { UserViewer } from '../../auth/viewer';
import { Release, keyedSlots, slots, takeInOrder } from '../../graphql/slots';
import { sizeText } from '../file/file.errors';
import { reportError } from './report.errors';

/** The Retry-After of EXPORTS_BUSY and EXPORTS_IN_PROGRESS: a file takes a few seconds to build. */
export const EXPORT_RETRY_SECONDS = 10;

export interface ExportGate {
  /**
   * A place to build one file (an .xlsx export or a .docx document) for an authorized viewer: the user's
   * turn (EXPORTS_PER_USER taken or waiting, past them 429 EXPORTS_IN_PROGRESS), the tenant's (EXPORTS_PER_TENANT,
   * half the places by default, building or waiting: past them 429 EXPORTS_TENANT_BUSY, so one tenant's users
   * never take them all), then one of the process's EXPORT_SLOTS, waiting among at most EXPORT_QUEUE others (past them 503
   * EXPORTS_BUSY).
   * Refused at once, never after a wait; the release gives both back.
   */
  enter(viewer: Pick<UserViewer, 'tenantId' | 'userId'>): Promise<Release>;
  /** Files being built or waiting, for tests and metrics. */
  readonly load: number;
}

function createGate(config: Config): ExportGate {
  const building = slots(config.exportSlots);
  const users = keyedSlots(config.exportsPerUser);
  const perTenant = config.exportsPerTenant;
  const tenants = keyedSlots(perTenant);
  return {
    get load() {
      return building.load;
    },
    enter(viewer) {
      return takeInOrder([
        {
          take: () => users.tryAcquire(`${viewer.tenantId}:${viewer.userId}`, 0),
          refused: () =>
            reportError('EXPORTS_IN_PROGRESS', { params: { limit: config.exportsPerUser, retryAfterSeconds: EXPORT_RETRY_SECONDS } }),
        },
        {
          take: () => tenants.tryAcquire(viewer.tenantId, 0),
          refused: () => reportError('EXPORTS_TENANT_BUSY', { params: { limit: perTenant, retryAfterSeconds: EXPORT_RETRY_SECONDS } }),
        },
        {
          take: () => building.tryAcquire(config.exportQueue),
          refused: () => reportError('EXPORTS_BUSY', { params: { retryAfterSeconds: EXPORT_RETRY_SECONDS } }),
        },
      ]);
    },
  };
}

/** One gate per running app (its Config), shared by the report module's exports and the document module's 公文. */
const gates = new WeakMap<Config, ExportGate>();
export function exportGate(config: Config): ExportGate {
  let gate = gates.get(config);
  if (!gate) gates.set(config, (gate = createGate(config)));
  return gate;
}

/** UTF-8 bytes of the text in a value (strings, numbers and dates in rows, paragraphs, tables), walked once. */
export function textBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return 8;
  if (Array.isArray(value)) return value.reduce<number>((sum, v) => sum + textBytes(v), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce<number>((sum, v) => sum + textBytes(v), 0);
  return 0;
}

/** EXPORT_TOO_LARGE when `bytes` pass the budget. */
export function checkExportBytes(bytes: number, limit: number): void {
  if (bytes > limit) throw reportError('EXPORT_TOO_LARGE', { params: { limit, limitText: sizeText(limit) } });
}
