import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrateDeploy } from '../src/db/migrator.ts';
import { cloneTestDatabase, createTestApp } from './helpers.ts';

// Each test reads or breaks a database of its own: they run alone and in any order.

function migrationsDir(extra: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-migrations-'));
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe('the migrator', () => {
  it('records every committed migration in _prisma_migrations and is idempotent', async () => {
    const t = await createTestApp(); // a test app's database, as every test gets it
    const db = t.db;
    try {
      const committed = fs.readdirSync(MIGRATIONS_DIR).filter((n) => !n.endsWith('.toml')).sort();
      const rows = await db.sql.rows<{ migration_name: string; finished_at: Date | null }>(
        'SELECT migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows.map((r) => r.migration_name)).toEqual(committed);
      expect(rows.every((r) => r.finished_at !== null)).toBe(true);
      expect(await db.migrate()).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('rolls back a failing migration and refuses to continue after it', async () => {
    const { db, drop } = await cloneTestDatabase(); // it leaves a failed migration recorded: never reused
    try {
      const dir = migrationsDir({
        '29990101000000_broken': 'CREATE TABLE "HalfDone" ("id" INT);\nSELECT * FROM "no_such_table";',
        '29990102000000_later': 'CREATE TABLE "Later" ("id" INT);',
      });
      await expect(migrateDeploy(db.sql, dir)).rejects.toThrow(/29990101000000_broken failed/);
      const tables = await db.sql.rows(`SELECT 1 FROM information_schema.tables WHERE table_name IN ('HalfDone', 'Later')`);
      expect(tables).toEqual([]);
      await expect(migrateDeploy(db.sql, dir)).rejects.toThrow(/failed migration\(s\) recorded/);
      await expect(db.migrate()).rejects.toThrow(/failed migration\(s\) recorded/);
    } finally {
      await db.close();
      await drop();
    }
  });
});
