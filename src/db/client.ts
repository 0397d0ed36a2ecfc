// Opens the one Prisma client for DATABASE_URL through adapter-pg: a PostgreSQL server, or embedded
// PGlite (a data directory, or `memory://` for tests) in a worker thread behind a Unix socket. Same
// schema, same migrations, same generated client, same driver.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import { PrismaClient, type Prisma as PrismaTypes } from '../generated/prisma/client.ts';
import { isPostgresUrl } from '../config.ts';
import { migrateDeploy, type SqlRunner } from './migrator.ts';
import { seedDataDirectory } from './seed.ts';
import { storableAdapter } from './storable.ts';

export type Prisma = PrismaClient;
/** The client or an interactive transaction: what a function that only reads and writes takes. */
export type Db = PrismaClient | PrismaTypes.TransactionClient;
/** What a skin may pass to a service's page read: its selection and the page bounds (Pothos's `query`). */
export type PageQuery<FindManyArgs> = Pick<FindManyArgs, Extract<keyof FindManyArgs, 'include' | 'select' | 'take' | 'skip' | 'cursor'>>;
export type DatabaseKind = 'postgres' | 'pglite';

/**
 * What a hand-written read needs of each row: these columns ('all', or a set), and of each relation
 * named, what it needs in turn (a relation not named is not read). GraphQL works it out from a
 * query's selection (graphql/row-reads.ts); `readRows` callers read that much and no more.
 */
export interface RowReads {
  columns: Set<string> | 'all';
  relations: Map<string, RowReads>;
}

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** The DATABASE_URL it was opened with. */
  url: string;
  /** Apply pending migrations; returns the names applied. */
  migrate(log?: (line: string) => void): Promise<string[]>;
  /** Raw runner for tools and tests (migrator, snapshots). */
  sql: SqlRunner;
  /**
   * A hot read's rows as arrays of column values, past Prisma's client (the board's page, whose
   * mapping cost more than its statement): named and prepared as Prisma's statements are,
   * int4 as numbers, text and enums as strings, `timestamp` columns as UTC Dates as Prisma reads them.
   * Its parameters go to the database as given, not made storable (storable.ts): ids and bounds.
   */
  readRows(query: { text: string; values: unknown[] }): Promise<unknown[][]>;
  /** Counts SQL statements Prisma sent, when opened with `countStatements` (N+1 tests). */
  statementCount(): number;
  /** PGlite only: snapshot of the data directory (tests start workers from one). */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PGlite only: start from a `dumpDataDir()` snapshot instead of an empty cluster (tests; new directories start from seed.ts's). */
  loadDataDir?: Blob;
  countStatements?: boolean;
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  return isPostgresUrl(url) ? openPostgres(url, options) : openPglite(url, options);
}

function withStatementCounter(prisma: PrismaClient, enabled: boolean | undefined) {
  let count = 0;
  if (enabled) (prisma as unknown as { $on(e: 'query', cb: () => void): void }).$on('query', () => void count++);
  return { count: () => count, countOne: () => void (enabled && count++) };
}

const TIMESTAMP_OID = 1114;
const digits = (text: string, from: number, to: number) => {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
};
/**
 * Prisma's DateTime columns are `timestamp(3)` holding UTC: read as such whatever the process's
 * time zone. PostgreSQL writes `YYYY-MM-DD HH:MM:SS[.fff]`; read by position, as parsing the text as
 * a date string was 5% of the board's profile. Other shapes (years before 100 or past 9999, BC) parse as text.
 */
function utcTimestamp(text: string): Date {
  const year = digits(text, 0, 4);
  // Date.UTC reads years 0–99 as 1900–1999: those parse as text too.
  const shaped = text.length <= 23 && text[4] === '-' && text[10] === ' ' && (text.length === 19 || (text.length > 20 && text[19] === '.'));
  if (!shaped || year < 100) return new Date(`${text.replace(' ', 'T')}Z`);
  const fraction = text.length > 20 ? digits(text, 20, text.length) * 10 ** (23 - text.length) : 0;
  return new Date(Date.UTC(year, digits(text, 5, 7) - 1, digits(text, 8, 10), digits(text, 11, 13), digits(text, 14, 16), digits(text, 17, 19), fraction));
}

const queryLog = (enabled?: boolean) => (enabled ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {});

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  return openThroughPg(url, { connectionString: url, max: 10 }, 'postgres', options);
}

/**
 * Prisma's statements are prepared once per connection and then reused by name, so PostgreSQL
 * parses and plans each only once: the board's page query took 1.7 ms a round trip unnamed, 1.2 ms
 * named (PostgreSQL, this machine). The name is a hash of the statement's text. A text is named
 * from its third use, so one-off shapes (a batch insert of an odd size, an IN list of a new length)
 * do not take the room, and at most `max` texts are named: neither this process's nor the
 * server's cache of them grows without bound. Other statements run unnamed, as before.
 * `readRows` has its own names: the board's text follows the fields a client selects, and a
 * client sending many selections must not take the room of Prisma's statements.
 */
const PREPARED_STATEMENTS = 256;
const PREPARED_ROW_STATEMENTS = 64;
const NAMED_FROM_USE = 3;
function preparedStatementNames(max: number): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  const uses = new LRUCache<string, number>({ max: 4 * max });
  return ({ sql }) => {
    const named = names.get(sql);
    if (named !== undefined || names.size >= max) return named ?? '';
    const used = (uses.get(sql) ?? 0) + 1;
    if (used < NAMED_FROM_USE) {
      uses.set(sql, used);
      return ''; // pg's unnamed statement
    }
    uses.delete(sql);
    const name = `intake_${createHash('sha1').update(sql).digest('base64url')}`;
    names.set(sql, name);
    return name;
  };
}

/** Both backends speak to `pg`: a PostgreSQL server, or the embedded database's worker socket. */
async function openThroughPg(
  url: string,
  poolConfig: import('pg').PoolConfig,
  kind: DatabaseKind,
  options: OpenOptions,
  embedded?: { dumpDataDir(): Promise<Blob>; close(): Promise<void> },
): Promise<Database> {
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const pg = (await import('pg')).default;
  const pool = new pg.Pool(poolConfig);
  // An idle connection the server ends (a restart, a terminated backend) is an 'error' event of the
  // pool; unheard, it would end the process. The pool replaces the connection; queries in flight
  // fail on their own.
  pool.on('error', () => {});
  const statementName = preparedStatementNames(PREPARED_STATEMENTS);
  const rowStatementName = preparedStatementNames(PREPARED_ROW_STATEMENTS);
  const adapter = storableAdapter(new PrismaPg(pool, { statementNameGenerator: statementName }));
  const prisma = new PrismaClient({ adapter, ...queryLog(options.countStatements) });
  const statements = withStatementCounter(prisma, options.countStatements);
  const readTypes = { getTypeParser: (oid: number, format?: string) => (oid === TIMESTAMP_OID ? utcTimestamp : pg.types.getTypeParser(oid, format as 'text')) };
  const sql: SqlRunner = {
    exec: async (text) => void (await pool.query(text)),
    rows: async (text, params) => (await pool.query(text, params)).rows,
  };
  return {
    prisma,
    kind,
    url,
    sql,
    statementCount: statements.count,
    async readRows({ text, values }) {
      statements.countOne();
      return (await pool.query({ name: rowStatementName({ sql: text }) || undefined, text, values, rowMode: 'array', types: readTypes })).rows;
    },
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
    ...(embedded && { dumpDataDir: () => embedded.dumpDataDir() }),
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
      await embedded?.close();
    },
  };
}

/**
 * PGlite's cluster defaults to 160 MB of shared buffers, all of it WASM memory of this process.
 * 32 MB serves a team's triage data (the OS page cache still holds the files) and takes ~110 MB
 * off the embedded server's footprint (bench/footprint.ts).
 */
const EMBEDDED_SETTINGS = [
  '-c', `shared_buffers=${process.env.EMBEDDED_SHARED_BUFFERS || '32MB'}`,
  // No checkpointer runs: a WAL-size checkpoint request would wait forever (embedded-worker.mjs
  // checkpoints on a timer instead).
  '-c', 'max_wal_size=1000GB',
];

/**
 * The embedded database runs in a worker thread (embedded-worker.mjs) and serves the PostgreSQL
 * protocol on a private Unix socket. A few connections let this process send the next query while
 * the worker runs the current one; the worker runs them one exchange at a time. Measured in bench/board-query.ts (README, "The embedded database's thread").
 */
async function openPglite(url: string, options: OpenOptions): Promise<Database> {
  const dataDir = url.startsWith('memory://') ? undefined : path.resolve(url.replace(/^file:(\/\/)?/, ''));
  if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true }); // PGlite won't create parents
  if (dataDir && !options.loadDataDir) seedDataDirectory(dataDir);
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-db-'));
  const worker = new Worker(new URL('./embedded-worker.mjs', import.meta.url), {
    // Its JavaScript only moves protocol bytes; the database's memory is WASM, outside these limits.
    resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 },
    workerData: { dataDir, loadDataDir: options.loadDataDir, startParams: EMBEDDED_SETTINGS, socketPath: path.join(socketDir, '.s.PGSQL.5432') },
  });
  const replies = new EventEmitter();
  let exited = false;
  let closing = false;
  worker.on('message', (message: { type: string }) => replies.emit(message.type, message));
  worker.on('error', (error) => replies.emit('failed', { message: String(error.stack ?? error) }));
  worker.on('exit', (code) => {
    exited = true;
    fs.rmSync(socketDir, { recursive: true, force: true });
    replies.emit('failed', { message: `the embedded database's thread exited (${code})` });
  });
  const reply = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onReply = (message: T) => (replies.off('failed', onFailure), resolve(message));
      const onFailure = (failure: { message: string }) => (replies.off(type, onReply), reject(new Error(failure.message)));
      replies.once(type, onReply);
      replies.once('failed', onFailure);
    });
  await reply('ready');
  // Past this point the database's thread dying is fatal: nothing more can be committed, and a
  // process that answers 500 to everything is worse than one its supervisor restarts (the data
  // directory holds every committed transaction).
  replies.on('failed', (failure: { message: string }) => {
    if (closing) return;
    process.stderr.write(`intake: the embedded database stopped: ${failure.message}\n`);
    process.exit(70);
  });
  return openThroughPg(url, { host: socketDir, port: 5432, user: 'postgres', database: 'postgres', max: 4, idleTimeoutMillis: 0 }, 'pglite', options, {
    async dumpDataDir() {
      worker.postMessage({ type: 'dump' });
      return (await reply<{ blob: Blob }>('dump')).blob;
    },
    async close() {
      closing = true;
      if (exited) return;
      worker.postMessage({ type: 'close' });
      await reply('closed').catch(() => {});
      await worker.terminate();
    },
  });
}
