// The embedded database's thread under a long stream of results: its heap must not keep what it
// has already sent (PGlite 0.4 keeps every parsed message of a raw exchange until the next
// execProtocol; the thread dies at its 64 MB heap limit after ~300k rows). Served at all after
// 1,500 queries of 200 rows means nothing piled up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, usingPostgres, type TestApp } from './helpers.ts';

describe.skipIf(usingPostgres)('the embedded database thread (PGlite only)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('keeps nothing of the results it has sent: 300,000 rows later it still answers', async () => {
    for (let round = 0; round < 1_500; round += 4) {
      const pages = await Promise.all([0, 1, 2, 3].map((i) => t.db.prisma.$queryRaw<Array<{ n: number; label: string }>>`
        SELECT n, 'row ' || n || ' of round ' || ${round + i}::int AS label FROM generate_series(1, 200) AS n`));
      for (const rows of pages) expect(rows).toHaveLength(200);
    }
    expect(await t.db.prisma.$queryRaw`SELECT 1 AS alive`).toEqual([{ alive: 1 }]);
  });
});
