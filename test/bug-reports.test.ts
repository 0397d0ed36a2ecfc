// The Raven Docs Bug Reports API (REST, every curl of the reference) and its GraphQL twin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/graphql/node.ts';
import { bearer, createTestApp, graphql, successData, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';
import { graphql as gql } from './gql/index.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
const HOUR = 60 * 60 * 1000;
const MINUTE = 60 * 1000;

beforeAll(async () => {
  // The concurrency tests alone send more than the 300/min a token may.
  t = await createTestApp({ rateLimits: { bug_reports: 100_000 } });
  seed = await seedWorkspace(t.operator);
});
afterAll(() => t.close());

/** The reference's curl: POST JSON with a bearer key. */
function call(verb: string, body: unknown, secret: string | null = seed.adminToken, prefix = '/api') {
  return t.app.inject({
    method: 'POST',
    url: `${prefix}/bug-reports/${verb}`,
    headers: { 'content-type': 'application/json', ...(secret ? bearer(secret) : {}) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function ok(verb: string, body: unknown, secret?: string | null, status = 200) {
  const response = await call(verb, body, secret);
  expect({ status: response.statusCode, body: response.json() }).toMatchObject({ status, body: { success: true, status } });
  expect(response.headers['x-request-id']).toBeTruthy();
  return response.json().data;
}

describe('the documented curls', () => {
  /** The reference's create example: each test files its own, so tests run alone and in any order. */
  const createExample = (): Promise<{ id: string }> =>
    ok('create', {
      title: 'Export button not working',
      description: 'When clicking Export on pages with tables, nothing happens',
      source: 'user:command',
      severity: 'high',
      spaceId: 'space_456',
      context: { pageId: 'page_789' },
    }, undefined, 201);

  it('create: a user:command report, 201, severity and status defaulted', async () => {
    const created = await createExample();
    expect(created).toEqual({ id: expect.stringMatching(/^bug_/), title: 'Export button not working', source: 'user:command', severity: 'high', status: 'open', createdAt: expect.any(String) });
    const plain = await ok('create', { title: 'Defaults', source: 'user:command' }, undefined, 201);
    expect(plain).toMatchObject({ severity: 'medium', status: 'open' });
  });

  it('auto: a captured client error, detected severity, generated title, redacted context', async () => {
    const report = await ok('auto', {
      source: 'auto:client',
      errorMessage: 'Cannot read property "length" of undefined',
      errorStack: 'TypeError: Cannot read property...',
      context: { url: 'https://app.example.com/pages/123', userAgent: 'Mozilla/5.0...', authToken: 'abc', nested: [{ password: 'x', ok: 1 }] },
    }, undefined, 201);
    expect(report).toMatchObject({
      source: 'auto:client', severity: 'low', status: 'open', title: 'Cannot read property "length" of undefined', occurrenceCount: 1,
      context: { url: 'https://app.example.com/pages/123', userAgent: 'Mozilla/5.0...', authToken: '[REDACTED]', nested: [{ password: '[REDACTED]', ok: 1 }] },
    });
  });

  it('get: the full object with its reporter; unknown ids are 404', async () => {
    const created = await createExample();
    const report = await ok('get', { bugReportId: created.id });
    expect(Object.keys(report).sort()).toEqual([
      'context', 'createdAt', 'description', 'errorCode', 'errorMessage', 'errorStack', 'id', 'metadata', 'occurredAt', 'occurrenceCount',
      'reporter', 'reporterId', 'resolvedAt', 'severity', 'source', 'spaceId', 'status', 'title', 'updatedAt', 'userJourney', 'workspaceId',
    ]);
    expect(report.reporter).toEqual({ id: seed.admin.id, name: 'Ada Admin', avatarUrl: null });
    expect(report.context).toEqual({ pageId: 'page_789' });
    const missing = await call('get', { bugReportId: 'bug_abc123' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ success: false, status: 404, error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('list: filters as in the example', async () => {
    const created = await createExample();
    const data = await ok('list', { status: 'open', severity: 'high', limit: 10 });
    expect(data.items.map((i: { id: string }) => i.id)).toContain(created.id);
    expect(data.items.every((i: { severity: string; status: string }) => i.severity === 'high' && i.status === 'open')).toBe(true);
    expect(data.meta).toEqual({ page: 1, limit: 10, hasNextPage: false, hasPrevPage: false });
  });

  it('update: resolved stamps resolvedAt, which later changes keep', async () => {
    const created = await createExample();
    t.clock.advance(MINUTE);
    const resolved = await ok('update', { bugReportId: created.id, status: 'resolved' });
    expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: t.clock.now().toISOString() });
    const reopened = await ok('update', { bugReportId: created.id, status: 'open', title: 'Export broken' });
    expect(reopened).toMatchObject({ status: 'open', title: 'Export broken', resolvedAt: resolved.resolvedAt });
    expect((await call('update', { bugReportId: 'bug_nope', status: 'open' })).statusCode).toBe(404);
  });

  it('delete: soft — gone from get and list, still in the table', async () => {
    const created = await createExample();
    expect(await ok('delete', { bugReportId: created.id })).toBeNull();
    expect((await call('get', { bugReportId: created.id })).statusCode).toBe(404);
    const data = await ok('list', { limit: 100 });
    expect(data.items.map((i: { id: string }) => i.id)).not.toContain(created.id);
    expect((await t.db.prisma.bugReport.findUniqueOrThrow({ where: { id: created.id } })).deletedAt).not.toBeNull();
    expect((await call('delete', { bugReportId: created.id })).statusCode).toBe(404);
  });

  it('answers under /api/v1 as well', async () => {
    const response = await call('list', {}, seed.adminToken, '/api/v1');
    expect(response.statusCode).toBe(200);
    expect(response.json().success).toBe(true);
  });
});

describe('who may call what', () => {
  it('refuses members everything but auto (403), and anonymous callers (401)', async () => {
    for (const verb of ['list', 'get', 'create', 'update', 'delete']) {
      const response = await call(verb, { bugReportId: 'bug_x', title: 'x', source: 'user:command' }, seed.memberToken);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ success: false, status: 403, error: { code: 'FORBIDDEN' } });
    }
    expect((await call('auto', { source: 'auto:server', errorMessage: 'member saw this' }, seed.memberToken)).statusCode).toBe(201);
    const anonymous = await call('list', {}, null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
  });

  it('lets project tokens with bug-reports:write use auto only, filed in their workspace', async () => {
    const token = await projectToken(t.operator, seed.project.id, ['bug-reports:write']);
    const report = await ok('auto', { source: 'auto:server', errorMessage: 'from a token' }, token.secret, 201);
    expect(Object.keys(report).sort()).toEqual(['createdAt', 'id', 'occurrenceCount', 'severity', 'source', 'status', 'title']);
    expect(await t.db.prisma.bugReport.findUniqueOrThrow({ where: { id: report.id } })).toMatchObject({ workspaceId: seed.workspace.id, reporterId: null });
    expect((await call('list', {}, token.secret)).statusCode).toBe(403);
    const other = await projectToken(t.operator, seed.project.id, ['report:create']);
    expect((await call('auto', { source: 'auto:server', errorMessage: 'x' }, other.secret)).statusCode).toBe(403);
  });
});

describe('bad input', () => {
  it.each([
    ['create', { title: 'x', source: 'user:typo' }, 'source'],
    ['create', { title: 'x', source: 'user:command', severity: 'urgent' }, 'severity'],
    ['create', { source: 'user:command' }, 'title'],
    ['create', { title: 'x'.repeat(501), source: 'user:command' }, 'title'],
    ['create', { title: 42, source: 'user:command' }, 'title'],
    ['auto', { source: 'user:command', errorMessage: 'x' }, 'source'],
    ['auto', { source: 'auto:server', errorMessage: 'x'.repeat(10_001) }, 'errorMessage'],
    ['auto', { source: 'auto:server', errorCode: 'x'.repeat(101) }, 'errorCode'],
    ['auto', { source: 'auto:server', context: 'not an object' }, 'context'],
    ['list', { status: 'done' }, 'status'],
    ['list', { limit: 101 }, 'limit'],
    ['list', { page: 0 }, 'page'],
    ['list', { fromDate: 'yesterday' }, 'fromDate'],
    ['update', { bugReportId: 'bug_x', status: 'fixed' }, 'status'],
  ])('%s %j → 422 naming %s', async (verb, body, field) => {
    const response = await call(verb, body);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ success: false, status: 422, error: { code: 'VALIDATION_ERROR', details: { fields: { [field]: expect.any(Array) } } } });
  });

  it('rejects malformed JSON without a 500', async () => {
    const response = await call('create', '{"title": ');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ success: false, status: 400, error: { code: 'INVALID_PARAMETER' } });
  });

  it('answers unknown verbs with a 404 in the same envelope', async () => {
    const response = await call('archive', {});
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ success: false, status: 404 });
  });
});

describe('list filters and pages', () => {
  let workspaceId: string;
  const base = new Date('2026-03-01T12:00:00.000Z');

  beforeAll(async () => {
    const own = await seedWorkspace(t.operator);
    workspaceId = own.workspace.id;
    const kinds = [
      ['auto:server', 'critical'], ['auto:client', 'low'], ['auto:agent', 'medium'], ['auto:server', 'high'], ['auto:client', 'high'],
    ] as const;
    for (const [i, [source, severity]] of kinds.entries()) {
      await ok('auto', { source, severity, workspaceId, errorMessage: `filter case ${i}`, occurredAt: new Date(base.getTime() + i * HOUR).toISOString() }, undefined, 201);
    }
  });

  const list = (body: Record<string, unknown>) => ok('list', { workspaceId, ...body });

  it('filters by source, severity, status and workspace, newest occurrence first', async () => {
    const all = await list({});
    expect(all.items.map((i: { title: string }) => i.title)).toEqual(['filter case 4', 'filter case 3', 'filter case 2', 'filter case 1', 'filter case 0']);
    expect((await list({ source: 'auto:client' })).items.map((i: { title: string }) => i.title)).toEqual(['filter case 4', 'filter case 1']);
    expect((await list({ severity: 'high' })).items).toHaveLength(2);
    expect((await list({ status: 'triaged' })).items).toHaveLength(0);
    expect((await ok('list', { workspaceId: 'ws_nobody' })).items).toHaveLength(0);
  });

  it('treats fromDate and toDate as inclusive bounds on occurredAt', async () => {
    const at = (i: number) => new Date(base.getTime() + i * HOUR).toISOString();
    expect((await list({ fromDate: at(1), toDate: at(3) })).items.map((i: { title: string }) => i.title)).toEqual(['filter case 3', 'filter case 2', 'filter case 1']);
    expect((await list({ toDate: '2026-03-01' })).items).toHaveLength(5); // a date-only bound covers its day
    expect((await list({ fromDate: '2026-03-02' })).items).toHaveLength(0);
  });

  it('reports hasNextPage and hasPrevPage right at every boundary', async () => {
    const pages = [];
    for (let page = 1; page <= 4; page++) pages.push((await list({ limit: 2, page })).meta);
    expect(pages).toEqual([
      { page: 1, limit: 2, hasNextPage: true, hasPrevPage: false },
      { page: 2, limit: 2, hasNextPage: true, hasPrevPage: true },
      { page: 3, limit: 2, hasNextPage: false, hasPrevPage: true },
      { page: 4, limit: 2, hasNextPage: false, hasPrevPage: true },
    ]);
    expect((await list({ limit: 5 })).meta.hasNextPage).toBe(false);
    expect((await list({ limit: 4 })).meta.hasNextPage).toBe(true);
    expect((await list({ limit: 100 })).meta.limit).toBe(100);
    expect((await list({})).meta.limit).toBe(20);
  });
});

describe('auto dedup', () => {
  const auto = (errorMessage: string, extra: Record<string, unknown> = {}) => call('auto', { source: 'auto:server', errorMessage, ...extra });

  it('merges within 24 h of the first occurrence (23:59 yes, 24:01 no)', async () => {
    const first = await auto('Database connection refused');
    expect(first.statusCode).toBe(201);
    expect(first.json().data).toMatchObject({ severity: 'critical', occurrenceCount: 1 });
    t.clock.advance(23 * HOUR + 59 * MINUTE);
    const repeat = await auto('Database connection refused');
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json().data).toMatchObject({ id: first.json().data.id, occurrenceCount: 1 }); // as read before the increment
    t.clock.advance(2 * MINUTE); // 24:01 after the first occurrence: the window does not slide
    const fresh = await auto('Database connection refused');
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json().data.id).not.toBe(first.json().data.id);
    expect((await t.db.prisma.bugReport.findUniqueOrThrow({ where: { id: first.json().data.id } })).occurrenceCount).toBe(2);
  });

  it('does not merge other sources, resolved reports, or deleted ones', async () => {
    const first = (await auto('Request timeout in worker')).json().data;
    expect((await call('auto', { source: 'auto:client', errorMessage: 'Request timeout in worker' })).statusCode).toBe(201);
    await ok('update', { bugReportId: first.id, status: 'resolved' });
    const afterResolve = await auto('Request timeout in worker');
    expect(afterResolve.statusCode).toBe(201);
    await ok('delete', { bugReportId: afterResolve.json().data.id });
    expect((await auto('Request timeout in worker')).statusCode).toBe(201);
  });

  it('merges concurrent reports of several errors, each into its own row', async () => {
    const messages = ['alpha', 'beta', 'gamma'].map((m) => `${m} failure ${Date.now()}`);
    const responses = await Promise.all(messages.flatMap((message) => Array.from({ length: 30 }, () => auto(message))));
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(3);
    const rows = await t.db.prisma.bugReport.findMany({ where: { errorMessage: { in: messages } }, orderBy: { errorMessage: 'asc' } });
    expect(rows.map((r) => [r.errorMessage, r.occurrenceCount])).toEqual([...messages].sort().map((m) => [m, 30]));
  });

  it('merges 200 concurrent identical reports into one row counted 200 times', async () => {
    const message = `Concurrent failure ${Date.now()}`;
    const responses = await Promise.all(Array.from({ length: 200 }, () => auto(message)));
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(199);
    const rows = await t.db.prisma.bugReport.findMany({ where: { errorMessage: message } });
    expect(rows.map((r) => r.occurrenceCount)).toEqual([200]);
  });
});

const RECORD = gql(`mutation Record($source: String!, $summary: String!) { recordActivity(input: { source: $source, summary: $summary }) { activity { id } userErrors { code } } }`);
const REPORT_ERROR = gql(`
  mutation ReportError($source: BugReportSource!, $errorMessage: String) {
    reportError(input: { source: $source, errorMessage: $errorMessage }) { created summary { id databaseId occurrenceCount } bugReport { id occurrenceCount userJourney reporter { id } } userErrors { code message } }
  }`);
const BUG_REPORTS = gql(`
  query BugReports($filter: BugReportFilter, $first: Int, $after: String) {
    bugReports(filter: $filter, first: $first, after: $after) { edges { node { id title source severity status } } pageInfo { hasNextPage endCursor } }
  }`);
const UPDATE = gql(`mutation UpdateBug($id: ID!, $status: BugStatus) { updateBugReport(input: { id: $id, status: $status }) { bugReport { status resolvedAt } userErrors { code } } }`);
const PROMOTE = gql(`mutation PromoteBug($id: ID!, $project: ID!) { promoteBugReport(input: { id: $id, project: $project }) { issue { id title } bugReport { issue { id } } userErrors { code message } } }`);
const DELETE = gql(`mutation DeleteBug($id: ID!) { deleteBugReport(input: { id: $id }) { deletedBugReportId userErrors { code } } }`);

describe('GraphQL', () => {
  it('attaches the reporter’s last 30 minutes of activity to reports they file', async () => {
    await graphql(t.app, RECORD, { source: 'page-view', summary: 'Opened the board (old)' }, seed.memberToken);
    t.clock.advance(31 * MINUTE);
    await graphql(t.app, RECORD, { source: 'page-view', summary: 'Opened page Roadmap' }, seed.memberToken);
    const result = successData((await graphql(t.app, REPORT_ERROR, { source: 'AUTO_CLIENT', errorMessage: `journey ${Date.now()}` }, seed.memberToken)).data.reportError);
    expect(result.created).toBe(true);
    expect(result.bugReport).toBeNull(); // members read the summary only
    const stored = await t.db.prisma.bugReport.findUniqueOrThrow({ where: { id: result.summary.databaseId } });
    expect(result.summary.id).toBe(encodeGlobalId('BugReport', stored.id));
    expect(stored.reporterId).toBe(seed.member.id);
    const journey = stored.userJourney as { recentActions: Array<{ summary: string }>; sessionStartedAt: string };
    expect(journey.recentActions.map((a) => a.summary)).toEqual(['Opened page Roadmap']);
    expect(journey.sessionStartedAt).toBe(t.clock.now().toISOString());
  });

  it('shares the service: same dedup, same permissions, same errors', async () => {
    const message = `graphql dedup ${Date.now()}`;
    const first = successData((await graphql(t.app, REPORT_ERROR, { source: 'AUTO_SERVER', errorMessage: message }, seed.adminToken)).data.reportError);
    const again = successData((await graphql(t.app, REPORT_ERROR, { source: 'AUTO_SERVER', errorMessage: message }, seed.adminToken)).data.reportError);
    expect([first.created, again.created, again.bugReport!.id]).toEqual([true, false, first.bugReport!.id]);
    const wrongSource = (await graphql(t.app, REPORT_ERROR, { source: 'USER_COMMAND', errorMessage: 'x' }, seed.adminToken)).data.reportError;
    expect(wrongSource?.userErrors).toMatchObject([{ code: 'VALIDATION_FAILED' }]);
    const memberList = await graphql(t.app, BUG_REPORTS, {}, seed.memberToken);
    expect(memberList.errors?.[0]?.extensions?.code).toBe('forbidden');
    const memberUpdate = (await graphql(t.app, UPDATE, { id: first.bugReport!.id, status: 'RESOLVED' }, seed.memberToken)).data.updateBugReport;
    expect(memberUpdate?.userErrors).toMatchObject([{ code: 'FORBIDDEN' }]);
  });

  it('lists with a filter and pages through a connection', async () => {
    for (let i = 0; i < 3; i++) {
      successData((await graphql(t.app, REPORT_ERROR, { source: 'AUTO_SERVER', errorMessage: `paged ${i} ${Date.now()}` }, seed.adminToken)).data.reportError);
    }
    const page = (await graphql(t.app, BUG_REPORTS, { filter: { source: 'AUTO_SERVER' }, first: 2 }, seed.adminToken)).data.bugReports!;
    expect(page.edges).toHaveLength(2);
    expect(page.edges.every((e) => e.node.source === 'AUTO_SERVER')).toBe(true);
    const next = (await graphql(t.app, BUG_REPORTS, { filter: { source: 'AUTO_SERVER' }, first: 2, after: page.pageInfo.endCursor }, seed.adminToken)).data.bugReports!;
    expect(next.edges.map((e) => e.node.id)).not.toContain(page.edges[0]!.node.id);
  });

  it('updates, promotes into an issue once, and deletes', async () => {
    const id = (await ok('create', { title: 'Promote me', source: 'user:command', workspaceId: seed.workspace.id }, undefined, 201)).id;
    const updated = successData((await graphql(t.app, UPDATE, { id, status: 'RESOLVED' }, seed.adminToken)).data.updateBugReport);
    expect(updated).toMatchObject({ status: 'RESOLVED', resolvedAt: expect.any(String) });
    const promoted = successData((await graphql(t.app, PROMOTE, { id, project: String(seed.project.id) }, seed.adminToken)).data.promoteBugReport);
    expect(promoted.issue.title).toBe('Promote me');
    expect(promoted.bugReport.issue?.id).toBe(promoted.issue.id);
    expect((await graphql(t.app, PROMOTE, { id, project: String(seed.project.id) }, seed.adminToken)).data.promoteBugReport?.userErrors).toMatchObject([{ code: 'VALIDATION_FAILED' }]);
    expect(successData((await graphql(t.app, DELETE, { id }, seed.adminToken)).data.deleteBugReport)).toBe(encodeGlobalId('BugReport', id));
    expect((await graphql(t.app, DELETE, { id }, seed.adminToken)).data.deleteBugReport?.userErrors).toMatchObject([{ code: 'NOT_FOUND' }]);
  });
});

describe('rate limit', () => {
  it('answers 429 RATE_LIMITED with Retry-After, limit and reset_at; rate headers on every response', async () => {
    const limited = await createTestApp({ rateLimits: { bug_reports: 1 } });
    try {
      const own = await seedWorkspace(limited.operator);
      const send = () => limited.app.inject({ method: 'POST', url: '/api/bug-reports/list', headers: { 'content-type': 'application/json', ...bearer(own.adminToken) }, payload: {} });
      const first = await send();
      expect(first.statusCode).toBe(200);
      expect(first.headers['x-ratelimit-limit']).toBe('1');
      const refused = await send();
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.json()).toMatchObject({ success: false, status: 429, error: { code: 'RATE_LIMITED', details: { limit: 1, reset_at: expect.any(Number) } } });
    } finally {
      await limited.close();
    }
  });
});
