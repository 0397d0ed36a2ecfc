// Test plans and executions through the Kaizen REST surface: revisions on edit, executions pinned
// to theirs, verdicts, auto-fill from finalized runs (never over a person's verdict), immutability
// once closed, the summary, and every route's auth and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, graphql, successData, type TestApp } from './helpers.ts';
import { seedWorkspace } from './fixtures.ts';
import { caseId, kenshoRun } from './kensho-fixture.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** A project whose inventory holds cases 0..3 (one run pushed), with a workspace token; the clock reads 18:00 again. */
async function project() {
  t.clock.set(new Date('2026-11-30T18:00:00Z'));
  const seed = await seedWorkspace(t.operator);
  const token = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ci', workspace: seed.workspace.slug })).secret;
  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, key = token) =>
    t.app.inject({ method, url, headers: { ...bearer(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  let minute = 0;
  const push = async (statusOf: (i: number) => 'pass' | 'fail' | 'skip' | 'broken') => {
    const run = kenshoRun({ project: seed.project.slug, cases: 4, statusOf, startedAt: new Date(Date.UTC(2026, 10, 30, 10, minute++)).toISOString() });
    expect((await call('POST', '/v1/ingest/kensho/finalize', { run })).statusCode).toBe(201);
  };
  await push(() => 'pass');
  return { seed, token, call, push, slug: seed.project.slug };
}

describe('plans', () => {
  it('creates, lists and revises a plan; an execution keeps the revision it started on', async () => {
    const p = await project();
    const created = await p.call('POST', `/v1/projects/${p.slug}/plans`, { name: 'Release smoke', cases: [caseId(0), caseId(1)] });
    expect(created.statusCode).toBe(201);
    const plan = created.json();
    expect(plan).toMatchObject({ id: expect.stringMatching(/^plan_/), name: 'Release smoke', revision: 1, cases: [caseId(0), caseId(1)] });
    expect((await p.call('GET', `/v1/projects/${p.slug}/plans`)).json()).toEqual({ items: [plan], nextCursor: null });

    const execution = (await p.call('POST', `/v1/plans/${plan.id}/executions`, { mode: 'hybrid' })).json();
    expect(execution).toMatchObject({ revision: 1, mode: 'hybrid', autoFill: true, status: 'open', cases: [caseId(0), caseId(1)], summary: { planned: 2, recorded: 0, coverage: 0 } });

    const edited = await p.call('PATCH', `/v1/plans/${plan.id}`, { cases: [caseId(0), caseId(1), caseId(2)] });
    expect(edited.json()).toMatchObject({ name: 'Release smoke', revision: 2, cases: [caseId(0), caseId(1), caseId(2)] });
    expect((await p.call('GET', `/v1/executions/${execution.id}`)).json()).toMatchObject({ revision: 1, cases: [caseId(0), caseId(1)] });
    expect((await p.call('POST', `/v1/plans/${plan.id}/executions`, {})).json()).toMatchObject({ revision: 2, mode: 'manual', summary: { planned: 3 } });
  });

  it('refuses cases the project has never run, naming each, and other bad input (400, nothing stored)', async () => {
    const p = await project();
    const unknown = await p.call('POST', `/v1/projects/${p.slug}/plans`, { name: 'x', cases: [caseId(0), 'tc_never_seen'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details).toEqual([{ path: '$.cases[1]', message: expect.stringContaining('no test of this project') }]);
    for (const body of [{ name: '', cases: [caseId(0)] }, { name: 'x', cases: [] }, { name: 'x', cases: [caseId(0), caseId(0)] }, { name: 'x\u0000', cases: 'all' }, [], 'nope']) {
      expect((await p.call('POST', `/v1/projects/${p.slug}/plans`, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await p.call('GET', `/v1/projects/${p.slug}/plans`)).json().items).toEqual([]);
    expect((await p.call('GET', `/v1/projects/${p.slug}/plans?cursor=%00`)).statusCode).toBe(400);
  });
});

describe('executions', () => {
  it('takes verdicts, is filled by runs without overwriting a person, and is immutable once closed', async () => {
    const p = await project();
    const plan = (await p.call('POST', `/v1/projects/${p.slug}/plans`, { name: 'Regression', cases: [caseId(0), caseId(1), caseId(2)] })).json();
    const execution = (await p.call('POST', `/v1/plans/${plan.id}/executions`, { mode: 'hybrid' })).json();
    const manual = await p.call('PATCH', `/v1/executions/${execution.id}/cases/${caseId(0)}`, { verdict: 'blocked', note: 'staging down' });
    expect(manual.statusCode).toBe(200);
    expect(manual.json().results).toEqual([expect.objectContaining({ caseId: caseId(0), verdict: 'blocked', note: 'staging down', source: 'manual' })]);

    // A run: case 0 fails (the person's "blocked" stays), 1 passes, 2 is broken (a fail), 3 is not in the plan.
    await p.push((i) => (i === 0 ? 'fail' : i === 2 ? 'broken' : 'pass'));
    const filled = (await p.call('GET', `/v1/executions/${execution.id}`)).json();
    expect(filled.results.map((r: { caseId: string; verdict: string; source: string }) => [r.caseId, r.verdict, r.source])).toEqual([
      [caseId(0), 'blocked', 'manual'],
      [caseId(1), 'pass', 'run'],
      [caseId(2), 'fail', 'run'],
    ]);
    expect(filled.summary).toMatchObject({ planned: 3, recorded: 3, coverage: 1, pass: 1, fail: 1, skip: 0, blocked: 1, averageDurationMs: expect.any(Number) });

    // A later run updates what runs set; a person may override a run's verdict.
    await p.push(() => 'pass');
    expect((await p.call('GET', `/v1/executions/${execution.id}`)).json().summary).toMatchObject({ pass: 2, fail: 0, blocked: 1 });
    expect((await p.call('PATCH', `/v1/executions/${execution.id}/cases/${caseId(1)}`, { verdict: 'fail' })).json().summary).toMatchObject({ pass: 1, fail: 1 });

    const closed = await p.call('POST', `/v1/executions/${execution.id}/close`);
    expect(closed.json()).toMatchObject({ status: 'closed', closedAt: '2026-11-30T18:00:00Z' });
    expect((await p.call('PATCH', `/v1/executions/${execution.id}/cases/${caseId(2)}`, { verdict: 'pass' })).statusCode).toBe(409);
    expect((await p.call('POST', `/v1/executions/${execution.id}/close`)).statusCode).toBe(409);
    await p.push(() => 'fail');
    expect((await p.call('GET', `/v1/executions/${execution.id}`)).json().summary).toMatchObject({ pass: 1, fail: 1, blocked: 1 });
  });

  it('is not filled by runs when autoFill is off', async () => {
    const p = await project();
    const plan = (await p.call('POST', `/v1/projects/${p.slug}/plans`, { name: 'Manual', cases: [caseId(0)] })).json();
    const execution = (await p.call('POST', `/v1/plans/${plan.id}/executions`, { mode: 'manual', autoFill: false })).json();
    await p.push(() => 'pass');
    expect((await p.call('GET', `/v1/executions/${execution.id}`)).json().results).toEqual([]);
  });

  it('refuses bad verdicts and cases outside the revision, and hides other tenants’ plans and executions (404)', async () => {
    const p = await project();
    const plan = (await p.call('POST', `/v1/projects/${p.slug}/plans`, { name: 'Mine', cases: [caseId(0)] })).json();
    const execution = (await p.call('POST', `/v1/plans/${plan.id}/executions`, {})).json();
    for (const body of [{ verdict: 'maybe' }, { verdict: 'pass', attachmentIds: 'x' }, { verdict: 'pass', extra: 1 }, null]) {
      expect((await p.call('PATCH', `/v1/executions/${execution.id}/cases/${caseId(0)}`, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await p.call('PATCH', `/v1/executions/${execution.id}/cases/${caseId(3)}`, { verdict: 'pass' })).statusCode).toBe(404);
    // A lone surrogate in an attachment id is stored as U+FFFD, like any text (not a 500).
    const odd = await p.call('PATCH', `/v1/executions/${execution.id}/cases/${caseId(0)}`, { verdict: 'pass', attachmentIds: ['shot\ud800'] });
    expect(odd.statusCode).toBe(200);
    expect((await p.call('GET', `/v1/executions/${execution.id}`)).json().results[0].attachmentIds).toEqual(['shot\uFFFD']);
    expect((await p.call('POST', `/v1/plans/${plan.id}/executions`, { mode: 'exploratory' })).statusCode).toBe(400);

    const other = await project();
    for (const [method, url, body] of [
      ['GET', `/v1/plans/${plan.id}`],
      ['PATCH', `/v1/plans/${plan.id}`, { name: 'stolen' }],
      ['POST', `/v1/plans/${plan.id}/executions`, {}],
      ['GET', `/v1/executions/${execution.id}`],
      ['PATCH', `/v1/executions/${execution.id}/cases/${caseId(0)}`, { verdict: 'fail' }],
      ['POST', `/v1/executions/${execution.id}/close`],
      ['GET', `/v1/projects/${p.slug}/plans`],
      ['GET', '/v1/plans/plan_00000000000000000000000000'],
      ['GET', '/v1/executions/%00'],
    ] as const) {
      const response = await other.call(method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await p.call('GET', `/v1/plans/${plan.id}`, undefined, 'intake_ws_not-a-token')).statusCode).toBe(401);
    expect((await p.call('GET', `/v1/executions/${execution.id}`)).json().status).toBe('open');
  });
});

describe('manual cases from CSV', () => {
  const HEADER = 'name,steps,expected,severity,owner,labels,linked_jira';
  const importCsv = (p: Awaited<ReturnType<typeof project>>, csv: string, contentType = 'text/csv') =>
    t.app.inject({ method: 'POST', url: `/v1/projects/${p.slug}/cases/import`, headers: { ...bearer(p.token), 'content-type': contentType }, payload: csv });

  it('imports a file whole, updates a case imported again by name, and plans and executions take them', async () => {
    const p = await project();
    const csv = [HEADER, 'Checkout with a saved card,"1. Open cart\n2. Pay",Order confirmed,high,ada,area=payments;smoke,PAY-12', 'Refund,,Money back,,,,'].join('\n');
    const first = await importCsv(p, csv);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ imported: 2, created: 2, updated: 0 });
    const [checkout] = first.json().cases;
    const inventory = (await p.call('GET', `/v1/cases/${checkout.id}`)).json();
    expect(inventory).toMatchObject({ manual: true, name: 'Checkout with a saved card', steps: '1. Open cart\n2. Pay', expected: 'Order confirmed', severity: 'high', owner: 'ada', labels: { area: 'payments', smoke: '', jira: 'PAY-12' }, lastStatus: null });
    expect((await importCsv(p, [HEADER, 'Refund,,Money back in 3 days,low,,,'].join('\n'))).json()).toMatchObject({ imported: 1, created: 0, updated: 1 });

    const plan = (await p.call('POST', `/v1/projects/${p.slug}/plans`, { name: 'Manual pass', cases: [checkout.stableId, caseId(0)] })).json();
    const execution = (await p.call('POST', `/v1/plans/${plan.id}/executions`, { mode: 'hybrid' })).json();
    expect((await p.call('PATCH', `/v1/executions/${execution.id}/cases/${checkout.stableId}`, { verdict: 'pass' })).json().summary).toMatchObject({ planned: 2, recorded: 1, pass: 1 });
  });

  it('names every bad line and imports nothing; refuses a malformed file, a wrong header and other content types', async () => {
    const p = await project();
    const bad = await importCsv(p, [HEADER, 'Good one,,,,,,', ',no name,,,,,', 'Bad severity,,,urgent,,,', 'Bad jira,,,,,,not-a-key', 'Good one,,,,,,'].join('\n'));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual(['$.lines[3].name', '$.lines[4].severity', '$.lines[5].linked_jira', '$.lines[6].name']);
    expect((await p.call('GET', `/v1/projects/${p.slug}/cases`)).json().items.filter((c: { manual: boolean }) => c.manual)).toEqual([]);
    for (const csv of [`${HEADER}\n"unclosed,,,,,,`, `${HEADER}\nonly,three,cells`, 'title,steps\nx,y', HEADER, `${HEADER}\nNUL \u0000,,,,,,`]) {
      expect((await importCsv(p, csv)).statusCode, csv).toBe(400);
    }
    expect((await importCsv(p, JSON.stringify({ csv: 'x' }), 'application/json')).statusCode).toBe(400);
    expect((await importCsv(p, 'x', 'application/xml')).statusCode).toBe(415);
    expect((await importCsv(p, `${HEADER}\nPlain text is CSV too,,,,,,`, 'text/plain')).statusCode).toBe(200);
    const other = await project();
    const stranger = await t.app.inject({ method: 'POST', url: `/v1/projects/${p.slug}/cases/import`, headers: { ...bearer(other.token), 'content-type': 'text/csv' }, payload: `${HEADER}\nx,,,,,,` });
    expect(stranger.statusCode).toBe(404);
  });
});


describe('defects', () => {
  it('are created from labels.jira at ingest, reopened by a new failure, linked by hand and promoted into an issue', async () => {
    const p = await project();
    let minute = 30;
    const pushAnnotated = async (status: 'pass' | 'fail') => {
      const run = kenshoRun({ project: p.slug, cases: 4, statusOf: (i) => (i === 0 ? status : 'pass'), startedAt: new Date(Date.UTC(2026, 10, 30, 11, minute++)).toISOString() });
      Object.assign(run.testCases[0]!, { labels: { jira: 'https://acme.atlassian.net/browse/PAY-12' } });
      expect((await p.call('POST', '/v1/ingest/kensho/finalize', { run })).statusCode).toBe(201);
    };
    await pushAnnotated('fail');
    const [defect, ...none] = (await p.call('GET', `/v1/projects/${p.slug}/defects`)).json().items;
    expect(none).toEqual([]);
    expect(defect).toMatchObject({ key: 'PAY-12', url: 'https://acme.atlassian.net/browse/PAY-12', status: 'open', casesAffected: 1, cases: [expect.objectContaining({ stableId: caseId(0) })], closedAt: null });

    const closed = await p.call('PATCH', `/v1/defects/${defect.id}`, { status: 'closed' });
    expect(closed.json()).toMatchObject({ status: 'closed', closedAt: '2026-11-30T18:00:00Z' });
    await pushAnnotated('pass');
    expect((await p.call('GET', `/v1/projects/${p.slug}/defects?status=closed`)).json().items).toHaveLength(1); // a pass reopens nothing
    t.clock.advance(60_000);
    await pushAnnotated('fail');
    expect((await p.call('GET', `/v1/projects/${p.slug}/defects?status=open`)).json().items).toEqual([expect.objectContaining({ id: defect.id, status: 'open', closedAt: null, lastSeenAt: '2026-11-30T18:01:00Z' })]);

    const linked = await p.call('POST', `/v1/projects/${p.slug}/defects`, { key: 'pay-12', cases: [caseId(1)] });
    expect(linked.statusCode).toBe(200);
    expect(linked.json().casesAffected).toBe(2);
    const fresh = await p.call('POST', `/v1/projects/${p.slug}/defects`, { key: '#45', url: 'https://github.com/acme/web/issues/45', cases: [caseId(2)] });
    expect(fresh.statusCode).toBe(201);

    const promoted = await p.call('POST', `/v1/defects/${defect.id}/promote`, {});
    expect(promoted.statusCode).toBe(201);
    expect(promoted.json()).toMatchObject({ issue: { title: 'Defect PAY-12', status: 'open' }, defect: { issueId: promoted.json().issue.id } });
    expect((await p.call('POST', `/v1/defects/${defect.id}/promote`, {})).statusCode).toBe(409);
  });

  it('refuses unknown cases, bad keys and statuses (400), and hides other tenants’ defects (404)', async () => {
    const p = await project();
    const bad = await p.call('POST', `/v1/projects/${p.slug}/defects`, { key: 'PAY-1', cases: [caseId(0), 'tc_nope'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([{ path: '$.cases[1]', message: expect.any(String) }]);
    for (const body of [{ key: 'not a key', cases: [caseId(0)] }, { key: 'PAY-1', url: 'javascript:alert(1)', cases: [caseId(0)] }, { key: 'PAY-1\u0000', cases: [caseId(0)] }, { key: 'PAY-1', cases: [] }]) {
      expect((await p.call('POST', `/v1/projects/${p.slug}/defects`, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    const defect = (await p.call('POST', `/v1/projects/${p.slug}/defects`, { key: 'PAY-1', cases: [caseId(0)] })).json();
    expect((await p.call('PATCH', `/v1/defects/${defect.id}`, { status: 'gone' })).statusCode).toBe(400);
    expect((await p.call('GET', `/v1/projects/${p.slug}/defects?status=__proto__`)).statusCode).toBe(400);
    const other = await project();
    expect((await other.call('PATCH', `/v1/defects/${defect.id}`, { status: 'closed' })).statusCode).toBe(404);
    expect((await other.call('POST', `/v1/defects/${defect.id}/promote`, {})).statusCode).toBe(404);
    expect((await other.call('GET', `/v1/projects/${p.slug}/defects`)).statusCode).toBe(404);
  });
});

describe('the board (GraphQL)', () => {
  const PLAN_FIELDS = 'id databaseId name revision cases';
  const EXECUTION_FIELDS = `id databaseId revision mode autoFill status cases
    summary { planned recorded coverage pass fail skip blocked averageDurationMs defectsOpened }
    results(first: 10) { totalCount nodes { caseId verdict note setByRun } }`;
  const gql = (p: Awaited<ReturnType<typeof project>>, query: string, variables: Record<string, unknown> = {}) => graphql(t.app, query, variables, p.token);
  const success = <T>(result: { errors?: unknown; data: Record<string, { userErrors: unknown[] }> }, field: string): T => {
    expect(result.errors).toBeUndefined();
    return successData(result.data[field]) as T;
  };

  it('runs a plan through an execution with the same rules and figures as REST, and counts the defects opened meanwhile', async () => {
    const p = await project();
    const created = success<{ id: string; databaseId: string; revision: number; cases: string[] }>(
      await gql(p, `mutation($input: CreateTestPlanInput!) { createTestPlan(input: $input) { testPlan { ${PLAN_FIELDS} } userErrors { code } } }`, {
        input: { project: p.slug, name: 'Smoke', cases: [caseId(0), caseId(1)] },
      }),
      'createTestPlan',
    );
    expect(created).toMatchObject({ name: 'Smoke', revision: 1, cases: [caseId(0), caseId(1)] });
    expect((await p.call('GET', `/v1/plans/${created.databaseId}`)).json().cases).toEqual(created.cases);

    const execution = success<{ id: string; databaseId: string }>(
      await gql(p, `mutation($input: StartTestExecutionInput!) { startTestExecution(input: $input) { testExecution { ${EXECUTION_FIELDS} } userErrors { code } } }`, {
        input: { planId: created.id, mode: 'HYBRID' },
      }),
      'startTestExecution',
    );
    const revised = success<{ revision: number }>(
      await gql(p, `mutation($input: UpdateTestPlanInput!) { updateTestPlan(input: $input) { testPlan { ${PLAN_FIELDS} } userErrors { code } } }`, {
        input: { id: created.id, cases: [caseId(0), caseId(1), caseId(2)] },
      }),
      'updateTestPlan',
    );
    expect(revised.revision).toBe(2);

    const verdict = success<{ summary: object; results: { nodes: object[] } }>(
      await gql(p, `mutation($input: SetExecutionVerdictInput!) { setExecutionVerdict(input: $input) { testExecution { ${EXECUTION_FIELDS} } userErrors { code } } }`, {
        input: { executionId: execution.id, caseId: caseId(0), verdict: 'BLOCKED', note: 'no staging' },
      }),
      'setExecutionVerdict',
    );
    expect(verdict.results.nodes).toEqual([{ caseId: caseId(0), verdict: 'BLOCKED', note: 'no staging', setByRun: false }]);

    // A run fills case 1, and its failure opens a defect linked to case 1 (a case of the plan).
    const link = await p.call('POST', `/v1/projects/${p.slug}/defects`, { key: 'PAY-7', cases: [caseId(1)] });
    expect(link.statusCode).toBe(201);
    await p.call('PATCH', `/v1/defects/${link.json().id}`, { status: 'closed' });
    await p.push((i) => (i === 1 ? 'fail' : 'pass'));
    const rest = (await p.call('GET', `/v1/executions/${execution.databaseId}`)).json();
    expect(rest.summary).toMatchObject({ planned: 2, recorded: 2, pass: 0, fail: 1, blocked: 1, defectsOpened: 1 });

    const read = await gql(p, `query($id: ID!) { testExecution(id: $id) { ${EXECUTION_FIELDS} plan { name revision } } node(id: $id) { ... on TestExecution { databaseId } } }`, { id: execution.id });
    expect(read.errors).toBeUndefined();
    expect(read.data.testExecution).toMatchObject({ revision: 1, mode: 'HYBRID', status: 'OPEN', cases: rest.cases, summary: rest.summary, plan: { name: 'Smoke', revision: 2 } });
    expect(read.data.node).toEqual({ databaseId: execution.databaseId });

    const closed = success<{ status: string }>(
      await gql(p, `mutation($id: ID!) { closeTestExecution(input: { id: $id }) { testExecution { status } userErrors { code } } }`, { id: execution.id }),
      'closeTestExecution',
    );
    expect(closed.status).toBe('CLOSED');
    const late = await gql(p, `mutation($input: SetExecutionVerdictInput!) { setExecutionVerdict(input: $input) { userErrors { code } } }`, {
      input: { executionId: execution.id, caseId: caseId(1), verdict: 'PASS' },
    });
    expect(late.data.setExecutionVerdict?.userErrors).toMatchObject([{ code: 'CONFLICT' }]);

    const listed = await gql(p, `query($p: ID!) { project(id: $p) { testPlans(first: 5) { totalCount nodes { databaseId executions(first: 5) { totalCount nodes { databaseId status } } } } } }`, { p: p.slug });
    expect(listed.data.project.testPlans).toEqual({ totalCount: 1, nodes: [{ databaseId: created.databaseId, executions: { totalCount: 1, nodes: [{ databaseId: execution.databaseId, status: 'CLOSED' }] } }] });
  });

  it('names bad input by its GraphQL field and hides other tenants’ plans, executions and defects', async () => {
    const p = await project();
    const unknown = await gql(p, `mutation($input: CreateTestPlanInput!) { createTestPlan(input: $input) { userErrors { code field message } } }`, {
      input: { project: p.slug, name: 'x', cases: [caseId(0), 'tc_never'] },
    });
    expect(unknown.data.createTestPlan.userErrors).toEqual([{ code: 'VALIDATION_FAILED', field: ['cases', '1'], message: expect.any(String) }]);
    const plan = (await p.call('POST', `/v1/projects/${p.slug}/plans`, { name: 'Mine', cases: [caseId(0)] })).json();
    const execution = (await p.call('POST', `/v1/plans/${plan.id}/executions`, {})).json();
    const defect = (await p.call('POST', `/v1/projects/${p.slug}/defects`, { key: 'PAY-1', cases: [caseId(0)] })).json();
    const other = await project();
    const peek = await gql(other, `query($plan: ID!, $exe: ID!, $dft: ID!) { testPlan(id: $plan) { name } testExecution(id: $exe) { status } defect(id: $dft) { key } }`, {
      plan: plan.id, exe: execution.id, dft: defect.id,
    });
    expect(peek.data).toEqual({ testPlan: null, testExecution: null, defect: null });
    expect(peek.errors?.map((e) => e.extensions?.code)).toEqual(['not_found', 'not_found', 'not_found']);
    const steal = await gql(other, `mutation($id: ID!) { closeTestExecution(input: { id: $id }) { userErrors { code } } setDefectStatus(input: { id: "${defect.id}", status: CLOSED }) { userErrors { code } } }`, { id: execution.id });
    expect(steal.data).toEqual({ closeTestExecution: { userErrors: [{ code: 'NOT_FOUND' }] }, setDefectStatus: { userErrors: [{ code: 'NOT_FOUND' }] } });
    const bad = await gql(p, `query { testPlan(id: "plan_\\u0000") { name } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('validation_failed');
    expect((await p.call('GET', `/v1/executions/${execution.id}`)).json().status).toBe('open');
  });

  it('lists the inventory with filters, pass rates and quarantine, and defects with their cases; promotes a defect', async () => {
    const p = await project();
    await p.push((i) => (i === 2 ? 'fail' : 'pass'));
    await p.call('PATCH', `/v1/cases/${(await p.call('GET', `/v1/projects/${p.slug}/cases`)).json().items[3].id}`, { quarantine: { reason: 'flaky on CI' } });
    const rest = (await p.call('GET', `/v1/projects/${p.slug}/cases`)).json().items;
    expect(rest.map((c: { passRate: number }) => c.passRate)).toEqual([1, 1, 0.5, 1]);

    const inventory = await gql(p, `query($p: ID!) { project(id: $p) {
      all: testCases(first: 10) { totalCount nodes { stableId passRate averageDurationMs lastStatus flakyBranches quarantine { reason } } }
      failing: testCases(first: 10, filter: { lastStatus: FAIL }) { totalCount nodes { stableId } }
      quarantined: testCases(first: 10, filter: { quarantined: true }) { nodes { stableId quarantine { reason by } } } } }`, { p: p.slug });
    expect(inventory.errors).toBeUndefined();
    const { all, failing, quarantined } = inventory.data.project;
    expect(all.totalCount).toBe(4);
    expect(all.nodes.map((c: { passRate: number; averageDurationMs: number }) => [c.passRate, c.averageDurationMs])).toEqual(rest.map((c: { passRate: number; averageDurationMs: number }) => [c.passRate, c.averageDurationMs]));
    expect(failing).toEqual({ totalCount: 1, nodes: [{ stableId: caseId(2) }] });
    expect(quarantined.nodes).toEqual([{ stableId: caseId(3), quarantine: { reason: 'flaky on CI', by: expect.any(String) } }]);

    const linked = success<{ id: string; key: string; casesAffected: number; testCases: Array<{ stableId: string }> }>(
      await gql(p, `mutation($input: LinkDefectInput!) { linkDefect(input: $input) { defect { id key status casesAffected testCases { stableId } } userErrors { code } } }`, {
        input: { project: p.slug, key: 'pay-9', cases: [caseId(2), caseId(1)] },
      }),
      'linkDefect',
    );
    expect(linked).toMatchObject({ key: 'PAY-9', casesAffected: 2, testCases: [{ stableId: caseId(1) }, { stableId: caseId(2) }] });
    const open = await gql(p, `query($p: ID!) { project(id: $p) { defects(first: 5, filter: { status: OPEN }) { totalCount nodes { key } } closed: defects(first: 5, filter: { status: CLOSED }) { totalCount } } }`, { p: p.slug });
    expect(open.data.project).toEqual({ defects: { totalCount: 1, nodes: [{ key: 'PAY-9' }] }, closed: { totalCount: 0 } });

    const promoted = success<{ created: boolean; issue: { title: string; defects: Array<{ key: string }> }; defect: { issue: { title: string } } }>(
      await gql(p, `mutation($input: PromoteDefectInput!) { promoteDefect(input: $input) { created issue { title defects { key } } defect { issue { title } } userErrors { code } } }`, {
        input: { id: linked.id },
      }),
      'promoteDefect',
    );
    expect(promoted).toEqual({ created: true, issue: { title: 'Defect PAY-9', defects: [{ key: 'PAY-9' }] }, defect: { issue: { title: 'Defect PAY-9' } } });
  });
});
