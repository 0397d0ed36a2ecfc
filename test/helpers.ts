// Black-box test harness: a real app on a real database (PGlite clone, or a PostgreSQL database
// cloned from the template when TEST_DATABASE_URL is set), driven through inject().
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { buildApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/client.ts';
import { seedDataDirectory } from '../src/db/seed.ts';
import { ManualClock } from '../src/clock.ts';
import { operatorPrincipal } from '../src/auth/principal.ts';
import type { Actor } from '../src/services.ts';

export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** A fresh, migrated, empty database of its own (the caller closes it, then calls drop). */
export async function cloneTestDatabase(options: { countStatements?: boolean } = {}): Promise<{ db: Database; drop(): Promise<void> }> {
  const template = inject('templateDatabaseUrl');
  if (template) {
    const name = `intake_t_${crypto.randomBytes(6).toString('hex')}`;
    const adminUrl = template.replace(/\/[^/]*$/, '/postgres');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${new URL(template).pathname.slice(1)}"`);
    // A test database is thrown away: its commits need not wait for the WAL to reach the disk.
    await admin.query(`ALTER DATABASE "${name}" SET synchronous_commit TO off`);
    await admin.end();
    const db = await openDatabase(template.replace(/\/[^/]*$/, `/${name}`), options);
    return {
      db,
      async drop() {
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const db = await openDatabase('memory://', { ...options, loadDataDir: embeddedSeed() });
  return { db, drop: async () => {} };
}

let seedBlob: Blob | undefined;
/**
 * The build's embedded seed (global-setup.ts), provided on both databases, as PGlite loads it. Read
 * once per worker: a Blob is immutable, and reading and copying its 40 MB for every clone cost ~4 s
 * of the suite's CPU.
 */
const embeddedSeed = () => (seedBlob ??= new Blob([fs.readFileSync(inject('embeddedSeedFile')!)]));

/** A migrated embedded data directory at `databaseUrl`, as a new one starts (the build's seed, unpacked). */
export function migratedDataDirectory(databaseUrl: string): void {
  seedDataDirectory(databaseUrl, fs.readFileSync(inject('embeddedSeedFile')!));
}

/**
 * Embedded databases a test file has given back, kept by this worker for the next file (Vitest
 * runs files with `isolate: false`, so this module outlives each file). Starting a PGlite clone
 * costs ~2.3 s of CPU; emptying one costs a TRUNCATE, so reuse took ~60 starts out of the suite.
 * PostgreSQL clones its template in ~0.1 s and keeps one database per borrower.
 */
const idleEmbedded: Database[] = [];
let seedTables: string | undefined;

/** The tables a test fills: every table but the migrations' record. */
const dataTables = async (db: Database) =>
  (await db.sql.rows<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename`)).map((row) => row.name);

/**
 * A migrated database holding no rows, as a fresh clone would: every table but the migrations'
 * record is truncated and its identities restarted. One whose tables differ from the seed's (a
 * test changed the schema) is not reused.
 */
async function emptied(db: Database): Promise<boolean> {
  const tables = await dataTables(db);
  if (tables.join(',') !== seedTables) return false;
  await db.sql.exec(`TRUNCATE ${tables.map((name) => `"${name}"`).join(', ')} RESTART IDENTITY CASCADE`);
  return true;
}

/** A migrated, empty database for one test app; `release` gives it back (or drops it). */
async function borrowTestDatabase(): Promise<{ db: Database; release(): Promise<void> }> {
  if (inject('templateDatabaseUrl')) {
    const { db, drop } = await cloneTestDatabase({ countStatements: true });
    return { db, release: async () => (await db.close(), await drop()) };
  }
  const db = (await reusedEmbedded()) ?? (await cloneTestDatabase({ countStatements: true })).db;
  seedTables ??= (await dataTables(db)).join(',');
  return { db, release: async () => void idleEmbedded.push(db) };
}

/** An idle embedded database of this worker, emptied; those a test changed the schema of are closed. */
async function reusedEmbedded(): Promise<Database | undefined> {
  for (let db = idleEmbedded.pop(); db; db = idleEmbedded.pop()) {
    if (await emptied(db)) return db;
    await db.close();
  }
  return undefined;
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  clock: ManualClock;
  db: Database;
  /** The local operator, for seeding through the domain services. */
  operator: Actor;
  /**
   * The statements run so far, once the background lastUsedAt writes of earlier requests have
   * landed (one landing inside a counted window would be counted against it).
   */
  settledStatementCount(): Promise<number>;
  close(): Promise<void>;
}

export async function createTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const { db, release } = await borrowTestDatabase();
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-blobs-'));
  // TEST_GRAPHQL_COMPILE_AFTER_USES=1 runs every eligible query compiled from its first use (.ci/run's Node 24 pass).
  const config: Config = { ...loadConfig({ GRAPHQL_COMPILE_AFTER_USES: process.env.TEST_GRAPHQL_COMPILE_AFTER_USES }), logLevel: 'silent', storageDir, databaseUrl: 'memory://', ...overrides };
  const clock = new ManualClock();
  const app = await buildApp(config, { database: db, clock });
  await app.ready();
  return {
    app,
    config,
    clock,
    db,
    operator: { services: app.services, principal: operatorPrincipal() },
    settledStatementCount: async () => (await app.services.principals.settled(), db.statementCount()),
    async close() {
      // Teardown, after every test of the file: a connection a test's client left open (undici
      // keeps an aborted event stream's socket a few seconds) must not hold the close for that long.
      if (app.server.listening) app.server.closeAllConnections();
      await app.close();
      await release();
      fs.rmSync(storageDir, { recursive: true, force: true });
    },
  };
}

/** Another instance on the same database, blob store and clock (what a second server would be). */
export async function createSecondInstance(first: TestApp, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ ...first.config, ...overrides }, { database: first.db, clock: first.clock });
  await app.ready();
  return app;
}

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** POST a GraphQL operation; returns the parsed body and the HTTP status. */
export async function graphql<T = any, V = Record<string, unknown>>(
  app: FastifyInstance,
  query: string | TypedDocumentNode<T, V>,
  variables: V | Record<string, unknown> = {},
  secret?: string,
): Promise<{ status: number; data: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  const response = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...(secret ? bearer(secret) : {}) },
    payload: { query: typeof query === 'string' ? query : print(query), variables: variables as Record<string, unknown> },
  });
  const body = response.json();
  return { status: response.statusCode, data: body.data, errors: body.errors };
}

export const uniqueSlug = (prefix = 's') => `${prefix}-${crypto.randomBytes(4).toString('hex')}`;

/**
 * What a mutation's payload names once it succeeded, failing the test on any userErrors: the one
 * named field's value (`report`, `issue`, …), or the payload without `userErrors` when it names
 * several (`issue` and `reports`).
 */
export function successData<T extends { userErrors: unknown[] }>(payload: T | null | undefined): any {
  if (!payload || payload.userErrors.length > 0) throw new Error(`expected the mutation to succeed, got ${JSON.stringify(payload)}`);
  const { userErrors: _none, ...named } = payload;
  const keys = Object.keys(named);
  return keys.length === 1 ? (named as Record<string, unknown>)[keys[0]!] : named;
}
