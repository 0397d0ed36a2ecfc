// Prepares one migrated database that every test file clones: the build's PGlite seed, and a
// PostgreSQL template database when TEST_DATABASE_URL is set. Cloning is ~1 s
// (PGlite) or ~0.1 s (PostgreSQL) instead of migrating per file.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../src/db/client.ts';
import { EMBEDDED_SEED } from '../src/db/seed.ts';
import type { TestProject } from 'vitest/node';

export const TEMPLATE_SUFFIX = '_template';
const root = path.resolve(import.meta.dirname, '..');

export default async function setup(project: TestProject) {
  // Tests of the embedded data directory itself (the CLI and npm start, a crash, the WAL) start
  // directories from it on either database.
  project.provide('embeddedSeedFile', builtEmbeddedSeed());
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
 * The migrated PGlite cluster every embedded test database starts from: the build's seed
 * (scripts/build.mjs), rebuilt first when src/, prisma/ or the lockfile changed since the last
 * build, which also keeps the compiled CLI and server the process tests spawn current.
 */
function builtEmbeddedSeed(): string {
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  return fileURLToPath(EMBEDDED_SEED);
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabaseUrl?: string;
    embeddedSeedFile?: string;
  }
}
