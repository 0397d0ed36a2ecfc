// Test runs through the Kaizen REST surface: the two-phase kensho push in both spellings, signed
// uploads, idempotent finalize, regressions, case pages, reads, and hostile input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectUnreferencedBlobs } from '../src/modules/index.ts';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createSecondInstance, createTestApp, graphql, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';
import { caseId, kenshoRun, pushAcrossInstances, screenshotBytes, sha256 } from './kensho-fixture.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ graphqlCacheTtlMs: 0 });
});
afterAll(() => t.close());

/** A workspace of its own with a workspace token, so every test runs alone. */
async function tenant() {
  const seed = await seedWorkspace(t.operator);
  const token = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ci', workspace: seed.workspace.slug })).secret;
  return { ...seed, token, slug: seed.project.slug };
}

const post = (url: string, token: string | undefined, payload: unknown) =>
  t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) }, payload: JSON.stringify(payload) });
const get = (url: string, token?: string) => t.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });
const local = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};
const put = (url: string, body: Buffer, headers: Record<string, string> = { 'content-type': 'image/png' }) =>
  t.app.inject({ method: 'PUT', url: local(url), headers, payload: body });

/** init + PUT of each screenshot + finalize (the kensho CLI's spelling). */
async function pushRun(who: Awaited<ReturnType<typeof tenant>>, run: ReturnType<typeof kenshoRun>, screenshots: number[] = [], bytesOf = screenshotBytes) {
  const attachments = screenshots.map((i) => ({ id: `${caseId(i)}::shot`, sha256: sha256(bytesOf(i)), sizeBytes: bytesOf(i).length, contentType: 'image/png' }));
  const init = await post('/v1/ingest/kensho/init', who.token, { workspace: who.workspace.slug, project: who.slug, runId: run.id, attachments });
  expect(init.statusCode).toBe(200);
  for (const entry of init.json().presignedUrls) {
    const index = screenshots.find((i) => entry.id === `${caseId(i)}::shot`)!;
    expect((await put(entry.url, bytesOf(index), entry.headers)).statusCode).toBe(200);
  }
  return post('/v1/ingest/kensho/finalize', who.token, { uploadId: init.json().uploadId, run, cases: [] });
}

describe('the two-phase push', () => {
  it('takes the documented spelling and answers both response spellings, signed PUT URLs and already-stored blobs', async () => {
    const who = await tenant();
    const bytes = screenshotBytes(1);
    const documented = await post('/v1/ingest/kensho/init', who.token, {
      workspaceSlug: who.workspace.slug,
      projectSlug: who.slug,
      externalRunId: 'github-actions-7891',
      attachments: [{ id: 'att_1', sha256: sha256(bytes), size: bytes.length, contentType: 'image/png' }],
    });
    expect(documented.statusCode).toBe(200);
    const answer = documented.json();
    expect(answer.uploadId).toMatch(/^upl_/);
    expect(Date.parse(answer.expiresAt) - t.clock.now().getTime()).toBe(30 * 60 * 1000);
    expect(answer.presigned).toEqual([{ id: 'att_1', url: expect.stringContaining('/v1/ingest/kensho/uploads/'), fields: {} }]);
    expect(answer.presignedUrls).toEqual([{ id: 'att_1', url: answer.presigned[0].url, headers: { 'content-type': 'image/png' } }]);
    expect(answer.alreadyExists).toEqual([]);
    expect(answer.deduplicated).toEqual([]);
    expect((await put(answer.presigned[0].url, bytes)).statusCode).toBe(200);

    // The documented finalize spelling: run fields at the top level, runId and cases.
    const run = kenshoRun({ id: 'github-actions-7891', project: who.slug, cases: 2 });
    run.testCases[0]!.attachments = [{ id: 'att_1', kind: 'screenshot', relativePath: 'attachments/a.png', mimeType: 'image/png' }] as never;
    const { id, testCases, ...fields } = run;
    const finalized = await post('/v1/ingest/kensho/finalize', who.token, { uploadId: answer.uploadId, runId: id, cases: testCases, ...fields });
    expect(finalized.statusCode).toBe(201);
    expect(finalized.json()).toMatchObject({ internalRunId: expect.stringMatching(/^run_/), regression: { newFailures: 0, fixed: 0, stillFailing: 0 }, summary: { total: 2, pass: 2 } });

    // The CLI's spelling for the same bytes in another run of the workspace: already stored.
    const again = await post('/v1/ingest/kensho/init', who.token, {
      workspace: who.workspace.slug, project: who.slug, runId: 'second', schemaVersion: 'kensho/v1',
      attachments: [{ id: 'tc_x::shot', caseId: 'tc_x', attachmentId: 'shot', relativePath: 'attachments/tc_x/shot.png', sizeBytes: bytes.length, sha256: sha256(bytes), contentType: 'image/png' }],
    });
    expect(again.json()).toMatchObject({ presignedUrls: [], presigned: [], deduplicated: [{ id: 'tc_x::shot' }], alreadyExists: [{ id: 'tc_x::shot', sha256: sha256(bytes) }] });

    // …but not for another workspace: dedup never crosses tenants.
    const other = await tenant();
    const foreign = await post('/v1/ingest/kensho/init', other.token, { workspace: other.workspace.slug, project: other.slug, runId: 'r', attachments: [{ id: 'a', sha256: sha256(bytes), size: bytes.length }] });
    expect(foreign.json().deduplicated).toEqual([]);
    expect(foreign.json().presignedUrls).toHaveLength(1);
  });

  it('refuses tampered, oversized, forged and expired uploads, storing nothing', async () => {
    const who = await tenant();
    const bytes = screenshotBytes(7);
    const init = (await post('/v1/ingest/kensho/init', who.token, { workspace: who.workspace.slug, project: who.slug, runId: 'tamper', attachments: [{ id: 'a', sha256: sha256(bytes), size: bytes.length }] })).json();
    const url: string = init.presignedUrls[0].url;
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    const wrong = await put(url, tampered);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.code).toBe('bad_request');
    expect(t.app.services.blobs.exists(sha256(tampered))).toBe(false);
    expect((await put(url, Buffer.concat([bytes, Buffer.from('more')]))).statusCode).toBe(400);
    expect((await put(url.replace(/signature=[^&]+/, 'signature=forged'), bytes)).statusCode).toBe(403);
    expect((await put(url.replace(/\/0\?/, '/1?'), bytes)).statusCode).toBe(403);
    t.clock.advance(5 * 60 * 1000 + 1000);
    const expired = await put(url, bytes);
    expect(expired.statusCode).toBe(403);
    expect(expired.json().error.message).toMatch(/expired/);
    expect(t.app.services.blobs.exists(sha256(bytes))).toBe(false);
  });

  it('says which uploads are missing, and leaves no run behind', async () => {
    const who = await tenant();
    const run = kenshoRun({ project: who.slug, cases: 3, screenshots: [0, 2] });
    const attachments = [0, 2].map((i) => ({ id: `${caseId(i)}::shot`, sha256: sha256(screenshotBytes(1000 + i)), size: 10 }));
    const init = (await post('/v1/ingest/kensho/init', who.token, { workspace: who.workspace.slug, project: who.slug, runId: run.id, attachments })).json();
    const finalized = await post('/v1/ingest/kensho/finalize', who.token, { uploadId: init.uploadId, run });
    expect(finalized.statusCode).toBe(400);
    const error = finalized.json().error;
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain(`${caseId(0)}::shot`);
    expect(error.details.map((d: { path: string }) => d.path)).toEqual(['$.run.testCases[0].attachments[0]', '$.run.testCases[2].attachments[0]']);
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id } })).toBe(0);
  });

  it('answers schema errors 400 with a JSON path per problem', async () => {
    const who = await tenant();
    const run = kenshoRun({ project: who.slug, cases: 2 }) as Record<string, any>;
    run.testCases[1].status = 'exploded';
    run.testCases[0].duration = -1;
    run.surprise = true;
    const response = await post('/v1/ingest/kensho/finalize', who.token, { run });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('validation_failed');
    const paths = error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['$.run.testCases[1].status', '$.run.testCases[0].duration', '$.run']));
    for (const detail of error.details) expect(typeof detail.message).toBe('string');
  });

  it('stores a run once: a repeat answers it, and 20 concurrent identical finalizes make one run', async () => {
    const who = await tenant();
    const run = kenshoRun({ project: who.slug, cases: 20 });
    const first = await post('/v1/ingest/kensho/finalize', who.token, { workspace: who.workspace.slug, run });
    expect(first.statusCode).toBe(201);
    const repeat = await post('/v1/ingest/kensho/finalize', who.token, { workspace: who.workspace.slug, run });
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json().internalRunId).toBe(first.json().internalRunId);

    const concurrent = kenshoRun({ project: who.slug, cases: 50 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('/v1/ingest/kensho/finalize', who.token, { run: concurrent })));
    expect(answers.map((a) => a.statusCode).sort((a, b) => a - b)).toEqual([...Array(19).fill(200), 201]);
    expect(new Set(answers.map((a) => a.json().internalRunId)).size).toBe(1);
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id, externalRunId: concurrent.id } })).toBe(1);
    expect(await t.app.services.prisma.caseRun.count({ where: { runId: answers[0]!.json().internalRunId } })).toBe(50);
  });

  it('counts regressions against the previous run on the same branch, over three runs on two branches', async () => {
    const who = await tenant();
    const at = (minutes: number) => new Date(Date.UTC(2026, 10, 30, 12, minutes)).toISOString();
    const statuses = (fails: number[]) => (i: number) => (fails.includes(i) ? 'fail' : 'pass') as 'fail' | 'pass';
    const main1 = await pushRun(who, kenshoRun({ project: who.slug, cases: 6, branch: 'main', startedAt: at(0), statusOf: statuses([0, 1]) }));
    expect(main1.json().regression).toEqual({ newFailures: 0, fixed: 0, stillFailing: 0 });
    // Another branch in between: not main's previous run.
    const feature = await pushRun(who, kenshoRun({ project: who.slug, cases: 6, branch: 'feature/x', startedAt: at(5), statusOf: statuses([0, 1, 2, 3, 4, 5]) }));
    expect(feature.json().regression).toEqual({ newFailures: 0, fixed: 0, stillFailing: 0 });
    const main2 = await pushRun(who, kenshoRun({ project: who.slug, cases: 7, branch: 'main', startedAt: at(10), statusOf: statuses([1, 2, 6]) }));
    // 0 fixed; 1 still failing; 2 newly failing; 6 is a new test that fails.
    expect(main2.json().regression).toEqual({ newFailures: 2, fixed: 1, stillFailing: 1 });
    expect(main2.json().summary).toMatchObject({ total: 7, pass: 4, fail: 3, regressions: 2, recoveries: 1 });
  });
});

describe('several instances', () => {
  it('completes a push whose init, uploads and finalize reach different instances (upload state in the database)', async () => {
    const who = await tenant();
    const second = await createSecondInstance(t);
    const third = await createSecondInstance(t);
    try {
      const run = kenshoRun({ project: who.slug, cases: 4, screenshots: [1, 3] });
      const finalized = await pushAcrossInstances([t.app, second, third], { token: who.token, workspace: who.workspace.slug, project: who.slug }, run, [1, 3]);
      expect(finalized.statusCode).toBe(201);
      expect(await t.app.services.prisma.runAttachment.count({ where: { caseRun: { runId: finalized.json().internalRunId } } })).toBe(2);
    } finally {
      await second.close();
      await third.close();
    }
  });
});

describe('blob collection', () => {
  it('keeps the bytes a run links, and takes uploads never finalized once their grace has passed', async () => {
    const who = await tenant();
    await pushRun(who, kenshoRun({ project: who.slug, cases: 2, screenshots: [0] }), [0]);
    const orphan = screenshotBytes(424242);
    const init = (await post('/v1/ingest/kensho/init', who.token, { workspace: who.workspace.slug, project: who.slug, runId: 'never-finalized', attachments: [{ id: 'a', sha256: sha256(orphan), size: orphan.length }] })).json();
    expect((await put(init.presignedUrls[0].url, orphan)).statusCode).toBe(200);
    t.clock.advance(2 * 60 * 60 * 1000);
    await collectUnreferencedBlobs(t.app.services);
    expect(t.app.services.blobs.exists(sha256(screenshotBytes(0)))).toBe(true);
    expect(t.app.services.blobs.exists(sha256(orphan))).toBe(false);
  });
});

describe('reading runs', () => {
  it('pages a run’s cases by cursor, each exactly once, filtered by status', async () => {
    const who = await tenant();
    const run = kenshoRun({ project: who.slug, cases: 2300 });
    const runId = (await pushRun(who, run)).json().internalRunId;
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = (await get(`/v1/runs/${runId}/cases${cursor ? `?cursor=${cursor}` : ''}`, who.token)).json();
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(2300);
    expect(new Set(seen).size).toBe(2300);
    const failing = (await get(`/v1/runs/${runId}/cases?status=fail`, who.token)).json();
    expect(failing.items).toHaveLength(230);
    expect(failing.items.every((item: { status: string }) => item.status === 'fail')).toBe(true);
    expect(failing.nextCursor).toBeNull();
    expect((await get(`/v1/runs/${runId}/cases?cursor=bm9wZQ`, who.token)).statusCode).toBe(400);
    expect((await get(`/v1/runs/${runId}/cases?status=__proto__`, who.token)).statusCode).toBe(400);
    expect((await get(`/v1/runs/${runId}/cases?limit=5000`, who.token)).statusCode).toBe(400);
  });

  it('serves an attachment by the type of its bytes, not the pusher’s word: HTML sent as image/png is a sandboxed download', async () => {
    const who = await tenant();
    const page = (i: number) => Buffer.from(`<!doctype html><html><body><script>alert(${i})</script></body></html>`);
    const pushed = await pushRun(who, kenshoRun({ project: who.slug, cases: 2, screenshots: [1] }), [1], page);
    const runId = pushed.json().internalRunId;
    const detail = (await get(`/v1/runs/${runId}/cases/${caseId(1)}`, who.token)).json();
    const download = await t.app.inject({ method: 'GET', url: local(detail.attachments[0].url) });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(page(1))).toBe(true);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    expect(download.headers['content-security-policy']).toBe('sandbox');
  });

  it('answers the documented run fields, one case with steps, attachments and history, and the projects with stats', async () => {
    const who = await tenant();
    const first = await pushRun(who, kenshoRun({ id: 'gha-1', project: who.slug, cases: 3, startedAt: '2026-11-30T10:00:00Z' }));
    const second = await pushRun(who, kenshoRun({ id: 'gha-2', project: who.slug, cases: 3, startedAt: '2026-11-30T11:00:00Z', screenshots: [1] }), [1]);
    const runId = second.json().internalRunId;
    const run = (await get(`/v1/runs/${runId}`, who.token)).json();
    expect(Object.keys(run).sort()).toEqual(['branch', 'casesUrl', 'commit', 'externalRunId', 'finishedAt', 'id', 'kenshoReportUrl', 'project', 'startedAt', 'status', 'totals'].sort());
    expect(run).toMatchObject({ id: runId, project: { slug: who.slug }, externalRunId: 'gha-2', branch: 'main', commit: 'a91c3e2', status: 'closed', startedAt: '2026-11-30T11:00:00Z', totals: { passed: 3, failed: 0, skipped: 0, broken: 0, flaky: 0 } });

    const detail = (await get(`/v1/runs/${runId}/cases/${caseId(1)}`, who.token)).json();
    expect(detail.steps).toHaveLength(2);
    expect(detail.history.map((h: { externalRunId: string }) => h.externalRunId)).toEqual(['gha-2', 'gha-1']);
    expect(detail.attachments).toHaveLength(1);
    const download = await t.app.inject({ method: 'GET', url: local(detail.attachments[0].url) });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(screenshotBytes(1))).toBe(true);
    expect(download.headers['content-type']).toBe('image/png');
    expect((await t.app.inject({ method: 'GET', url: local(detail.attachments[0].url).replace(/signature=[^&]+/, 'signature=x') })).statusCode).toBe(403);

    const projects = (await get('/v1/projects', who.token)).json();
    expect(projects).toEqual([
      expect.objectContaining({ id: who.project.publicId, slug: who.slug, workspace: { id: who.workspace.id, slug: who.workspace.slug }, stats: { lastRunAt: '2026-11-30T11:00:00Z', passRate30d: expect.any(Number), flakyCount: 0 } }),
    ]);
    const project = (await get(`/v1/projects/${who.slug}`, who.token)).json();
    expect(project.stats.history).toEqual({ firstRunAt: '2026-11-30T10:00:00Z', lastRunAt: '2026-11-30T11:00:00Z', runs: 2 });
    expect(first.statusCode).toBe(201);
  });

  it('GraphQL pages runs and cases with history in a constant number of statements', async () => {
    const who = await tenant();
    for (const [i, minutes] of [0, 10].entries()) {
      await pushRun(who, kenshoRun({ id: `g-${i}`, project: who.slug, cases: 60, startedAt: new Date(Date.UTC(2026, 10, 30, 12, minutes)).toISOString() }));
    }
    const query = `query ($project: ID!, $first: Int) { project(id: $project) { runs(first: 1) { totalCount nodes { id databaseId totals { passed failed } cases(first: $first) { totalCount nodes { id status testCase { stableId } history { externalRunId status } } } } } } }`;
    const statementsFor = async (first: number) => {
      // Warmed right before each count: the principal and project caches live 5 s, which a
      // loaded machine can spend between two counts.
      await graphql(t.app, query, { project: String(who.project.id), first }, who.adminToken);
      const before = await t.settledStatementCount();
      const result = await graphql(t.app, query, { project: String(who.project.id), first }, who.adminToken);
      expect(result.errors).toBeUndefined();
      expect(result.data.project.runs.nodes[0].cases.nodes).toHaveLength(first);
      expect(result.data.project.runs.nodes[0].cases.nodes[0].history.map((h: { externalRunId: string }) => h.externalRunId)).toEqual(['g-1', 'g-0']);
      return t.db.statementCount() - before;
    };
    expect(await statementsFor(50)).toBe(await statementsFor(5));
    const runId = (await graphql(t.app, query, { project: String(who.project.id), first: 1 }, who.adminToken)).data.project.runs.nodes[0].id;
    const node = await graphql(t.app, 'query ($id: ID!) { node(id: $id) { __typename ... on TestRun { externalRunId } } }', { id: runId }, who.adminToken);
    expect(node.data.node).toEqual({ __typename: 'TestRun', externalRunId: 'g-1' });
    const caseRunId = (await graphql(t.app, query, { project: String(who.project.id), first: 1 }, who.adminToken)).data.project.runs.nodes[0].cases.nodes[0].id;
    const caseNode = 'query ($id: ID!) { node(id: $id) { __typename ... on CaseRun { id status } } }';
    expect((await graphql(t.app, caseNode, { id: caseRunId }, who.adminToken)).data.node).toMatchObject({ __typename: 'CaseRun', id: caseRunId });
    const stranger = await tenant();
    expect((await graphql(t.app, caseNode, { id: caseRunId }, stranger.memberToken)).data.node).toBeNull();
  });
});

describe('hostile input and other tenants', () => {
  it('never reveals another workspace’s runs, and refuses the anonymous', async () => {
    const who = await tenant();
    const other = await tenant();
    const runId = (await pushRun(who, kenshoRun({ project: who.slug, cases: 2 }))).json().internalRunId;
    for (const url of [`/v1/runs/${runId}`, `/v1/runs/${runId}/cases`, `/v1/runs/${runId}/cases/${caseId(0)}`, `/v1/projects/${who.slug}`]) {
      const foreign = await get(url, other.token);
      expect(foreign.statusCode, url).toBe(404);
      expect(foreign.json().error.code).toBe('not_found');
      expect((await get(url)).statusCode).toBe(401);
    }
    expect((await get('/v1/runs/run_00000000000000000000000000', who.token)).statusCode).toBe(404);
    expect((await get('/v1/projects', other.token)).json().map((p: { slug: string }) => p.slug)).toEqual([other.slug]);
    // Pushing into another workspace's project by naming it.
    const intrusion = await post('/v1/ingest/kensho/init', other.token, { workspace: who.workspace.slug, project: who.slug, runId: 'x' });
    expect(intrusion.statusCode).toBe(404);
    const report = await graphql(t.app, 'query ($id: ID!) { run(id: $id) { id } }', { id: runId }, other.memberToken);
    expect(report.data.run).toBeNull();
  });

  it('answers malformed JSON, NUL bytes, over-long strings and wrong types with 400, never 500', async () => {
    const who = await tenant();
    const malformed = await t.app.inject({ method: 'POST', url: '/v1/ingest/kensho/finalize', headers: { 'content-type': 'application/json', ...bearer(who.token) }, payload: '{"run": ' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toBeDefined();
    const withNul = kenshoRun({ project: who.slug, cases: 1 });
    withNul.testCases[0]!.name = 'bad\u0000name';
    const nul = await post('/v1/ingest/kensho/finalize', who.token, { run: withNul });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error.details[0]).toMatchObject({ path: '$.run.testCases[0].name' });
    // A step tree 10,000 levels deep, written out as text (JSON.stringify would overflow first).
    const deep = kenshoRun({ project: who.slug, cases: 1 }) as Record<string, any>;
    deep.testCases[0].steps = ['DEEP'];
    const fields = '"id":"s","title":"t","status":"pass","startedAt":"2026-11-30T12:00:00Z","duration":1';
    const tree = `${`{${fields},"children":[`.repeat(10_000)}{${fields}}${']}'.repeat(10_000)}`;
    const tooDeep = await t.app.inject({
      method: 'POST', url: '/v1/ingest/kensho/finalize', headers: { 'content-type': 'application/json', ...bearer(who.token) },
      payload: JSON.stringify({ run: deep }).replace('"DEEP"', tree),
    });
    expect(tooDeep.statusCode).toBe(400);
    expect(tooDeep.json().error.details[0].path).toBe('$.run.testCases[0].steps');
    const long = kenshoRun({ project: who.slug, cases: 1 });
    long.testCases[0]!.fullName = 'x'.repeat(5000);
    expect((await post('/v1/ingest/kensho/finalize', who.token, { run: long })).statusCode).toBe(400);
    for (const body of [[], 'run', 42, null, { run: [] }, { run: 'x' }, { uploadId: 7, run: kenshoRun() }]) {
      const response = await post('/v1/ingest/kensho/finalize', who.token, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await post('/v1/ingest/kensho/init', who.token, { workspace: who.workspace.slug, project: who.slug, runId: 'r', attachments: [{ id: 'a', sha256: 'nothex', size: 1 }] })).statusCode).toBe(400);
    expect((await post('/v1/ingest/kensho/finalize', who.token, { uploadId: 'upl_nope', run: kenshoRun({ project: who.slug }) })).statusCode).toBe(404);
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id } })).toBe(0);
  });

  it('refuses tokens without the ability, and workspaces with test reports off', async () => {
    const who = await tenant();
    const reportsOnly = (await projectToken(t.operator, who.project.id, ['report:create'])).secret;
    expect((await post('/v1/ingest/kensho/finalize', reportsOnly, { run: kenshoRun({ project: who.slug }) })).statusCode).toBe(403);
    const ci = (await projectToken(t.operator, who.project.id, ['test-runs:write'])).secret;
    expect((await post('/v1/ingest/kensho/finalize', ci, { run: kenshoRun({ project: who.slug }) })).statusCode).toBe(201);
    const off = await seedWorkspace(t.operator, { features: ['reports'] });
    const offToken = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ci', workspace: off.workspace.slug })).secret;
    const refused = await post('/v1/ingest/kensho/finalize', offToken, { run: kenshoRun({ project: off.project.slug }) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('feature_restricted');
  });

  it('limits finalize to 60 a minute per project, with Retry-After', async () => {
    const who = await tenant();
    const run = kenshoRun({ project: who.slug, cases: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await post('/v1/ingest/kensho/finalize', who.token, { workspace: who.workspace.slug, run })).statusCode);
    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);
    const limited = await post('/v1/ingest/kensho/finalize', who.token, { workspace: who.workspace.slug, run });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error.code).toBe('rate_limited');
  });
});
