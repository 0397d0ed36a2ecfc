// Conformance: the Raven Docs Bug Reports API (seeds/001, bug-reports-api.md), black-box through
// /api/bug-reports/<verb>. Each test seeds its own workspace and admin, so it runs alone with -t.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../helpers.ts';
import { projectToken, seedWorkspace } from '../fixtures.ts';
import { createToken } from '../../src/modules/workspaces/service.ts';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ rateLimits: { bug_reports: 100_000 } });
});
afterAll(() => t.close());

/** The reference's curl: POST JSON with a bearer key. A string body is sent as is (raw JSON text). */
function call(verb: string, body: unknown, secret: string | null) {
  return t.app.inject({
    method: 'POST',
    url: `/api/bug-reports/${verb}`,
    headers: { 'content-type': 'application/json', ...(secret ? bearer(secret) : {}) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A successful call: the raven success envelope with the expected status; returns `data`. */
async function ok(verb: string, body: unknown, secret: string, status = 200) {
  const response = await call(verb, body, secret);
  expect({ status: response.statusCode, body: response.json() }).toMatchObject({ status, body: { success: true, status } });
  return response.json().data;
}

/** A 422 in the raven envelope; returns details.fields. */
async function invalid(verb: string, body: unknown, secret: string): Promise<Record<string, string[]>> {
  const response = await call(verb, body, secret);
  expect({ status: response.statusCode, body: response.json() }).toMatchObject({
    status: 422,
    body: { success: false, status: 422, error: { code: 'VALIDATION_ERROR', details: { fields: expect.any(Object) } } },
  });
  return response.json().error.details.fields;
}

const ids = (data: { items: Array<{ id: string }> }) => data.items.map((item) => item.id);

describe('update: resolvedAt', () => {
  it('"When status is set to resolved, the resolvedAt timestamp is automatically set": stamped at every change to resolved, never cleared on reopen', async () => {
    const { adminToken } = await seedWorkspace(t.operator);
    const { id } = await ok('create', { title: 'Resolve me twice', source: 'user:command' }, adminToken, 201);

    t.clock.advance(MINUTE);
    const firstResolve = t.clock.now().toISOString();
    expect(await ok('update', { bugReportId: id, status: 'resolved' }, adminToken)).toMatchObject({ status: 'resolved', resolvedAt: firstResolve });

    t.clock.advance(MINUTE);
    expect(await ok('update', { bugReportId: id, status: 'open' }, adminToken)).toMatchObject({ status: 'open', resolvedAt: firstResolve });

    t.clock.advance(MINUTE);
    const secondResolve = t.clock.now().toISOString();
    expect(await ok('update', { bugReportId: id, status: 'resolved' }, adminToken)).toMatchObject({ status: 'resolved', resolvedAt: secondResolve });
    expect(await ok('get', { bugReportId: id }, adminToken)).toMatchObject({ status: 'resolved', resolvedAt: secondResolve });
  });
});

describe('required fields are named', () => {
  it.each(['get', 'delete'])('"bugReportId: string, required": %s {} names bugReportId in details.fields, not body', async (verb) => {
    const { adminToken } = await seedWorkspace(t.operator);
    const fields = await invalid(verb, {}, adminToken);
    expect(fields).not.toHaveProperty('body');
    expect(fields.bugReportId).toEqual(['The bugReportId field is required.']);
  });

  it('"source: string, required" (create): a create without source reads "The source field is required." like other required fields', async () => {
    const { adminToken } = await seedWorkspace(t.operator);
    expect((await invalid('create', { title: 'No source' }, adminToken)).source).toEqual(['The source field is required.']);
    const both = await invalid('create', {}, adminToken);
    expect(both.title).toEqual(['The title field is required.']);
    expect(both.source).toEqual(['The source field is required.']);
  });
});

describe('dates are ISO 8601', () => {
  it.each(['1', '12', 'Tuesday, 1 Dec 2026', '02/14/2025'])('"occurredAt: ISO string": occurredAt %j is not ISO 8601 → 422 naming occurredAt', async (occurredAt) => {
    const { adminToken } = await seedWorkspace(t.operator);
    const fields = await invalid('auto', { source: 'auto:server', errorMessage: `non-iso ${occurredAt} ${Math.random()}`, occurredAt }, adminToken);
    expect(fields.occurredAt).toEqual([expect.any(String)]);
  });

  it('"occurredAt: ISO string": a date-time without an offset is read as UTC, whatever the server’s time zone', async () => {
    const { adminToken } = await seedWorkspace(t.operator);
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York'; // a host not on UTC must not shift the instant
    try {
      const report = await ok('auto', { source: 'auto:server', errorMessage: `no offset ${Math.random()}`, occurredAt: '2026-01-02T03:04:05' }, adminToken, 201);
      expect(report.occurredAt).toBe('2026-01-02T03:04:05.000Z');
      expect((await ok('get', { bugReportId: report.id }, adminToken)).occurredAt).toBe('2026-01-02T03:04:05.000Z');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('"toDate: filter to date (ISO 8601)": a partial toDate ("2025-02") covers its whole period, as a date-only one does', async () => {
    const { adminToken, workspace } = await seedWorkspace(t.operator);
    const workspaceId = workspace.id;
    const inFebruary = await ok('auto', { source: 'auto:server', workspaceId, errorMessage: `february ${Math.random()}`, occurredAt: '2025-02-20T12:00:00.000Z' }, adminToken, 201);
    const inMarch = await ok('auto', { source: 'auto:server', workspaceId, errorMessage: `march ${Math.random()}`, occurredAt: '2025-03-01T00:00:00.000Z' }, adminToken, 201);

    expect(ids(await ok('list', { workspaceId, toDate: '2025-02-20' }, adminToken))).toEqual([inFebruary.id]); // the date-only form, for comparison
    expect(ids(await ok('list', { workspaceId, toDate: '2025-02' }, adminToken))).toEqual([inFebruary.id]);
    expect(ids(await ok('list', { workspaceId, toDate: '2025-03' }, adminToken))).toEqual([inMarch.id, inFebruary.id]);
  });
});

describe('occurredAt in the future', () => {
  it('"occurredAt: when the error occurred (default: now)": one beyond a small clock skew (now + 3 days) is clamped to the receive time', async () => {
    const { adminToken } = await seedWorkspace(t.operator);
    const receivedAt = t.clock.now();
    const occurredAt = new Date(receivedAt.getTime() + 3 * DAY).toISOString();
    const report = await ok('auto', { source: 'auto:server', errorMessage: `from the future ${Math.random()}`, occurredAt }, adminToken, 201);
    expect(report.occurredAt).toBe(receivedAt.toISOString());
    expect((await ok('get', { bugReportId: report.id }, adminToken)).occurredAt).toBe(receivedAt.toISOString());
  });
});

describe('free-form JSON', () => {
  // Raw JSON text: the escape reaches the server as written, a lone high surrogate.
  const LONE_SURROGATE = '{"a":"\\ud800"}';
  it.each([
    ['auto', 'context', `{"source":"auto:server","context":${LONE_SURROGATE}}`],
    ['auto', 'metadata', `{"source":"auto:server","metadata":${LONE_SURROGATE}}`],
    ['create', 'context', `{"title":"Surrogate","source":"user:command","context":${LONE_SURROGATE}}`],
  ])('"context/metadata: object": a lone UTF-16 surrogate in %s %s is not a 500 (stored as U+FFFD, or a 422)', async (verb, field, payload) => {
    const { adminToken } = await seedWorkspace(t.operator);
    const response = await call(verb, payload, adminToken);
    expect(response.statusCode).toBeLessThan(500);
    if (response.statusCode === 422) {
      expect(response.json()).toMatchObject({ success: false, status: 422, error: { code: 'VALIDATION_ERROR', details: { fields: { [field]: expect.any(Array) } } } });
      return;
    }
    expect(response.statusCode).toBeGreaterThanOrEqual(200);
    expect(response.statusCode).toBeLessThan(300);
    const stored = await ok('get', { bugReportId: response.json().data.id }, adminToken);
    expect(stored[field].a).toContain('\ufffd');
  });
});

describe('expired keys', () => {
  it('"401 TOKEN_EXPIRED: expired key": an admin API key past its expiresAt → 401 TOKEN_EXPIRED in the raven envelope', async () => {
    const { admin } = await seedWorkspace(t.operator);
    const { secret } = await createToken(t.operator, { kind: 'PERSONAL', name: 'short-lived', user: admin.email, expiresAt: new Date(t.clock.now().getTime() + MINUTE) });
    expect((await call('list', {}, secret)).statusCode).toBe(200);
    t.clock.advance(2 * MINUTE);
    const response = await call('list', {}, secret);
    expect({ status: response.statusCode, body: response.json() }).toMatchObject({
      status: 401,
      body: { success: false, status: 401, error: { code: 'TOKEN_EXPIRED', message: expect.any(String) } },
    });
  });

  it('"401 TOKEN_EXPIRED: expired key": a project token (bug-reports:write) past its expiresAt → 401 TOKEN_EXPIRED on auto', async () => {
    const { project } = await seedWorkspace(t.operator);
    const { secret } = await projectToken(t.operator, project.id, ['bug-reports:write'], { expiresAt: new Date(t.clock.now().getTime() + MINUTE) });
    t.clock.advance(2 * MINUTE);
    const response = await call('auto', { source: 'auto:server', errorMessage: `expired token ${Math.random()}` }, secret);
    expect({ status: response.statusCode, body: response.json() }).toMatchObject({
      status: 401,
      body: { success: false, status: 401, error: { code: 'TOKEN_EXPIRED', message: expect.any(String) } },
    });
  });
});

describe('list filters', () => {
  it.each(['source', 'severity', 'status', 'fromDate', 'toDate', 'workspaceId'])('"%s: No — filter by …": set to null means no filter', async (filter) => {
    const { adminToken, workspace } = await seedWorkspace(t.operator);
    const workspaceId = workspace.id;
    const low = await ok('auto', { source: 'auto:client', severity: 'low', workspaceId, errorMessage: `null filter low ${Math.random()}` }, adminToken, 201);
    const critical = await ok('auto', { source: 'auto:server', severity: 'critical', workspaceId, errorMessage: `null filter critical ${Math.random()}` }, adminToken, 201);
    await ok('update', { bugReportId: critical.id, status: 'triaged' }, adminToken);
    const body = filter === 'workspaceId' ? { workspaceId: null, limit: 100 } : { workspaceId, [filter]: null };
    const listed = ids(await ok('list', body, adminToken));
    expect(listed).toEqual(expect.arrayContaining([low.id, critical.id]));
  });

  it('"workspaceId: filter by workspace": workspaceId "" → 422 naming workspaceId, not silently all', async () => {
    const { adminToken } = await seedWorkspace(t.operator);
    const fields = await invalid('list', { workspaceId: '' }, adminToken);
    expect(fields.workspaceId).toEqual([expect.any(String)]);
  });
});

describe('rate limits', () => {
  it('"Headers on every response: … X-RateLimit-Reset (unix s)": an absolute time, not seconds until it', async () => {
    const { adminToken } = await seedWorkspace(t.operator);
    const response = await call('list', {}, adminToken);
    const reset = Number(response.headers['x-ratelimit-reset']);
    const now = Date.now() / 1000;
    expect(reset).toBeGreaterThan(now);
    expect(reset).toBeLessThanOrEqual(Math.ceil(now) + 61);
  });
});
