// Prepares one migrated database that every test file clones: a PGlite snapshot (default), or a
// PostgreSQL template database when TEST_DATABASE_URL is set. Cloning is ~1 s (PGlite) or
// ~0.1 s (PostgreSQL) instead of migrating per file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/client.ts';
import type { TestProject } from 'vitest/node';

export const TEMPLATE_SUFFIX = '_template';

export default async function setup(project: TestProject) {
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
    return;
  }
  const db = await openDatabase('memory://');
  await db.migrate();
  const snapshot = await db.dumpDataDir!();
  await db.close();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'intake-test-')), 'snapshot.tar');
  fs.writeFileSync(file, Buffer.from(await snapshot.arrayBuffer()));
  project.provide('pgliteSnapshotFile', file);
  return () => fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabaseUrl?: string;
    pgliteSnapshotFile?: string;
  }
}
