// Flaky detection: each rule on hand-built histories pushed as real runs, then the flaky job of
// the durable queue; per branch; the reset after 20 passes; run totals, project stats, the list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueQueuedJobs } from '../src/jobs/queue.ts';
import { JOB_KINDS } from '../src/modules/index.ts';
import { assessFlakiness, type BranchResult } from '../src/modules/test-runs/rules.ts';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, graphql, type TestApp } from './helpers.ts';
import { seedWorkspace } from './fixtures.ts';
import { caseId, kenshoRun } from './kensho-fixture.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Outcome = { status: 'pass' | 'fail' | 'skip' | 'broken'; retries?: number; flaky?: boolean };

/** A project of its own; `push` sends one run of case 0 (and case 1, always passing) and runs the queue. */
async function project() {
  const seed = await seedWorkspace(t.operator);
  const token = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ci', workspace: seed.workspace.slug })).secret;
  let minute = 0;
  const push = async (outcome: Outcome, options: { commit?: string; branch?: string } = {}) => {
    const run = kenshoRun({ project: seed.project.slug, cases: 2, branch: options.branch ?? 'main', startedAt: new Date(Date.UTC(2026, 10, 1, 0, minute++)).toISOString(), statusOf: (i) => (i === 0 ? outcome.status : 'pass') });
    run.env.commit = options.commit ?? `c${minute}`;
    Object.assign(run.testCases[0]!, outcome.retries ? { retries: outcome.retries, retryOf: 'x' } : {}, outcome.flaky ? { flaky: true } : {});
    const response = await t.app.inject({ method: 'POST', url: '/v1/ingest/kensho/finalize', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: JSON.stringify({ run }) });
    expect(response.statusCode).toBe(201);
    while ((await runDueQueuedJobs(t.app.services, JOB_KINDS)) > 0);
    return response.json().internalRunId as string;
  };
  const flaky = async () => (await t.app.inject({ method: 'GET', url: `/v1/projects/${seed.project.slug}/flaky`, headers: bearer(token) })).json();
  const run = async (id: string) => (await t.app.inject({ method: 'GET', url: `/v1/runs/${id}`, headers: bearer(token) })).json();
  const stats = async () => (await t.app.inject({ method: 'GET', url: `/v1/projects/${seed.project.slug}`, headers: bearer(token) })).json().stats;
  return { push, flaky, run, stats, projectId: seed.project.id, token };
}

describe('flaky rules on hand-built histories', () => {
  it('flags a test that passed and failed on the same commit', async () => {
    const p = await project();
    await p.push({ status: 'pass' }, { commit: 'abc' });
    expect(await p.flaky()).toEqual([]);
    const second = await p.push({ status: 'fail' }, { commit: 'abc' });
    expect(await p.flaky()).toEqual([expect.objectContaining({ id: caseId(0), branches: ['main'], reasons: ['same-commit'], firstFlaggedAt: expect.any(String) })]);
    expect((await p.run(second)).totals.flaky).toBe(1);
    expect((await p.stats()).flakyCount).toBe(1);
    const [listed] = await p.flaky();
    const board = await graphql(t.app, `query($p: ID!) { project(id: $p) { flakyCases { stableId fullName flipRate branches reasons firstFlaggedAt } } }`, { p: String(p.projectId) }, p.token);
    expect(board.data.project.flakyCases).toEqual([{ stableId: listed.id, fullName: listed.fullName, flipRate: listed.flipRate, branches: listed.branches, reasons: listed.reasons, firstFlaggedAt: listed.firstFlaggedAt }]);
  });

  it('flags a pass that needed a retry, and a test that says it is flaky', async () => {
    const retried = await project();
    await retried.push({ status: 'pass', retries: 1 });
    expect((await retried.flaky())[0]).toMatchObject({ id: caseId(0), reasons: ['retried'] });
    const marked = await project();
    await marked.push({ status: 'pass', flaky: true });
    expect((await marked.flaky())[0]).toMatchObject({ reasons: ['marked'] });
  });

  it('flags two pass↔fail flips, not one, and never counts skipped or broken results as flips', async () => {
    const p = await project();
    await p.push({ status: 'pass' });
    await p.push({ status: 'fail' });
    expect(await p.flaky()).toEqual([]); // one flip: a real failure, not flakiness
    await p.push({ status: 'pass' });
    expect((await p.flaky())[0]).toMatchObject({ reasons: ['flips'], flipRate: 1 });

    const steady = await project();
    for (const status of ['pass', 'skip', 'pass', 'broken', 'pass', 'skip'] as const) await steady.push({ status });
    expect(await steady.flaky()).toEqual([]);
  });

  it('keeps branches apart, and clears after 20 consecutive passes', async () => {
    const p = await project();
    for (const status of ['pass', 'fail', 'pass'] as const) await p.push({ status }, { branch: 'feature/x' });
    await p.push({ status: 'pass' }, { branch: 'main' });
    expect(await p.flaky()).toEqual([expect.objectContaining({ branches: ['feature/x'] })]);
    // The pass after the failure was the first of the consecutive passes: 18 more make 19.
    for (let i = 0; i < 18; i++) await p.push({ status: 'pass' }, { branch: 'feature/x' });
    expect(await p.flaky()).toHaveLength(1); // 19 consecutive passes: still flaky
    await p.push({ status: 'pass' }, { branch: 'feature/x' });
    expect(await p.flaky()).toEqual([]);
    expect((await p.stats()).flakyCount).toBe(0);
  }, 60_000);
});

describe('assessFlakiness (the pure rule)', () => {
  const result = (status: string, extra: Partial<BranchResult> = {}): BranchResult => ({ status, commit: null, retried: false, explicit: false, at: '2026-11-01T00:00:00Z', ...extra });
  it('stays flaky once flagged until the window is all clean passes', () => {
    expect(assessFlakiness([result('pass')], true).flaky).toBe(true);
    expect(assessFlakiness(Array.from({ length: 20 }, () => result('pass')), true).flaky).toBe(false);
    expect(assessFlakiness([...Array.from({ length: 19 }, () => result('pass')), result('pass', { retried: true })], true)).toMatchObject({ flaky: true, reason: 'retried', passStreak: 0 });
  });
  it('computes the flip rate over pass and fail results only', () => {
    expect(assessFlakiness([result('pass'), result('skip'), result('fail'), result('broken'), result('pass')], false)).toMatchObject({ flips: 2, flipRate: 1, flaky: true, reason: 'flips' });
  });
});
