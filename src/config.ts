// Environment → typed configuration, read in one place. Tests build a Config directly.
import path from 'node:path';

/**
 * The infrastructure's rate-limit families (requests per minute); modules declare their own in
 * modules/index.ts. Any family's limit is configurable as RATE_LIMIT_<FAMILY>_PER_MINUTE.
 */
export const RATE_LIMIT_DEFAULTS: Record<string, number> = {
  default: 120,
  graphql: 600,
  /** /healthz, per client address: a load balancer polling every second stays far below it. */
  health: 600,
};

export interface Config {
  host: string;
  port: number;
  /** `postgres://…` → PostgreSQL; `memory://` → in-memory PGlite; anything else → PGlite data dir. */
  databaseUrl: string;
  storageDir: string;
  /** Where the embedded server keeps its lock file and CLI socket (beside the PGlite data dir). */
  runtimeDir: string;
  redisUrl: string | undefined;
  /** WEBHOOKS_ALLOW_PRIVATE=1: webhooks may target private and loopback addresses (tests, closed networks). */
  webhooksAllowPrivate: boolean;
  /** QUEUE_WORKER=0: this instance serves requests only; another runs the job queue. */
  queueWorker: boolean;
  publicUrl: string;
  logLevel: string;
  /** Largest JSON/multipart request body accepted, in bytes. */
  bodyLimitBytes: number;
  /** Limits set in the environment (or by tests), by family; the rest keep their declared defaults. */
  rateLimits: Record<string, number>;
  /** Error groups whose last_seen_at is older than this are pruned. */
  errorRetentionDays: number;
  /** How long a cached GraphQL result may be served at most (0 turns the cache off). */
  graphqlCacheTtlMs: number;
  /** A signed-in caller's plain query runs compiled from this use of its document on (graphql/compiled-execution.ts); 0 never compiles. */
  graphqlCompileAfterUses: number;
  /** JSON POSTs skip Yoga's fetch-API adaptation (graphql/yoga.ts); GRAPHQL_FAST_PATH=0 turns it off. */
  graphqlFastPath: boolean;
  /** Open connections one client address may hold. */
  maxConnectionsPerClient: number;
  /** Live subscription streams one credential may hold. */
  maxSubscriptionsPerPrincipal: number;
  /** How often a live stream re-reads its credential when no event comes (a revoked token's stream ends within this). */
  liveRecheckMs: number;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || './data/pglite';
  const host = env.HOST || '127.0.0.1';
  const port = intFromEnv(env, 'PORT', 4000);
  const rateLimits: Record<string, number> = {};
  for (const name of Object.keys(env)) {
    const family = /^RATE_LIMIT_([A-Z0-9_]+)_PER_MINUTE$/.exec(name)?.[1];
    if (family) rateLimits[family.toLowerCase()] = intFromEnv(env, name, 0);
  }
  return {
    host,
    port,
    databaseUrl,
    storageDir: env.STORAGE_DIR || './data/blobs',
    runtimeDir: isEmbeddedPath(databaseUrl) ? path.dirname(path.resolve(databaseUrl)) : path.resolve('./data'),
    redisUrl: env.REDIS_URL || undefined,
    webhooksAllowPrivate: env.WEBHOOKS_ALLOW_PRIVATE === '1',
    queueWorker: env.QUEUE_WORKER !== '0',
    publicUrl: (env.PUBLIC_URL || `http://${host}:${port}`).replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimitBytes: intFromEnv(env, 'BODY_LIMIT_BYTES', 2 * 1024 * 1024),
    rateLimits,
    errorRetentionDays: intFromEnv(env, 'ERROR_RETENTION_DAYS', 90),
    graphqlCacheTtlMs: intFromEnv(env, 'GRAPHQL_CACHE_TTL_MS', 2_000),
    graphqlFastPath: env.GRAPHQL_FAST_PATH !== '0',
    graphqlCompileAfterUses: intFromEnv(env, 'GRAPHQL_COMPILE_AFTER_USES', 2),
    maxConnectionsPerClient: intFromEnv(env, 'MAX_CONNECTIONS_PER_CLIENT', 256),
    maxSubscriptionsPerPrincipal: intFromEnv(env, 'MAX_SUBSCRIPTIONS_PER_CREDENTIAL', 20),
    liveRecheckMs: Math.max(100, intFromEnv(env, 'LIVE_RECHECK_MS', 5_000)),
  };
}

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);
/** A PGlite data directory on disk (not PostgreSQL, not in-memory). */
export const isEmbeddedPath = (url: string) => !isPostgresUrl(url) && !url.startsWith('memory://');
