// Cost stays flat as stored data grows (#18): the kendo report list streams in keyset chunks and
// pages on request, search treats LIKE wildcards literally, retention deletes in batches, and a
// group-commit batch the database aborts for a deadlock is written again, not lost.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECURRING_JOBS } from '../src/modules/index.ts';
import { runDueRecurringJobs } from '../src/jobs/recurring.ts';
import { bearer, createTestApp, graphql, usingPostgres, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  t = await createTestApp();
  seed = await seedWorkspace(t.operator);
});
afterAll(() => t.close());

/** `count` reports in a project's queue, written by SQL (what a long-lived project holds). */
async function fillQueue(projectId: number, count: number) {
  await t.db.sql.exec(`
    INSERT INTO "Report" ("projectId", title, description, source, "order", "createdAt", "updatedAt")
    SELECT ${projectId}, 'Report ' || n, 'Body ' || n, 1, n, now(), now() FROM generate_series(1, ${count}) AS n`);
}

describe('GET /api/projects/{projectId}/reports on a long queue', () => {
  let projectId: number;
  let ids: number[];
  const list = (query = '') =>
    t.app.inject({ method: 'GET', url: `/api/projects/${projectId}/reports${query}`, headers: bearer(seed.adminToken) });

  beforeAll(async () => {
    const own = await seedWorkspace(t.operator);
    projectId = own.project.id;
    await fillQueue(projectId, 1_234);
    ids = (await t.db.prisma.report.findMany({ where: { projectId }, orderBy: { order: 'asc' }, select: { id: true } })).map((r) => r.id);
    // Attachments on reports in the first, middle and last chunk.
    for (const [index, copies] of [[0, 2], [700, 1], [1_233, 3]] as const) {
      for (let i = 0; i < copies; i++) {
        await t.db.prisma.attachment.create({ data: { projectId, sha256: 'a'.repeat(64), filename: `f${i}.png`, mimeType: 'image/png', size: 1, reportId: ids[index]! } });
      }
    }
  });

  it('answers the whole queue as one bare array, in board order, exactly as JSON.stringify would', async () => {
    const response = await list();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const reports = response.json() as { id: number; order: number; attachments_count: number }[];
    expect(reports.map((r) => r.id)).toEqual(ids);
    expect(JSON.stringify(reports)).toBe(response.body);
    expect(reports[0]!.attachments_count).toBe(2);
    expect(reports[700]!.attachments_count).toBe(1);
    expect(reports[1_233]!.attachments_count).toBe(3);
    expect(reports.filter((r) => r.attachments_count === 0)).toHaveLength(1_231);
  });

  it('answers an empty queue as []', async () => {
    const empty = await seedWorkspace(t.operator);
    const response = await t.app.inject({ method: 'GET', url: `/api/projects/${empty.project.id}/reports`, headers: bearer(seed.adminToken) });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('[]');
  });

  it('pages with ?per_page=&page= as the same bare array, with a Link to the next page while there is one', async () => {
    const second = await list('?per_page=100&page=2');
    expect(second.statusCode).toBe(200);
    expect((second.json() as { id: number }[]).map((r) => r.id)).toEqual(ids.slice(100, 200));
    const next = new URL(/^<([^>]+)>; rel="next"$/.exec(second.headers.link as string)![1]!);
    expect(next.pathname).toBe(`/api/projects/${projectId}/reports`);
    expect(Object.fromEntries(next.searchParams)).toEqual({ per_page: '100', page: '3' });

    const last = await list('?per_page=100&page=13');
    expect((last.json() as unknown[]).length).toBe(34);
    expect(last.headers.link).toBeUndefined();
    expect((await list('?per_page=100&page=99')).json()).toEqual([]);
    expect((await list('?page=2')).json()).toHaveLength(100); // per_page defaults to 100
  });

  it.each([
    ['?per_page=0', 'per_page'],
    ['?per_page=1001', 'per_page'],
    ['?per_page=abc', 'per_page'],
    ['?page=-1', 'page'],
    ['?page=1.5', 'page'],
    ['?page=%00', 'page'],
  ])('refuses %s with a 422 naming %s', async (query, field) => {
    const response = await list(query);
    expect(response.statusCode).toBe(422);
    expect(Object.keys((response.json() as { errors: object }).errors)).toEqual([field]);
  });

  it('reveals nothing of another workspace’s queue, paged or not', async () => {
    const other = await seedWorkspace(t.operator);
    for (const query of ['', '?per_page=10']) {
      const response = await t.app.inject({ method: 'GET', url: `/api/projects/${projectId}/reports${query}`, headers: bearer(other.memberToken) });
      expect(response.statusCode).toBe(404);
    }
  });
});

describe('error-group search', () => {
  it('matches % and _ literally, not as LIKE wildcards', async () => {
    const own = await seedWorkspace(t.operator);
    const token = (await projectToken(t.operator, own.project.id, ['error-events:write'])).secret;
    for (const [exceptionClass, message] of [['QuotaException', 'quota at 100% for tenant'], ['Plain_Error', 'snake_case name'], ['OtherError', 'nothing special']]) {
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/projects/${own.project.id}/error-events`,
        headers: { 'content-type': 'application/json', ...bearer(token) },
        payload: { environment: 'production', exception_class: exceptionClass, message, stack_trace: `at ${exceptionClass} (app.js:1:1)` },
      });
      expect(response.statusCode).toBe(202);
    }
    const search = async (term: string) => {
      const response = await graphql(t.app, `query($p: ID!, $s: String) { project(id: $p) { errorGroups(filter: { search: $s }) { edges { node { exceptionClass } } } } }`, { p: String(own.project.id), s: term }, own.adminToken);
      return (response.data as { project: { errorGroups: { edges: { node: { exceptionClass: string } }[] } } }).project.errorGroups.edges.map((e) => e.node.exceptionClass).sort();
    };
    expect(await search('%')).toEqual(['QuotaException']);
    expect(await search('_')).toEqual(['Plain_Error']);
    expect(await search('100%')).toEqual(['QuotaException']);
    expect(await search('quota')).toEqual(['QuotaException']);
  });
});

describe('retention', () => {
  it('prunes thousands of stale groups in batches and keeps the live ones', async () => {
    const own = await seedWorkspace(t.operator);
    const stale = new Date(t.clock.now().getTime() - 200 * DAY).toISOString();
    await t.db.sql.exec(`
      INSERT INTO "ErrorGroup" ("projectId", environment, fingerprint, "exceptionClass", message, "stackTrace", "firstSeenAt", "lastSeenAt")
      SELECT ${own.project.id}, 'production', 'stale-' || n, 'StaleException', 'm', '', '${stale}', '${stale}' FROM generate_series(1, 4500) AS n`);
    await t.db.sql.exec(`
      INSERT INTO "ErrorGroup" ("projectId", environment, fingerprint, "exceptionClass", message, "stackTrace", "firstSeenAt", "lastSeenAt")
      SELECT ${own.project.id}, 'production', 'live-' || n, 'LiveException', 'm', '', now(), '${t.clock.now().toISOString()}' FROM generate_series(1, 10) AS n`);
    t.clock.advance(2 * 60 * 60 * 1000);
    const ran = await runDueRecurringJobs(t.app.services, RECURRING_JOBS.filter((job) => job.name === 'error-groups.retention'));
    expect(ran).toEqual(['error-groups.retention']);
    const left = await t.db.prisma.errorGroup.groupBy({ by: ['exceptionClass'], where: { projectId: own.project.id }, _count: { _all: true } });
    expect(left.map((g) => [g.exceptionClass, g._count._all])).toEqual([['LiveException', 10]]);
  });
});

describe.skipIf(!usingPostgres)('a deadlocked ingest batch (PostgreSQL)', () => {
  it('is written again: the event answers 202 and is counted once', async () => {
    const own = await seedWorkspace(t.operator);
    const token = (await projectToken(t.operator, own.project.id, ['error-events:write'])).secret;
    const post = (exceptionClass: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/projects/${own.project.id}/error-events`,
        headers: { 'content-type': 'application/json', ...bearer(token) },
        payload: { environment: 'production', exception_class: exceptionClass, message: 'm', stack_trace: `at ${exceptionClass} (app.js:1:1)` },
      });
    expect((await post('AlphaError')).statusCode).toBe(202);
    expect((await post('BetaError')).statusCode).toBe(202);
    // A batch locks its groups in key order (fingerprint here): ingest takes `first`, then `second`.
    const [first, second] = await t.db.prisma.errorGroup.findMany({ where: { projectId: own.project.id }, orderBy: { fingerprint: 'asc' } });

    // Another session locks `second`, then (once ingest holds `first` and waits for `second`) asks
    // for `first`: a deadlock, which PostgreSQL breaks by aborting ingest's transaction.
    const other = new pg.Client({ connectionString: t.db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM "ErrorGroup" WHERE id = $1 FOR UPDATE', [second!.id]);
      // Twenty events of both groups: whatever the first batch takes, a later one holds both.
      const both = Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? 'BetaError' : 'AlphaError')));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const crossing = other.query('SELECT 1 FROM "ErrorGroup" WHERE id = $1 FOR UPDATE', [first!.id]).then(
        () => other.query('COMMIT'),
        () => other.query('ROLLBACK'),
      );
      const answers = await both;
      await crossing;
      expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(202));
    } finally {
      await other.end();
    }
    const after = await t.db.prisma.errorGroup.findMany({ where: { projectId: own.project.id }, orderBy: { id: 'asc' } });
    expect(after.map((g) => g.occurrenceCount)).toEqual([11, 11]);
  });
});
