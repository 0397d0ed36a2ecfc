// What init described, kept 30 minutes for the PUTs and the finalize that follow — which may each
// reach a different instance. In the database by default; in Redis when REDIS_URL is set (as the
// Kaizen document keeps it, `ingest:upload:<uploadId>`). Received bytes need no state: the PUT
// stores them content-addressed only once their sha256 and size match, so "uploaded" is "in the
// blob store".
import type { Services } from '../../services.ts';

export interface ManifestEntry {
  id: string;
  sha256: string;
  size: number;
  contentType: string;
}

export interface UploadState {
  id: string;
  projectId: number;
  externalRunId: string;
  manifest: ManifestEntry[];
  expiresAt: Date;
}

export const UPLOAD_STATE_TTL_MS = 30 * 60 * 1000;

interface UploadStateStore {
  save(state: UploadState): Promise<void>;
  load(id: string): Promise<UploadState | null>;
}

const stores = new WeakMap<Services, UploadStateStore>();

export function uploadStates(services: Services): UploadStateStore {
  let store = stores.get(services);
  if (!store) stores.set(services, (store = services.config.redisUrl ? redisStore(services, services.config.redisUrl) : databaseStore(services)));
  return store;
}

function databaseStore(services: Services): UploadStateStore {
  return {
    async save(state) {
      await services.prisma.testUpload.create({
        data: { id: state.id, projectId: state.projectId, externalRunId: state.externalRunId, manifest: state.manifest as object[], expiresAt: state.expiresAt },
      });
    },
    async load(id) {
      const row = await services.prisma.testUpload.findUnique({ where: { id } });
      if (!row || row.expiresAt.getTime() <= services.clock.now().getTime()) return null;
      return { ...row, manifest: row.manifest as unknown as ManifestEntry[] };
    },
  };
}

function redisStore(services: Services, url: string): UploadStateStore {
  const client = import('ioredis').then(({ Redis }) => {
    const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
    services.onClose.push(async () => void (await redis.quit().catch(() => undefined)));
    return redis;
  });
  const key = (id: string) => `ingest:upload:${id}`;
  return {
    async save(state) {
      const ttl = Math.max(1, state.expiresAt.getTime() - services.clock.now().getTime());
      await (await client).set(key(state.id), JSON.stringify(state), 'PX', ttl);
    },
    async load(id) {
      const text = await (await client).get(key(id));
      if (!text) return null;
      const state = JSON.parse(text) as UploadState & { expiresAt: string };
      return { ...state, expiresAt: new Date(state.expiresAt) };
    },
  };
}

/** Removes database upload states past their expiry (the retention job). */
export async function pruneExpiredUploads(services: Services): Promise<number> {
  const { count } = await services.prisma.testUpload.deleteMany({ where: { expiresAt: { lt: services.clock.now() } } });
  return count;
}
