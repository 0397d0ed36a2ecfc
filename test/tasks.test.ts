// send.ai tasks through the public surface: the documented Report Task example (cURL and
// TypeScript, as written), every documented status, the export hook's 207 and its retry, the
// state changes, scopes, other teams, concurrent reports, and GraphQL.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueQueuedJobs } from '../src/jobs/queue.ts';
import { JOB_KINDS } from '../src/modules/index.ts';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, graphql, type TestApp } from './helpers.ts';
import { seedWorkspace } from './fixtures.ts';
import { reportTask as documentedReportTask } from './fixtures/send-report-task.ts';

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await createTestApp({ webhooksAllowPrivate: true, graphqlCacheTtlMs: 0 });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

/** The documented task (the seed's response example), as the pipeline registers it. */
const DOCUMENTED_TASK = {
  name: 'Document Analysis Task',
  created_at: '2024-01-15T10:30:00Z',
  meta: [{ name: 'category', value: 'invoice' }],
  status: 'REVIEWING',
  step_type: 'EXTRACT',
  upload_id: 'upl_123456789',
  approved: false,
  last_opened_at: '2024-01-15T12:45:00Z',
  pages: [
    {
      id: 'page_1', width: 2480, height: 3508,
      annotations: [{ id: 'ann_1', entity_id: 'total_amount', confidence: 0.98, content: '$1,234.56', top: 120.5, left_of_line: 340.0 }],
      checkboxes: [{ id: 'cb_1', confidence: 0.92, checked: true, coordinates: [[100, 100], [120, 100], [120, 120], [100, 120]] }],
      segments: [{ id: 'seg_1', confidence: 0.87, coordinates: [[50, 50], [400, 50], [400, 200], [50, 200]] }],
      signatures: [{ id: 'sig_1', confidence: 0.83, coordinates: [[800, 600], [1100, 600], [1100, 750], [800, 750]] }],
    },
  ],
};

/** A team (workspace) and project named as the seed names them, and a team key with task.edit. */
async function documentedTeam() {
  const prisma = t.app.services.prisma;
  const existing = await prisma.workspace.findUnique({ where: { id: 'team_123456' } });
  if (!existing) {
    await prisma.workspace.create({ data: { id: 'team_123456', slug: 'team-123456', name: 'Team' } });
    await prisma.project.create({ data: { publicId: 'proj_123456', slug: 'documents', name: 'Documents', workspaceId: 'team_123456' } });
  }
  const key = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'pipeline', workspace: 'team-123456', abilities: ['task.edit'] })).secret;
  return { key };
}

async function team(abilities = ['task.edit']) {
  const seed = await seedWorkspace(t.operator);
  const key = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'pipeline', workspace: seed.workspace.slug, abilities })).secret;
  return { ...seed, key, path: `/v2/${seed.workspace.id}/project/${seed.project.publicId}` };
}

const call = (method: 'GET' | 'POST' | 'PUT', url: string, key: string | undefined, body?: unknown) =>
  t.app.inject({ method, url, headers: { ...(key ? bearer(key) : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });

const REPORT = { message: 'The document is blurry and text cannot be read clearly.', issues: [{ label: 'Poor Document Quality', value: 'poor_quality' }] };

describe('the documented Report Task example', () => {
  it('works with cURL as written (host and key aside)', async () => {
    const { key } = await documentedTeam();
    expect((await call('PUT', '/v2/team_123456/project/proj_123456/task/task_abcdef123456', key, DOCUMENTED_TASK)).statusCode).toBeLessThan(300);
    const { stdout } = await promisify(execFile)('curl', [
      '-s', '-w', '\n%{http_code}', '-X', 'POST',
      `${base}/v2/team_123456/project/proj_123456/task/task_abcdef123456/report`,
      '-H', `Authorization: Bearer ${key}`,
      '-H', 'Content-Type: application/json',
      '-d', `{
"message": "The document is blurry and text cannot be read clearly.",
"issues": [{"label": "Poor Document Quality", "value": "poor_quality"}]
}`,
    ]);
    const [body, status] = stdout.split('\n');
    expect(status).toBe('200');
    const answer = JSON.parse(body!);
    expect(answer.error).toBeNull();
    expect(answer.payload).toEqual({
      id: 'task_abcdef123456', name: 'Document Analysis Task', created_at: '2024-01-15T10:30:00Z', meta: [{ name: 'category', value: 'invoice' }],
      status: 'REVIEWING', step_type: 'EXTRACT', upload_id: 'upl_123456789', project_id: 'proj_123456', approved: false,
      exported_at: null, export_failed_at: null, last_opened_at: '2024-01-15T12:45:00Z', pages: DOCUMENTED_TASK.pages,
    });
  });

  it('works with the TypeScript example as written', async () => {
    const { key } = await documentedTeam();
    await call('PUT', '/v2/team_123456/project/proj_123456/task/task_abcdef123456', key, DOCUMENTED_TASK);
    const realFetch = globalThis.fetch;
    // The example's host and placeholder key, pointed at this server.
    globalThis.fetch = ((input: string, init: RequestInit) =>
      realFetch(String(input).replace('https://api.send.ai', base), { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${key}` } })) as typeof fetch;
    try {
      const result = await documentedReportTask('team_123456', 'proj_123456', 'task_abcdef123456', {
        message: 'The document is blurry and text cannot be read clearly.',
        issues: [{ label: 'Poor Document Quality', value: 'poor_quality' }],
      });
      expect(result.payload.status).toBe('REVIEWING'); // reporting never changes the processing status
      expect(result.error).toBeNull();
    } finally {
      globalThis.fetch = realFetch;
    }
    const reports = (await call('GET', '/v2/team_123456/project/proj_123456/task/task_abcdef123456/reports', key)).json().payload;
    expect(reports[0]).toMatchObject({ issues: REPORT.issues, message: REPORT.message, reported_by: { kind: 'workspace-token', name: 'pipeline' } });
  });
});

describe('every documented status', () => {
  it('400 for invalid bodies, 401 without a valid key, 404 for what the key cannot see, never 500', async () => {
    const who = await team();
    await call('PUT', `${who.path}/task/task_1`, who.key, DOCUMENTED_TASK);
    const report = (body: unknown, key: string | undefined = who.key) => call('POST', `${who.path}/task/task_1/report`, key, body);
    for (const body of [{ issues: [] }, {}, { issues: [{ label: 'x' }] }, { issues: [{ label: '', value: 'v' }] }, { issues: [{ label: '  ', value: 'v' }] }, { issues: 'x' }, { issues: [{ label: 'a\u0000', value: 'v' }] }, { issues: [{ label: 'a', value: 'v' }], message: 7 }, { issues: [{ label: 'a', value: 'v' }], extra: true }, [], 'x', { issues: [{ label: 'x'.repeat(256), value: 'v' }] }]) {
      const response = await report(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json()).toMatchObject({ payload: null, error: { code: 'validation_failed', message: expect.any(String) } });
    }
    expect((await report({ issues: [] })).json().error.details.fields.issues[0]).toMatch(/at least 1/);
    const malformed = await t.app.inject({ method: 'POST', url: `${who.path}/task/task_1/report`, headers: { ...bearer(who.key), 'content-type': 'application/json' }, payload: '{"issues": [' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ payload: null, error: { code: 'bad_request' } });
    expect((await call('POST', `${who.path}/task/task_1/report`, undefined, REPORT)).statusCode).toBe(401);
    expect((await report(REPORT, 'intake_ws_forged0000000000000000000000000000000')).statusCode).toBe(401);
    const other = await team();
    for (const url of [`${who.path}/task/task_1/report`, `${who.path}/task/task_1`]) {
      const foreign = await call(url.endsWith('report') ? 'POST' : 'GET', url, other.key, url.endsWith('report') ? REPORT : undefined);
      expect(foreign.statusCode, url).toBe(404);
    }
    expect((await call('POST', `${who.path}/task/task_unknown/report`, who.key, REPORT)).statusCode).toBe(404);
    expect((await call('POST', `/v2/${who.workspace.id}/project/prj_nope/task/task_1/report`, who.key, REPORT)).statusCode).toBe(404);
    expect((await call('POST', `/v2/ws_nope/project/${who.project.publicId}/task/task_1/report`, who.key, REPORT)).statusCode).toBe(404);
    expect((await call('GET', `${who.path}/task/${'x'.repeat(300)}`, who.key)).statusCode).toBe(404);
    expect(await t.app.services.prisma.taskReport.count({ where: { projectId: who.project.id } })).toBe(0); // nothing half-written
  });

  it('checks scopes in both spellings: task.read reads, task.edit / tasks.edit report', async () => {
    const reader = await team(['task.read']);
    await call('PUT', `${reader.path}/task/task_1`, (await createToken(t.operator, { kind: 'WORKSPACE', name: 'w', workspace: reader.workspace.slug, abilities: ['task.edit'] })).secret, DOCUMENTED_TASK);
    expect((await call('GET', `${reader.path}/task/task_1`, reader.key)).statusCode).toBe(200);
    expect((await call('POST', `${reader.path}/task/task_1/report`, reader.key, REPORT)).statusCode).toBe(403);
    const plural = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'p', workspace: reader.workspace.slug, abilities: ['tasks.edit'] })).secret;
    expect((await call('POST', `${reader.path}/task/task_1/report`, plural, REPORT)).statusCode).toBe(200);
    const reportsOnly = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'r', workspace: reader.workspace.slug, abilities: ['report:create'] })).secret;
    expect((await call('GET', `${reader.path}/task/task_1`, reportsOnly)).statusCode).toBe(403);
  });
});

/** An export hook answering the scripted statuses in turn (then 200). */
function exportReceiver(statuses: number[]) {
  const received: Array<{ body: string; signature: string }> = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ body, signature: String(request.headers['x-intake-signature']) });
      response.statusCode = statuses.shift() ?? 200;
      response.end();
    });
  });
  return {
    received,
    url: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/export`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the export hook', () => {
  it('answers 207 when the export fails, keeps the report, and the queue retries it into exported_at', async () => {
    const who = await team();
    const receiver = exportReceiver([500]);
    const configured = await call('PUT', `${who.path}/export`, who.adminToken, { url: await receiver.url() });
    expect(configured.statusCode).toBe(200);
    expect(configured.json().payload.secret).toMatch(/^whsec_/);
    try {
      await call('PUT', `${who.path}/task/task_1`, who.key, DOCUMENTED_TASK);
      const failed = await call('POST', `${who.path}/task/task_1/report`, who.key, REPORT);
      expect(failed.statusCode).toBe(207);
      expect(failed.json()).toMatchObject({ payload: { id: 'task_1', status: 'REVIEWING', exported_at: null, export_failed_at: expect.any(String) }, error: { code: 'export_failed', message: expect.stringContaining('500') } });
      expect(receiver.received).toHaveLength(1);
      expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ task: { id: 'task_1' }, report: { issues: REPORT.issues, message: REPORT.message } });
      expect(receiver.received[0]!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      // Not due yet; then retried by the durable queue.
      await runDueQueuedJobs(t.app.services, JOB_KINDS);
      expect(receiver.received).toHaveLength(1);
      t.clock.advance(61_000);
      await runDueQueuedJobs(t.app.services, JOB_KINDS);
      expect(receiver.received).toHaveLength(2);
      const task = (await call('GET', `${who.path}/task/task_1`, who.key)).json().payload;
      expect(task.exported_at).not.toBeNull();
      expect((await call('GET', `${who.path}/task/task_1/reports`, who.key)).json().payload[0]).toMatchObject({ export_status: 'exported' });
      // A working hook: 200 at once, and nothing left to retry.
      const ok = await call('POST', `${who.path}/task/task_1/report`, who.key, REPORT);
      expect(ok.statusCode).toBe(200);
      expect(ok.json().error).toBeNull();
      t.clock.advance(61_000);
      await runDueQueuedJobs(t.app.services, JOB_KINDS);
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });
});

describe('state changes', () => {
  it('follows the documented rules and answers 409 when refused', async () => {
    const who = await team();
    const task = `${who.path}/task/task_s`;
    await call('PUT', task, who.key, { ...DOCUMENTED_TASK, locked: true });
    const act = (action: string) => call('POST', `${task}/${action}`, who.key);
    expect((await act('approve')).json().payload.approved).toBe(true);
    expect((await act('approve')).statusCode).toBe(409);
    expect((await act('disapprove')).json().payload.approved).toBe(false);
    expect((await act('disapprove')).statusCode).toBe(409);
    expect((await act('unlock')).statusCode).toBe(200);
    expect((await act('unlock')).statusCode).toBe(409);
    const completed = await act('complete');
    expect(completed.statusCode).toBe(200);
    expect(completed.json()).toMatchObject({ payload: { status: 'PROCESSING' }, message: expect.any(String), error: null });
    const refused = await act('complete');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ payload: null, error: { code: 'conflict', message: expect.stringContaining('REVIEWING') } });
    expect((await act('approve')).statusCode).toBe(409); // not while PROCESSING
    expect((await act('discard')).statusCode).toBe(409);
    await call('PUT', task, who.key, { ...DOCUMENTED_TASK, status: 'REVIEWING' });
    expect((await act('discard')).json().payload.status).toBe('DISCARDED');
    // Registration is validated: four points, confidences in 0..1, known statuses.
    for (const bad of [
      { ...DOCUMENTED_TASK, status: 'DONE' },
      { ...DOCUMENTED_TASK, pages: [{ ...DOCUMENTED_TASK.pages[0], segments: [{ id: 's', confidence: 0.5, coordinates: [[0, 0], [1, 1], [2, 2]] }] }] },
      { ...DOCUMENTED_TASK, pages: [{ ...DOCUMENTED_TASK.pages[0], annotations: [{ ...DOCUMENTED_TASK.pages[0]!.annotations[0], confidence: 1.5 }] }] },
      { ...DOCUMENTED_TASK, name: '' },
    ]) {
      expect((await call('PUT', task, who.key, bad)).statusCode).toBe(400);
    }
  });

  it('stores every one of 20 concurrent reports on one task', async () => {
    const who = await team();
    await call('PUT', `${who.path}/task/task_c`, who.key, DOCUMENTED_TASK);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call('POST', `${who.path}/task/task_c/report`, who.key, { issues: [{ label: `Issue ${i}`, value: `v${i}` }] })));
    expect(answers.every((answer) => answer.statusCode === 200)).toBe(true);
    const stored = await t.app.services.prisma.task.findFirstOrThrow({ where: { projectId: who.project.id, taskId: 'task_c' }, include: { reports: true } });
    expect(stored.reports).toHaveLength(20);
    expect(stored.reportCount).toBe(20);
  });
});

describe('GraphQL', () => {
  it('lists tasks by reported, reads one with its reports, reports it, and promotes a report into an issue', async () => {
    const who = await team();
    await call('PUT', `${who.path}/task/task_a`, who.key, DOCUMENTED_TASK);
    await call('PUT', `${who.path}/task/task_b`, who.key, { ...DOCUMENTED_TASK, name: 'Other' });
    await call('POST', `${who.path}/task/task_a/report`, who.key, REPORT);
    const list = await graphql(t.app, `query ($p: ID!) { project(id: $p) { tasks(first: 10, filter: { reported: true }) { totalCount nodes { id taskId reportCount } } all: tasks(first: 10) { totalCount } } }`, { p: String(who.project.id) }, who.adminToken);
    expect(list.errors).toBeUndefined();
    expect(list.data.project.tasks).toMatchObject({ totalCount: 1, nodes: [{ taskId: 'task_a', reportCount: 1 }] });
    expect(list.data.project.all.totalCount).toBe(2);
    const taskId = list.data.project.tasks.nodes[0].id;
    const reported = await graphql(
      t.app,
      `mutation ($id: ID!) { reportTask(input: { taskId: $id, issues: [{ label: "Missing Information", value: "missing_info" }], message: "no total" }) { exported exportError task { reportCount status } taskReport { id issues { label value } } userErrors { message } } }`,
      { id: taskId },
      who.adminToken,
    );
    expect(reported.data.reportTask).toMatchObject({ exported: false, exportError: null, task: { reportCount: 2, status: 'REVIEWING' }, taskReport: { issues: [{ label: 'Missing Information', value: 'missing_info' }] } });
    const empty = await graphql(t.app, `mutation ($id: ID!) { reportTask(input: { taskId: $id, issues: [] }) { userErrors { code field message } } }`, { id: taskId }, who.adminToken);
    expect(empty.data.reportTask.userErrors).toMatchObject([{ code: 'VALIDATION_FAILED', field: ['issues'] }]);
    const reportId = reported.data.reportTask.taskReport.id;
    const promoted = await graphql(t.app, `mutation ($id: ID!) { promoteTaskReport(input: { id: $id }) { issue { title } taskReport { issue { title } } userErrors { code } } }`, { id: reportId }, who.adminToken);
    expect(promoted.data.promoteTaskReport.issue.title).toContain('Missing Information');
    const task = await graphql(t.app, `query ($id: ID!) { task(id: $id) { name reports { message reportedBy issue { title } } } }`, { id: taskId }, who.adminToken);
    expect(task.data.task.reports).toHaveLength(2);
    const other = await team();
    expect((await graphql(t.app, `query ($id: ID!) { task(id: $id) { name } }`, { id: taskId }, other.memberToken)).data.task).toBeNull();
  });
});
