// Prepares one migrated database that every test file clones: a PGlite snapshot (cached between
// runs), and a PostgreSQL template database when TEST_DATABASE_URL is set. Cloning is ~1 s
// (PGlite) or ~0.1 s (PostgreSQL) instead of migrating per file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/client.ts';
import type { TestProject } from 'vitest/node';

export const TEMPLATE_SUFFIX = '_template';

export default async function setup(project: TestProject) {
  // Tests of the embedded data directory itself (the CLI, the queue across a crash, the WAL) start
  // directories from it on either database.
  project.provide('pgliteSnapshotFile', await pgliteSnapshot());
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const template = new URL(url);
    const name = `${template.pathname.slice(1) || 'intake_test'}${TEMPLATE_SUFFIX}`;
    const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    template.pathname = `/${name}`;
    const db = await openDatabase(template.toString());
    await db.migrate();
    await db.close();
    project.provide('templateDatabaseUrl', template.toString());
  }
}

/**
 * The migrated PGlite snapshot, kept between runs under node_modules/.cache: creating it (initdb
 * and every migration in WebAssembly) costs ~5 s of CPU, and it changes only with the migrations,
 * the code that applies them or opens the database, and PGlite's version, which name the file.
 */
async function pgliteSnapshot(): Promise<string> {
  const root = path.resolve(import.meta.dirname, '..');
  const hash = crypto.createHash('sha256');
  const inputs = ['src/db/migrator.ts', 'src/db/client.ts', 'src/db/embedded-worker.mjs', 'node_modules/@electric-sql/pglite/package.json'];
  const migrations = path.join(root, 'prisma/migrations');
  for (const entry of fs.readdirSync(migrations, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
    inputs.push(path.relative(root, path.join(entry.parentPath, entry.name)));
  }
  for (const input of inputs.sort()) hash.update(input).update(fs.readFileSync(path.join(root, input)));
  const cacheDir = path.join(root, 'node_modules/.cache/intake-test');
  const file = path.join(cacheDir, `snapshot-${hash.digest('hex').slice(0, 16)}.tar`);
  if (fs.existsSync(file)) return file;
  const db = await openDatabase('memory://');
  await db.migrate();
  const snapshot = Buffer.from(await (await db.dumpDataDir!()).arrayBuffer());
  await db.close();
  fs.rmSync(cacheDir, { recursive: true, force: true }); // earlier snapshots
  fs.mkdirSync(cacheDir, { recursive: true });
  const partial = `${file}.${process.pid}`;
  fs.writeFileSync(partial, snapshot);
  fs.renameSync(partial, file); // whole or absent, for a run started alongside
  return file;
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabaseUrl?: string;
    pgliteSnapshotFile?: string;
  }
}
