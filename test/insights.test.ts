// Test insights through the Kaizen REST surface: the case inventory, quarantine (listed for CI,
// not a regression, not against the pass rate), and analytics against a hand-computed fixture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, graphql, type TestApp } from './helpers.ts';
import { seedWorkspace } from './fixtures.ts';
import { caseId, kenshoRun } from './kensho-fixture.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  t.clock.set(new Date('2026-11-30T18:00:00Z'));
});
afterAll(() => t.close());

async function project() {
  const seed = await seedWorkspace(t.operator);
  const token = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ci', workspace: seed.workspace.slug })).secret;
  const headers = { ...bearer(token), 'content-type': 'application/json' };
  const push = async (options: Parameters<typeof kenshoRun>[0]) => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/ingest/kensho/finalize', headers, payload: JSON.stringify({ run: kenshoRun({ project: seed.project.slug, ...options }) }) });
    expect(response.statusCode).toBe(201);
    return response.json();
  };
  const get = (url: string, key = token) => t.app.inject({ method: 'GET', url, headers: bearer(key) });
  const patch = (url: string, body: unknown, key = token) => t.app.inject({ method: 'PATCH', url, headers: { ...bearer(key), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { seed, token, push, get, patch, slug: seed.project.slug };
}

describe('the case inventory', () => {
  it('pages every test once by cursor, filters by last status, and shows one case with its history', async () => {
    const p = await project();
    await p.push({ cases: 5, statusOf: (i) => (i === 3 ? 'fail' : 'pass'), startedAt: '2026-11-30T10:00:00Z' });
    await p.push({ cases: 5, statusOf: () => 'pass', startedAt: '2026-11-30T11:00:00Z' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ stableId: string }>; nextCursor: string | null } = (await p.get(`/v1/projects/${p.slug}/cases?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.items.map((item) => item.stableId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4].map(caseId));
    const failing = (await p.get(`/v1/projects/${p.slug}/cases?status=fail`)).json();
    expect(failing.items).toEqual([]); // case 3 passed last
    const item = (await p.get(`/v1/projects/${p.slug}/cases?limit=5`)).json().items[3];
    const one = (await p.get(`/v1/cases/${item.id}`)).json();
    expect(one).toMatchObject({ stableId: caseId(3), lastStatus: 'pass', flaky: false, quarantine: null });
    expect(one.history.map((h: { status: string }) => h.status)).toEqual(['pass', 'fail']);
    for (const bad of ['?limit=0', '?limit=501', '?status=nope', '?cursor=zzz', '?quarantined=maybe']) expect((await p.get(`/v1/projects/${p.slug}/cases${bad}`)).statusCode, bad).toBe(400);
    const other = await project();
    expect((await p.get(`/v1/cases/${item.id}`, other.token)).statusCode).toBe(404);
    expect((await p.get('/v1/cases/99999999999')).statusCode).toBe(404);
  });
});

describe('quarantine', () => {
  it('lists quarantined tests for CI; their failures are no regression and do not count against the pass rate', async () => {
    const p = await project();
    await p.push({ cases: 4, statusOf: () => 'pass', startedAt: '2026-11-30T09:00:00Z' });
    const inventory = (await p.get(`/v1/projects/${p.slug}/cases`)).json().items;
    const target = inventory.find((item: { stableId: string }) => item.stableId === caseId(2));
    const set = await p.patch(`/v1/cases/${target.id}`, { quarantine: { reason: 'Times out on CI runners', until: '2026-12-31T00:00:00Z' }, owner: 'ada', labels: { team: 'checkout' } });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ owner: 'ada', labels: { team: 'checkout' }, quarantine: { reason: 'Times out on CI runners', until: '2026-12-31T00:00:00Z', by: 'ci' } });
    expect((await p.get(`/v1/projects/${p.slug}/quarantine`)).json().items).toEqual([
      { id: caseId(2), fullName: target.fullName, reason: 'Times out on CI runners', until: '2026-12-31T00:00:00Z', by: 'ci' },
    ]);
    const second = await p.push({ cases: 4, statusOf: (i) => (i === 2 || i === 3 ? 'fail' : 'pass'), startedAt: '2026-11-30T10:00:00Z' });
    expect(second.regression).toEqual({ newFailures: 1, fixed: 0, stillFailing: 0 }); // case 3 only
    expect(second.summary).toMatchObject({ fail: 2, regressions: 1 }); // still recorded as a failure
    const analytics = (await p.get(`/v1/projects/${p.slug}/analytics?metric=passrate&window=7d`)).json();
    expect(analytics.aggregate).toEqual({ runs: 2, value: Math.round((6 / 7) * 1000) / 1000 }); // 6 passed of 8, the quarantined failure left out
    expect((await p.get(`/v1/projects/${p.slug}`)).json().stats.passRate30d).toBe(analytics.aggregate.value);

    expect((await p.patch(`/v1/cases/${target.id}`, { quarantine: null })).json().quarantine).toBeNull();
    expect((await p.get(`/v1/projects/${p.slug}/quarantine`)).json().items).toEqual([]);
    for (const bad of [{ quarantine: { reason: '' } }, { quarantine: { reason: 'x', until: 'soon' } }, { owner: 7 }, { surprise: 1 }, { labels: { a: 'b\u0000' } }, []]) {
      expect((await p.patch(`/v1/cases/${target.id}`, bad)).statusCode, JSON.stringify(bad)).toBe(400);
    }
    const other = await project();
    expect((await p.patch(`/v1/cases/${target.id}`, { owner: 'x' }, other.token)).statusCode).toBe(404);
  });
});

describe('analytics', () => {
  it('answers daily buckets and the window’s aggregate, per branch, from SQL aggregates', async () => {
    const p = await project();
    // Day 29: two runs on main (10 cases: 9 pass 1 fail; 10 cases: 8 pass 2 fail), one on dev (all pass).
    await p.push({ cases: 10, statusOf: (i) => (i === 0 ? 'fail' : 'pass'), startedAt: '2026-11-29T08:00:00Z', branch: 'main' });
    await p.push({ cases: 10, statusOf: (i) => (i < 2 ? 'fail' : 'pass'), startedAt: '2026-11-29T09:00:00Z', branch: 'main' });
    await p.push({ cases: 10, statusOf: () => 'pass', startedAt: '2026-11-29T10:00:00Z', branch: 'dev' });
    // Day 30: one run on main with a skip (skips count for nothing): 8 pass, 1 broken, 1 skip.
    await p.push({ cases: 10, statusOf: (i) => (i === 0 ? 'broken' : i === 1 ? 'skip' : 'pass'), startedAt: '2026-11-30T08:00:00Z', branch: 'main' });
    const passrate = (await p.get(`/v1/projects/${p.slug}/analytics?metric=passrate&window=7d`)).json();
    expect(passrate.buckets).toHaveLength(7);
    expect(passrate.buckets.at(-2)).toEqual({ date: '2026-11-29', runs: 3, value: Math.round((27 / 30) * 1000) / 1000 });
    expect(passrate.buckets.at(-1)).toEqual({ date: '2026-11-30', runs: 1, value: Math.round((8 / 9) * 1000) / 1000 });
    expect(passrate.buckets[0]).toEqual({ date: '2026-11-24', runs: 0, value: null });
    expect(passrate.aggregate).toEqual({ runs: 4, value: Math.round((35 / 39) * 1000) / 1000 });
    const main = (await p.get(`/v1/projects/${p.slug}/analytics?metric=passrate&window=30d&branch=main`)).json();
    expect(main.aggregate).toEqual({ runs: 3, value: Math.round((25 / 29) * 1000) / 1000 });
    const failures = (await p.get(`/v1/projects/${p.slug}/analytics?metric=failures&window=7d`)).json();
    expect(failures.buckets.slice(-2).map((b: { value: number }) => b.value)).toEqual([3, 1]);
    const duration = (await p.get(`/v1/projects/${p.slug}/analytics?metric=duration&window=7d`)).json();
    expect(duration.aggregate.value).toBe(60_000); // the fixture's runs last one minute
    expect((await p.get(`/v1/projects/${p.slug}`)).json().stats.passRate30d).toBe(passrate.aggregate.value);
    for (const bad of ['metric=speed', 'window=1y', 'metric=passrate&window=__proto__']) expect((await p.get(`/v1/projects/${p.slug}/analytics?${bad}`)).statusCode, bad).toBe(400);

    // The board reads the same figures through GraphQL.
    const board = await graphql(
      t.app,
      `query($p: ID!) { project(id: $p) {
        passrate: testAnalytics(window: LAST_7D) { metric runs value buckets { date runs value } }
        main: testAnalytics(metric: PASSRATE, window: LAST_30D, branch: "main") { runs value }
        failures: testAnalytics(metric: FAILURES, window: LAST_7D) { buckets { value } } } }`,
      { p: String(p.seed.project.id) },
      p.token,
    );
    expect(board.errors).toBeUndefined();
    expect(board.data.project.passrate).toEqual({ metric: 'PASSRATE', runs: passrate.aggregate.runs, value: passrate.aggregate.value, buckets: passrate.buckets });
    expect(board.data.project.main).toEqual(main.aggregate);
    expect(board.data.project.failures.buckets.map((b: { value: number }) => b.value)).toEqual(failures.buckets.map((b: { value: number }) => b.value));
  });
});
