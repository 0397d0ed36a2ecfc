// The embedded database's thread under a long stream of results: its heap must not keep what it
// has already sent (PGlite 0.4 keeps every parsed message of a raw exchange until the next
// execProtocol; the thread dies at its 64 MB heap limit after ~300k rows). Served at all after
// 1,500 queries of 200 rows means nothing piled up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/db/client.ts';
import { cloneTestDatabase, createTestApp, migratedDataDirectory, usingPostgres, type TestApp } from './helpers.ts';

describe.skipIf(usingPostgres)('the embedded database thread (PGlite only)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  // Prisma's statements are prepared by name from their third use (client.ts), and the four
  // connections share PGlite's one session: each connection's first Parse of a name another has
  // prepared must still work. A database of its own: the names a client gives are its own, and a
  // reused one may have given all it may.
  it('lets every connection prepare the same named statement in the one shared session', async () => {
    const { db, drop } = await cloneTestDatabase();
    try {
      const lookups = await Promise.all(Array.from({ length: 24 }, (_, i) => db.prisma.workspace.findMany({ where: { slug: `none-${i}` }, select: { id: true } })));
      expect(lookups.every((rows) => rows.length === 0)).toBe(true);
      const statements = await db.prisma.$queryRaw<Array<{ named: number }>>`
        SELECT count(*)::int AS named FROM pg_prepared_statements WHERE name LIKE 'intake%' AND statement LIKE 'SELECT "t0"."id" FROM "public"."Workspace" AS "t0" WHERE "t0"."slug" = $1%'`;
      expect(statements).toEqual([{ named: 1 }]);
    } finally {
      await db.close();
      await drop();
    }
  });

  // The board's statements follow the fields a client selects (board-page.ts): however many a
  // client sends, they must not take the names Prisma's statements are prepared under.
  it('keeps the names of readRows statements apart from Prisma\'s, and bounded', async () => {
    const { db, drop } = await cloneTestDatabase();
    try {
      for (let shape = 0; shape < 300; shape++) {
        for (let use = 0; use < 3; use++) expect(await db.readRows({ text: `SELECT $1::int AS shape_${shape}`, values: [shape] })).toEqual([[shape]]);
      }
      for (let use = 0; use < 3; use++) await db.prisma.workspace.findMany({ where: { slug: 'none' }, select: { id: true } });
      const named = await db.prisma.$queryRaw<Array<{ shapes: number; prisma: number }>>`
        SELECT count(*) FILTER (WHERE statement LIKE 'SELECT $1::int AS shape_%')::int AS shapes,
               count(*) FILTER (WHERE statement LIKE 'SELECT "t0"."id" FROM "public"."Workspace" AS "t0" WHERE "t0"."slug" = $1%')::int AS prisma
        FROM pg_prepared_statements WHERE name LIKE 'intake%'`;
      expect(named).toEqual([{ shapes: 64, prisma: 1 }]);
    } finally {
      await db.close();
      await drop();
    }
  });

  it('keeps nothing of the results it has sent: 300,000 rows later it still answers', async () => {
    for (let round = 0; round < 1_500; round += 4) {
      // Through the pool Prisma uses, without Prisma's row mapping (the client's cost, not the thread's).
      const pages = await Promise.all([0, 1, 2, 3].map((i) => t.db.sql.rows(`SELECT n, 'row ' || n || ' of round ' || $1::int AS label FROM generate_series(1, 200) AS n`, [round + i])));
      for (const rows of pages) expect(rows).toHaveLength(200);
    }
    expect(await t.db.prisma.$queryRaw`SELECT 1 AS alive`).toEqual([{ alive: 1 }]);
  });
});

describe.skipIf(usingPostgres)('the embedded database on disk (PGlite only)', () => {
  it('writes past the WAL volume at which PostgreSQL would request a checkpoint, and checkpoints itself', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-wal-'));
    const redoLsn = 'SELECT redo_lsn::text AS redo FROM pg_control_checkpoint()';
    try {
      // Its own checkpoints come every 5 minutes: none can come between these switches. Each ends
      // the current 16 MB WAL segment: 48 of them (768 MB) pass the ~560 MB at which a backend
      // would request a checkpoint (at PGlite's default max_wal_size the 32nd switch ends in a
      // PANIC; rows filling 650 MB took ~10 s of CPU more).
      migratedDataDirectory(path.join(dir, 'pglite'));
      const db = await openDatabase(path.join(dir, 'pglite'));
      try {
        await db.prisma.$executeRawUnsafe('CREATE TABLE wal_marks (n int)');
        for (let i = 0; i < 48; i++) {
          await db.prisma.$executeRawUnsafe(`INSERT INTO wal_marks VALUES (${i})`);
          await db.prisma.$queryRawUnsafe('SELECT pg_switch_wal()::text');
        }
        const [written] = await db.prisma.$queryRawUnsafe<Array<{ mb: number }>>(
          `SELECT (pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn) / 1000000)::int AS mb FROM pg_control_checkpoint()`,
        );
        expect(written!.mb).toBeGreaterThan(600);
      } finally {
        await db.close();
      }
      process.env.EMBEDDED_CHECKPOINT_MS = '500'; // each is a forced CHECKPOINT: the redo point moves every time
      const reopened = await openDatabase(path.join(dir, 'pglite'));
      try {
        await reopened.prisma.$executeRawUnsafe('INSERT INTO wal_marks VALUES (48)');
        const redo = async () => (await reopened.prisma.$queryRawUnsafe<Array<{ redo: string }>>(redoLsn))[0]!.redo;
        const before = await redo();
        await vi.waitFor(async () => expect(await redo()).not.toBe(before), { timeout: 15_000, interval: 100 });
      } finally {
        delete process.env.EMBEDDED_CHECKPOINT_MS;
        await reopened.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
