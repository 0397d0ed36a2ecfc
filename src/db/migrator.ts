// Applies prisma/migrations/<ts>_<name>/migration.sql in order, each in its own transaction,
// recording rows in Prisma's own `_prisma_migrations` table (checksum = sha256 of the file) under
// Prisma's advisory lock id. The result is what `prisma migrate deploy` records, so a machine with
// the native engine can switch to it freely. Prisma's CLI cannot run here offline (see README).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The two calls the migrator needs; PGlite and node-postgres both fit in a line. */
export interface SqlRunner {
  exec(sql: string): Promise<void>;
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

const PRISMA_MIGRATE_LOCK_ID = 72707369;
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/migrations');

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export class MigrationError extends Error {}

export async function migrateDeploy(
  db: SqlRunner,
  dir = MIGRATIONS_DIR,
  log: (line: string) => void = () => {},
): Promise<string[]> {
  await db.rows('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_ID]);
  try {
    await db.exec(CREATE_MIGRATIONS_TABLE);
    const recorded = await db.rows<MigrationRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    // Like Prisma: a migration that started and never finished blocks everything after it until
    // someone resolves it by hand; guessing would risk a half-migrated schema.
    const failed = recorded.filter((r) => !r.finished_at && !r.rolled_back_at);
    if (failed.length) {
      throw new MigrationError(
        `failed migration(s) recorded in the database: ${failed.map((r) => r.migration_name).join(', ')}; ` +
          'fix the database and mark them rolled back before migrating again',
      );
    }
    const applied = new Map(recorded.filter((r) => !r.rolled_back_at).map((r) => [r.migration_name, r.checksum]));
    const names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const newlyApplied: string[] = [];
    for (const name of names) {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      const checksum = crypto.createHash('sha256').update(sql).digest('hex');
      if (applied.has(name)) {
        if (applied.get(name) !== checksum) log(`warning: ${name} was modified after it was applied`);
        continue;
      }
      await applyOne(db, name, sql, checksum);
      newlyApplied.push(name);
      log(`applied ${name}`);
    }
    return newlyApplied;
  } finally {
    await db.rows('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_ID]);
  }
}

async function applyOne(db: SqlRunner, name: string, sql: string, checksum: string): Promise<void> {
  const id = crypto.randomUUID();
  const startedAt = new Date();
  await db.exec('BEGIN');
  try {
    await db.exec(sql);
    await db.rows(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, now(), 1)`,
      [id, checksum, name, startedAt],
    );
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK');
    // Recorded outside the rolled-back transaction, as Prisma does, so the next run refuses.
    await db.rows(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, logs, applied_steps_count)
       VALUES ($1, $2, $3, $4, $5, 0)`,
      [id, checksum, name, startedAt, String((error as Error).message)],
    );
    throw new MigrationError(`migration ${name} failed (rolled back): ${(error as Error).message}`);
  }
}
