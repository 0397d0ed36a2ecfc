// Opens the one Prisma client for DATABASE_URL: PostgreSQL through adapter-pg, or embedded PGlite
// (a data directory, or `memory://` for tests) through pglite-prisma-adapter. Same schema, same
// migrations, same generated client.
import fs from 'node:fs';
import path from 'node:path';
import { PrismaClient, type Prisma as PrismaTypes } from '../generated/prisma/client.ts';
import { isPostgresUrl } from '../config.ts';
import { migrateDeploy, type SqlRunner } from './migrator.ts';
import { storableValue } from './storable.ts';

export type Prisma = PrismaClient;
/** The client or an interactive transaction: what a function that only reads and writes takes. */
export type Db = PrismaClient | PrismaTypes.TransactionClient;
/** What a skin may pass to a service's page read: its selection and the page bounds (Pothos's `query`). */
export type PageQuery<FindManyArgs> = Pick<FindManyArgs, Extract<keyof FindManyArgs, 'include' | 'select' | 'take' | 'skip' | 'cursor'>>;
export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** Apply pending migrations; returns the names applied. */
  migrate(log?: (line: string) => void): Promise<string[]>;
  /** Raw runner for tools and tests (migrator, snapshots). */
  sql: SqlRunner;
  /** Counts SQL statements Prisma sent, when opened with `countStatements` (N+1 tests). */
  statementCount(): number;
  /** PGlite only: snapshot of the data directory (tests start workers from one). */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PGlite only: start from a `dumpDataDir()` snapshot instead of an empty cluster (tests). */
  loadDataDir?: Blob;
  countStatements?: boolean;
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  return isPostgresUrl(url) ? openPostgres(url, options) : openPglite(url, options);
}

function withStatementCounter(prisma: PrismaClient, enabled: boolean | undefined) {
  let count = 0;
  if (enabled) (prisma as unknown as { $on(e: 'query', cb: () => void): void }).$on('query', () => void count++);
  return () => count;
}

/** Every model operation's arguments made storable (NUL characters replaced), see storable.ts. */
function withStorableArgs(prisma: PrismaClient): PrismaClient {
  return prisma.$extends({
    query: { $allModels: { $allOperations: ({ args, query }) => query(storableValue(args)) } },
  }) as unknown as PrismaClient;
}

const queryLog = (enabled?: boolean) => (enabled ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {});

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server ends (a restart, a terminated backend) is an 'error' event of the
  // pool; unheard, it would end the process. The pool replaces the connection; queries in flight
  // fail on their own.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), ...queryLog(options.countStatements) });
  const sql: SqlRunner = {
    exec: async (text) => void (await pool.query(text)),
    rows: async (text, params) => (await pool.query(text, params)).rows,
  };
  return {
    prisma: withStorableArgs(prisma),
    kind: 'postgres',
    sql,
    statementCount: withStatementCounter(prisma, options.countStatements),
    async migrate(log) {
      // One dedicated connection: the advisory lock and BEGIN/COMMIT must share a session.
      const client = await pool.connect();
      try {
        return await migrateDeploy(
          { exec: async (t) => void (await client.query(t)), rows: async (t, p) => (await client.query(t, p)).rows },
          undefined,
          log,
        );
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}

/**
 * PGlite's cluster defaults to 160 MB of shared buffers, all of it WASM memory of this process.
 * 32 MB serves a team's triage data (the OS page cache still holds the files) and takes ~110 MB
 * off the embedded server's footprint (bench/footprint.ts).
 */
const EMBEDDED_SETTINGS = ['-c', `shared_buffers=${process.env.EMBEDDED_SHARED_BUFFERS || '32MB'}`];

async function openPglite(url: string, options: OpenOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const dataDir = url.startsWith('memory://') ? undefined : path.resolve(url.replace(/^file:(\/\/)?/, ''));
  if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true }); // PGlite won't create parents
  // The options-object form: PGlite ignores loadDataDir when given as the second argument with no dataDir.
  const pglite = new PGlite({ dataDir, loadDataDir: options.loadDataDir, startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS] });
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite), ...queryLog(options.countStatements) });
  const sql: SqlRunner = {
    exec: async (text) => void (await pglite.exec(text)),
    rows: async (text, params) => (await pglite.query(text, params)).rows as never[],
  };
  return {
    prisma: withStorableArgs(prisma),
    kind: 'pglite',
    sql,
    statementCount: withStatementCounter(prisma, options.countStatements),
    migrate: (log) => migrateDeploy(sql, undefined, log),
    dumpDataDir: async () => (await pglite.dumpDataDir('none')) as Blob,
    async close() {
      await prisma.$disconnect();
      await pglite.close(); // without it the process never exits
    },
  };
}
