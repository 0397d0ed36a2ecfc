// Conformance: the kendo Reports and Error Events APIs (seeds/000 and seeds/004,
// kendo-reports-and-errors.md), black-box through /api/projects/{projectId}/…. kendo is a Laravel
// app, so its request pipeline (auth middleware before the body, TrimStrings,
// ConvertEmptyStringsToNull, attribute names in messages, 405s) is part of the contract.
// Each test seeds its own workspace and tokens, so it runs alone with -t.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/modules/workspaces/service.ts';
import { bearer, createTestApp, type TestApp } from '../helpers.ts';
import { projectToken, seedWorkspace } from '../fixtures.ts';
import { pngBytes } from '../fixtures/images.ts';

const MiB = 1024 * 1024;
const UNAUTHENTICATED = { message: 'Unauthenticated.' };

let t: TestApp;

beforeAll(async () => {
  // Generous limits: anonymous and bad-token requests all count against the same client address.
  t = await createTestApp({ rateLimits: { reports: 100_000, error_events: 100_000 } });
});
afterAll(() => t.close());

// ── Requests ────────────────────────────────────────────────────────────────────────────────

type ProjectRef = number | string;
type Headers = Record<string, string>;
/** A multipart file part: field name, bytes, file name. */
type FilePart = [name: string, bytes: Buffer, filename: string];

const reportsUrl = (projectId: ProjectRef) => `/api/projects/${projectId}/reports`;
const eventsUrl = (projectId: ProjectRef) => `/api/projects/${projectId}/error-events`;
const auth = (secret: string | null): Headers => (secret ? bearer(secret) : {});

/** Bytes that start like a PNG (the server judges type by magic bytes). */
const PNG = pngBytes;
const pngs = (count: number, name = 'files[]'): FilePart[] => Array.from({ length: count }, (_, i) => [name, PNG(100, i + 1), `shot-${i}.png`]);

/** A JSON POST; a string body is sent as is (raw JSON text, possibly malformed). */
function postJson(url: string, body: unknown, secret: string | null, headers: Headers = {}) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...auth(secret), ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A multipart/form-data body: text fields first, then the file parts in the given order. */
function formOf(fields: Record<string, string>, files: FilePart[]) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const [name, bytes, filename] of files) form.append(name, new Blob([new Uint8Array(bytes)]), filename);
  return form;
}

function postMultipart(url: string, fields: Record<string, string>, files: FilePart[], secret: string | null) {
  return t.app.inject({ method: 'POST', url, headers: auth(secret), payload: formOf(fields, files) });
}

function postForm(url: string, fields: Record<string, string>, secret: string | null) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth(secret) },
    payload: new URLSearchParams(fields).toString(),
  });
}

// ── Seeds ───────────────────────────────────────────────────────────────────────────────────

const REPORT = { title: 'Deployment failed', description: 'Build #1234 failed with exit code 1.', author_name: 'CI Pipeline' };

const EVENT = {
  environment: 'production',
  release: 'v1.4.2',
  exception_class: 'RuntimeException',
  message: 'Undefined array key "user_id"',
  stack_trace: '#0 /var/www/app/Http/Controllers/OrderController.php(42): handle()\n#1 {main}',
};

/** A workspace whose project takes reports through a `report:create` project token. */
async function reportsProject(features?: string[]) {
  const seed = await seedWorkspace(t.operator, features ? { features } : {});
  const token = (await projectToken(t.operator, seed.project.id, ['report:create'])).secret;
  return { ...seed, token };
}

/** A workspace whose project takes error events through an `error-events:write` project token. */
async function eventsProject(features?: string[]) {
  const seed = await seedWorkspace(t.operator, features ? { features } : {});
  const token = (await projectToken(t.operator, seed.project.id, ['error-events:write'])).secret;
  return { ...seed, token };
}

const groupsOf = (projectId: number) => t.db.prisma.errorGroup.findMany({ where: { projectId }, orderBy: { id: 'asc' } });
const errorKeys = (body: { errors?: Record<string, unknown> }) => Object.keys(body.errors ?? {}).sort();

// ── Shared by Reports and Error Events (the Laravel pipeline) ──────────────────────────────

describe('kendo pipeline: authenticate before reading the body (401 → 403 → 404/422 → validation)', () => {
  it('"401 Token is missing": no token and a multipart POST with 7 files is 401 {"message":"Unauthenticated."}, not 422', async () => {
    const { project } = await reportsProject();
    const response = await postMultipart(reportsUrl(project.id), { title: 'Too many', description: 'x' }, pngs(7), null);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(UNAUTHENTICATED);
  });

  it('"401 Token is missing": no token and malformed JSON is 401, on reports and on error-events', async () => {
    const { project } = await reportsProject();
    for (const [url, body] of [[reportsUrl(project.id), '{"title": '], [eventsUrl(project.id), '{"environment": ']] as const) {
      const response = await postJson(url, body, null);
      expect({ url, status: response.statusCode, body: response.json() }).toEqual({ url, status: 401, body: UNAUTHENTICATED });
    }
  });

  it('"403 Token lacks the required ability": a token without report:create sending a 4 MiB file is 403, not 422', async () => {
    const { project } = await reportsProject();
    const errorsOnly = (await projectToken(t.operator, project.id, ['error-events:write'])).secret;
    const response = await postMultipart(reportsUrl(project.id), { title: 'Big', description: 'x' }, [['files[]', PNG(4 * MiB), 'big.png']], errorsOnly);
    expect(response.statusCode).toBe(403);
    expect(response.json()).not.toHaveProperty('errors');
  });

  it('"403 Token lacks the error-events:write ability": a report:create token sending malformed JSON to error-events is 403, not 422', async () => {
    const { project, token } = await reportsProject();
    const response = await postJson(eventsUrl(project.id), '{"environment": ', token);
    expect(response.statusCode).toBe(403);
    expect(response.json()).not.toHaveProperty('errors');
  });

  it('"If it is disabled, requests return 403 with feature_restricted": Reports off and a 4 MiB file is 403, not 422', async () => {
    const { project, token } = await reportsProject(['error-tracking']);
    const response = await postMultipart(reportsUrl(project.id), { title: 'Big', description: 'x' }, [['files[]', PNG(4 * MiB), 'big.png']], token);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ feature_restricted: true });
  });

  it('"If it is disabled, requests return 403 with feature_restricted": Error Tracking off and malformed JSON is 403, not 422', async () => {
    const { project, token } = await eventsProject(['reports']);
    const response = await postJson(eventsUrl(project.id), '{"environment": ', token);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ feature_restricted: true });
  });

  it('"422 the token is not linked to the target project" comes before the files: a token of another project sending 7 files is 422 on token', async () => {
    const { token } = await reportsProject();
    const other = await reportsProject();
    const response = await postMultipart(reportsUrl(other.project.id), { title: 'Elsewhere', description: 'x' }, pngs(7), token);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.token).toBeDefined();
  });

  it('an unknown project with a 4 MiB file is 404 (the project before the body)', async () => {
    const { token } = await reportsProject();
    const response = await postMultipart(reportsUrl(999_999), { title: 'Nowhere', description: 'x' }, [['files[]', PNG(4 * MiB), 'big.png']], token);
    expect(response.statusCode).toBe(404);
  });
});

describe('kendo pipeline: strings are trimmed and empty strings are null (TrimStrings, ConvertEmptyStringsToNull)', () => {
  it('"author_name: No": an empty author_name is accepted as no author (201, stored null)', async () => {
    const { project, token } = await reportsProject();
    const response = await postJson(reportsUrl(project.id), { ...REPORT, author_name: '' }, token);
    expect(response.statusCode).toBe(201);
    expect(response.json().author_name).toBeNull();
    expect((await t.db.prisma.report.findUniqueOrThrow({ where: { id: response.json().id } })).authorName).toBeNull();
  });

  it('a title "  Hi  " is stored as "Hi"', async () => {
    const { project, token } = await reportsProject();
    const response = await postJson(reportsUrl(project.id), { ...REPORT, title: '  Hi  ' }, token);
    expect(response.statusCode).toBe(201);
    expect(response.json().title).toBe('Hi');
    expect((await t.db.prisma.report.findUniqueOrThrow({ where: { id: response.json().id } })).title).toBe('Hi');
  });

  it('"environment: Yes": an environment of only spaces is 422 naming environment', async () => {
    const { project, token } = await eventsProject();
    const response = await postJson(eventsUrl(project.id), { ...EVENT, environment: '   ' }, token);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.environment).toEqual(['The environment field is required.']);
    expect(await groupsOf(project.id)).toEqual([]);
  });

  it('"the same error in different environments forms separate groups": " production" is the same environment as "production" (one group)', async () => {
    const { project, token } = await eventsProject();
    expect((await postJson(eventsUrl(project.id), EVENT, token)).statusCode).toBe(202);
    expect((await postJson(eventsUrl(project.id), { ...EVENT, environment: ' production' }, token)).statusCode).toBe(202);
    const groups = await groupsOf(project.id);
    expect(groups.map((g) => [g.environment, g.occurrenceCount])).toEqual([['production', 2]]);
  });
});

describe('kendo pipeline: messages use Laravel attribute names', () => {
  it('"exception_class: Yes": a missing exception_class reads "The exception class field is required."', async () => {
    const { project, token } = await eventsProject();
    const { exception_class: _omitted, ...event } = EVENT;
    const response = await postJson(eventsUrl(project.id), event, token);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.exception_class).toEqual(['The exception class field is required.']);
  });

  it('"author_name … 1–255": 256 characters read "The author name field must not be greater than 255 characters."', async () => {
    const { project, token } = await reportsProject();
    const response = await postJson(reportsUrl(project.id), { ...REPORT, author_name: 'a'.repeat(256) }, token);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.author_name).toEqual(['The author name field must not be greater than 255 characters.']);
  });
});

describe('kendo pipeline: every 401 is {"message":"Unauthenticated."}', () => {
  it('"401 Token is missing, invalid, revoked, or expired": the body is exactly {"message":"Unauthenticated."} whatever the reason', async () => {
    const { project } = await reportsProject();
    const expiring = await projectToken(t.operator, project.id, ['report:create', 'error-events:write'], { expiresAt: new Date(t.clock.now().getTime() + 60_000) });
    const revoked = await projectToken(t.operator, project.id, ['report:create', 'error-events:write']);
    await t.db.prisma.apiToken.update({ where: { id: revoked.token.id }, data: { revokedAt: new Date() } });
    t.clock.advance(2 * 60_000); // past the expiry, and past the principal cache's lifetime

    const reasons: Array<[reason: string, headers: Headers]> = [
      ['no header', {}],
      ['unknown token', { authorization: `Bearer intake_prj_${'A'.repeat(43)}` }],
      ['made-up token', { authorization: 'Bearer not-a-token' }],
      ['malformed header: scheme only', { authorization: 'Bearer' }],
      ['malformed header: two credentials', { authorization: 'Bearer one two' }],
      ['malformed header: Basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['expired token', bearer(expiring.secret)],
      ['revoked token', bearer(revoked.secret)],
    ];
    const seen: unknown[] = [];
    const expected: unknown[] = [];
    for (const [reason, headers] of reasons) {
      for (const [url, body] of [[reportsUrl(project.id), REPORT], [eventsUrl(project.id), EVENT]] as const) {
        const response = await postJson(url, body, null, headers);
        seen.push({ reason, url, status: response.statusCode, body: response.json() });
        expected.push({ reason, url, status: 401, body: UNAUTHENTICATED });
      }
    }
    expect(seen).toEqual(expected);
  });

  it('"Authorization: Bearer <token>": the token without the Bearer scheme is 401', async () => {
    const reports = await reportsProject();
    const viaReports = await postJson(reportsUrl(reports.project.id), REPORT, null, { authorization: reports.token });
    expect(viaReports.statusCode).toBe(401);
    expect(viaReports.json()).toEqual(UNAUTHENTICATED);

    const events = await eventsProject();
    const viaEvents = await postJson(eventsUrl(events.project.id), EVENT, null, { authorization: events.token });
    expect(viaEvents.statusCode).toBe(401);
    expect(viaEvents.json()).toEqual(UNAUTHENTICATED);
    expect(await t.db.prisma.report.count({ where: { projectId: reports.project.id } })).toBe(0);
    expect(await groupsOf(events.project.id)).toEqual([]);
  });
});

describe('kendo pipeline: request bodies are read as Laravel reads them', () => {
  it('an application/x-www-form-urlencoded report (title=…&description=…) is accepted like JSON: 201', async () => {
    const { project, token } = await reportsProject();
    const response = await postForm(reportsUrl(project.id), { title: 'From a form', description: 'Posted as a form', author_name: 'Widget' }, token);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ title: 'From a form', description: 'Posted as a form', author_name: 'Widget', source: 1 });
  });

  it('an application/x-www-form-urlencoded error event is accepted like JSON: 202', async () => {
    const { project, token } = await eventsProject();
    const response = await postForm(eventsUrl(project.id), EVENT, token);
    expect(response.statusCode).toBe(202);
    expect(response.body).toBe('');
    expect((await groupsOf(project.id)).map((g) => g.exceptionClass)).toEqual(['RuntimeException']);
  });

  it('malformed JSON reads as empty input: a report is 422 naming title and description', async () => {
    const { project, token } = await reportsProject();
    const response = await postJson(reportsUrl(project.id), '{"title": "unterminated', token);
    expect(response.statusCode).toBe(422);
    expect(errorKeys(response.json())).toEqual(['description', 'title']);
    expect(response.json().errors.title).toEqual(['The title field is required.']);
  });

  it('malformed JSON reads as empty input: an error event is 422 naming environment, exception_class, message and stack_trace', async () => {
    const { project, token } = await eventsProject();
    const response = await postJson(eventsUrl(project.id), '{"environment": ', token);
    expect(response.statusCode).toBe(422);
    expect(errorKeys(response.json())).toEqual(['environment', 'exception_class', 'message', 'stack_trace']);
  });

  it('a JSON key "__proto__" is dropped and the report is still created (201, not 400)', async () => {
    const { project, token } = await reportsProject();
    const body = '{"title":"Proto","description":"x","__proto__":{"isAdmin":true}}';
    const response = await postJson(reportsUrl(project.id), body, token);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ title: 'Proto', description: 'x' });
  });

  it('a JSON key "__proto__" is dropped and the error event is still accepted (202, not 400)', async () => {
    const { project, token } = await eventsProject();
    const body = JSON.stringify(EVENT).replace(/^\{/, '{"__proto__":{"isAdmin":true},');
    const response = await postJson(eventsUrl(project.id), body, token);
    expect(response.statusCode).toBe(202);
    expect(await groupsOf(project.id)).toHaveLength(1);
  });
});

describe('kendo pipeline: all validation errors of a request are reported together', () => {
  it('6 files and no title is one 422 naming both title and files', async () => {
    const { project, token } = await reportsProject();
    const response = await postMultipart(reportsUrl(project.id), { description: 'No title, too many files' }, pngs(6), token);
    expect(response.statusCode).toBe(422);
    const { errors } = response.json();
    expect(errors.title).toEqual(['The title field is required.']);
    expect(errors.files).toEqual(['The files field must not have more than 5 items.']);
  });
});

describe('kendo pipeline: a wrong method on a documented path is 405 with Allow', () => {
  const allowed = (header: unknown) => String(header ?? '').split(',').map((method) => method.trim().toUpperCase());

  it.each([
    ['PUT', 'reports', ['GET', 'POST']],
    ['DELETE', 'reports', ['GET', 'POST']],
    ['GET', 'error-events', ['POST']],
    ['PUT', 'error-events', ['POST']],
  ] as const)('"%s /api/projects/{projectId}/%s" is 405 with an Allow header and a {"message"} body', async (method, path, methods) => {
    const { project, adminToken } = await reportsProject();
    const response = await t.app.inject({ method, url: `/api/projects/${project.id}/${path}`, headers: { 'content-type': 'application/json', ...bearer(adminToken) }, payload: '{}' });
    expect(response.statusCode).toBe(405);
    expect(allowed(response.headers.allow)).toEqual(expect.arrayContaining([...methods]));
    expect(response.json()).toEqual({ message: expect.any(String) });
  });
});

describe('kendo pipeline: only canonical decimal ids address a project', () => {
  it.each([
    ['0{id}', (id: number) => `0${id}`],
    ['{id}.0', (id: number) => `${id}.0`],
    ['0x{id}', (id: number) => `0x${id.toString(16)}`],
    ['{id}e0', (id: number) => `${id}e0`],
    ['%20{id} (leading space)', (id: number) => `%20${id}`],
  ])('"/api/projects/{projectId}": %s is 404 on reports and on error-events', async (_spelling, spell) => {
    const reports = await reportsProject();
    const viaReports = await postJson(reportsUrl(spell(reports.project.id)), REPORT, reports.token);
    expect(viaReports.statusCode).toBe(404);
    expect(viaReports.json()).toEqual({ message: expect.any(String) });

    const events = await eventsProject();
    const viaEvents = await postJson(eventsUrl(spell(events.project.id)), EVENT, events.token);
    expect(viaEvents.statusCode).toBe(404);
    expect(viaEvents.json()).toEqual({ message: expect.any(String) });

    expect(await t.db.prisma.report.count({ where: { projectId: reports.project.id } })).toBe(0);
    expect(await groupsOf(events.project.id)).toEqual([]);
  });
});

describe('kendo pipeline: one rate-limit counter per token per family', () => {
  it('"Report endpoints use the default API rate limit": GETs on the report list exhaust the same budget as POSTs by that token', async () => {
    const limited = await createTestApp({ rateLimits: { reports: 3 } });
    try {
      const own = await seedWorkspace(limited.operator);
      const url = reportsUrl(own.project.id);
      for (let i = 0; i < 3; i++) {
        expect((await limited.app.inject({ method: 'GET', url, headers: bearer(own.adminToken) })).statusCode).toBe(200);
      }
      const refused = await limited.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...bearer(own.adminToken) }, payload: REPORT });
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(await limited.db.prisma.report.count({ where: { projectId: own.project.id } })).toBe(0);
    } finally {
      await limited.close();
    }
  });
});

// ── kendo Reports ──────────────────────────────────────────────────────────────────────────

describe('kendo Reports: files', () => {
  const TOO_BIG = (field: string) => [`The ${field} field must not be greater than 3072 kilobytes.`];

  it('"max 3 MB each": a file over 3 MB is 422 on files.0, never 413 (5 times)', async () => {
    const { project, token } = await reportsProject();
    for (let round = 0; round < 5; round++) {
      const response = await postMultipart(reportsUrl(project.id), { title: 'Big', description: 'x' }, [['files[]', PNG(4 * MiB, round + 1), 'big.png']], token);
      expect({ round, status: response.statusCode }).toEqual({ round, status: 422 });
      expect(response.json().errors['files.0']).toEqual(TOO_BIG('files.0'));
    }
    expect(await t.db.prisma.report.count({ where: { projectId: project.id } })).toBe(0);
  });

  it('"max 3 MB each": a big file as the second part is 422 on files.1, never 413 (5 times)', async () => {
    const { project, token } = await reportsProject();
    for (let round = 0; round < 5; round++) {
      const files: FilePart[] = [['files[]', PNG(512, round + 1), 'small.png'], ['files[]', PNG(3 * MiB + 1, round + 1), 'big.png']];
      const response = await postMultipart(reportsUrl(project.id), { title: 'Second is big', description: 'x' }, files, token);
      expect({ round, status: response.statusCode }).toEqual({ round, status: 422 });
      expect(response.json().errors['files.1']).toEqual(TOO_BIG('files.1'));
    }
    expect(await t.db.prisma.report.count({ where: { projectId: project.id } })).toBe(0);
  });

  it('"max 3 MB each": with an extra ignored part (avatar) a big file is still 422 on files.0, never 413 (5 times)', async () => {
    const { project, token } = await reportsProject();
    for (let round = 0; round < 5; round++) {
      const fields = { title: 'With avatar', description: 'x', avatar: 'https://example.com/me.png' };
      const response = await postMultipart(reportsUrl(project.id), fields, [['files[]', PNG(4 * MiB, round + 1), 'big.png']], token);
      expect({ round, status: response.statusCode }).toEqual({ round, status: 422 });
      expect(response.json().errors['files.0']).toEqual(TOO_BIG('files.0'));
    }
    expect(await t.db.prisma.report.count({ where: { projectId: project.id } })).toBe(0);
  });

  it('"max 3 MB each": over a real connection the client reads the 422 on files.N every time — never 413, never a reset (5 rounds of each shape)', async () => {
    const { project, token } = await reportsProject();
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const shapes: Array<[shape: string, fields: Record<string, string>, files: (round: number) => FilePart[], field: string]> = [
      ['big file alone', {}, (round) => [['files[]', PNG(4 * MiB, round + 1), 'big.png']], 'files.0'],
      ['big file second', {}, (round) => [['files[]', PNG(512, round + 1), 'small.png'], ['files[]', PNG(4 * MiB, round + 1), 'big.png']], 'files.1'],
      ['extra avatar field', { avatar: 'https://example.com/me.png' }, (round) => [['files[]', PNG(4 * MiB, round + 1), 'big.png']], 'files.0'],
      ['avatar file before the big file', {}, (round) => [['avatar', PNG(100, round + 1), 'me.png'], ['files[]', PNG(4 * MiB, round + 1), 'big.png']], 'files.0'],
    ];
    const seen: unknown[] = [];
    const expected: unknown[] = [];
    for (let round = 0; round < 5; round++) {
      for (const [shape, fields, files, field] of shapes) {
        const body = formOf({ title: 'Big', description: 'x', ...fields }, files(round));
        let outcome: { status: number | string; error?: unknown };
        try {
          const response = await fetch(`${address}${reportsUrl(project.id)}`, { method: 'POST', headers: bearer(token), body });
          const text = await response.text();
          outcome = { status: response.status, error: response.status === 422 ? JSON.parse(text).errors?.[field] : text.slice(0, 200) };
        } catch (error) {
          outcome = { status: `request failed: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}` };
        }
        seen.push({ round, shape, ...outcome });
        expected.push({ round, shape, status: 422, error: TOO_BIG(field) });
      }
    }
    expect(seen).toEqual(expected);
    expect(await t.db.prisma.report.count({ where: { projectId: project.id } })).toBe(0);
  }, 180_000); // 20 uploads of 4 MiB; connections the server resets can each stall for seconds

  it('"Up to 5 image attachments": files, files[] and files[N] parts all count, 5 of them are accepted', async () => {
    const { project, token } = await reportsProject();
    const files: FilePart[] = [
      ['files', PNG(100, 1), 'a.png'],
      ['files[]', PNG(100, 2), 'b.png'],
      ['files[]', PNG(100, 3), 'c.png'],
      ['files[3]', PNG(100, 4), 'd.png'],
      ['files[4]', PNG(100, 5), 'e.png'],
    ];
    const response = await postMultipart(reportsUrl(project.id), { title: 'Five', description: 'x' }, files, token);
    expect(response.statusCode).toBe(201);
    expect(response.json().attachments_count).toBe(5);
  });

  it('"Up to 5 image attachments": another file part (avatar) does not count toward the 5 and is a 422 naming it', async () => {
    const { project, token } = await reportsProject();
    const files: FilePart[] = [...pngs(5), ['avatar', PNG(100, 9), 'me.png']];
    const response = await postMultipart(reportsUrl(project.id), { title: 'Five and an avatar', description: 'x' }, files, token);
    expect(response.statusCode).toBe(422);
    const { errors } = response.json();
    expect(errors.avatar).toEqual([expect.any(String)]);
    expect(errors).not.toHaveProperty('files');
    expect(await t.db.prisma.report.count({ where: { projectId: project.id } })).toBe(0);
  });

  it('"files: Up to 5 image attachments": a text field files[0]=notafile is 422 "must be a file"', async () => {
    const { project, token } = await reportsProject();
    const response = await postMultipart(reportsUrl(project.id), { title: 'Not a file', description: 'x', 'files[0]': 'notafile' }, [], token);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors['files.0']).toEqual([expect.stringMatching(/must be a file/)]);
  });

  it('"files: Up to 5 image attachments": JSON "files":["x"] is 422 "must be a file"', async () => {
    const { project, token } = await reportsProject();
    const response = await postJson(reportsUrl(project.id), { ...REPORT, files: ['x'] }, token);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors['files.0']).toEqual([expect.stringMatching(/must be a file/)]);
    expect(await t.db.prisma.report.count({ where: { projectId: project.id } })).toBe(0);
  });
});

describe('kendo Reports: required fields', () => {
  it('"title: Yes": {"title":null,"description":"x"} reads "The title field is required."', async () => {
    const { project, token } = await reportsProject();
    const response = await postJson(reportsUrl(project.id), { title: null, description: 'x' }, token);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.title).toEqual(['The title field is required.']);
  });

  it('"title: Yes, description: Yes": an empty JSON body {} names title and description, not body', async () => {
    const { project, token } = await reportsProject();
    const response = await postJson(reportsUrl(project.id), {}, token);
    expect(response.statusCode).toBe(422);
    expect(errorKeys(response.json())).toEqual(['description', 'title']);
    expect(response.json().errors.title).toEqual(['The title field is required.']);
    expect(response.json().errors.description).toEqual(['The description field is required.']);
  });
});

// ── kendo Error Events ─────────────────────────────────────────────────────────────────────

describe('kendo Error Events: who may ingest', () => {
  it('"it is reserved for external systems submitting into a single project": a workspace token with error-events:write is 403 and nothing is stored', async () => {
    const seed = await seedWorkspace(t.operator);
    const workspaceToken = await createToken(t.operator, { kind: 'WORKSPACE', name: 'ws ingest', workspace: seed.workspace.slug, abilities: ['error-events:write'] });
    const response = await postJson(eventsUrl(seed.project.id), EVENT, workspaceToken.secret);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ message: expect.any(String) });
    expect(await groupsOf(seed.project.id)).toEqual([]);
  });
});

describe('kendo Error Events: release', () => {
  it('"release … Stored for reference": 1000 characters is 202, and a bounded prefix is stored', async () => {
    const { project, token } = await eventsProject();
    const release = `v2.0.0+${'abcdef0123456789'.repeat(63)}`.slice(0, 1000);
    const response = await postJson(eventsUrl(project.id), { ...EVENT, release }, token);
    expect(response.statusCode).toBe(202);
    const [group] = await groupsOf(project.id);
    expect(group?.release).toBeTruthy();
    expect(group!.release!.length).toBeLessThanOrEqual(255);
    expect(release.startsWith(group!.release!)).toBe(true);
  });

  it('"release … Stored for reference": release "" does not overwrite the stored release of the group', async () => {
    const { project, token } = await eventsProject();
    expect((await postJson(eventsUrl(project.id), { ...EVENT, release: 'v1.4.2' }, token)).statusCode).toBe(202);
    expect((await postJson(eventsUrl(project.id), { ...EVENT, release: '' }, token)).statusCode).toBe(202);
    const groups = await groupsOf(project.id);
    expect(groups.map((g) => [g.release, g.occurrenceCount])).toEqual([['v1.4.2', 2]]);
  });
});

describe('kendo Error Events: body size', () => {
  it('the request body limit admits every legal event: every field at its maximum, \\uXXXX-escaped (~2.4 MB), is 202 not 413', async () => {
    const { project, token } = await eventsProject();
    const rocket = '🚀'; // one character (Laravel counts code points), two UTF-16 units, 12 bytes escaped
    const event = {
      environment: rocket.repeat(255),
      release: rocket.repeat(255),
      exception_class: rocket.repeat(255),
      message: rocket.repeat(65_535),
      stack_trace: rocket.repeat(131_072),
    };
    // Every non-ASCII UTF-16 unit as \uXXXX, as JSON encoders with ASCII output (PHP's default) write it.
    const body = JSON.stringify(event).replace(/[\u0080-\uffff]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(body.length).toBeGreaterThan(2.3e6);
    const response = await postJson(eventsUrl(project.id), body, token);
    expect(response.statusCode).toBe(202);
    const [group] = await groupsOf(project.id);
    expect(group?.environment).toBe(event.environment);
    expect(group?.exceptionClass).toBe(event.exception_class);
  });
});

describe('kendo Error Events: Go and Ruby traces', () => {
  const goPanic = (frames: string[]) =>
    ['panic: runtime error: integer divide by zero', '', 'goroutine 1 [running]:', ...frames, 'exit status 2'].join('\n');

  it('"Fingerprint — derived from the exception_class and a normalized stack_trace": Go panics in different functions or files form separate groups', async () => {
    const { project, token } = await eventsProject();
    const traces = [
      goPanic(['main.divide(...)', '\t/app/calc.go:8', 'main.main()', '\t/app/main.go:12 +0x1d']),
      goPanic(['main.average(...)', '\t/app/calc.go:21', 'main.main()', '\t/app/main.go:12 +0x1d']), // another function, same file
      goPanic(['main.divide(...)', '\t/app/stats.go:8', 'main.main()', '\t/app/main.go:12 +0x1d']), // same function name, another file
    ];
    for (const stack_trace of traces) {
      const response = await postJson(eventsUrl(project.id), { ...EVENT, exception_class: 'runtime.Error', message: 'integer divide by zero', stack_trace }, token);
      expect(response.statusCode).toBe(202);
    }
    expect((await groupsOf(project.id)).map((g) => g.occurrenceCount)).toEqual([1, 1, 1]);
  });

  it('"Fingerprint — derived from the exception_class and a normalized stack_trace": Ruby errors in different methods or files form separate groups', async () => {
    const { project, token } = await eventsProject();
    const traces = [
      "app/models/invoice.rb:42:in 'Invoice#finalize!'\nfrom app/controllers/invoices_controller.rb:17:in 'InvoicesController#update'",
      "app/models/invoice.rb:58:in 'Invoice#charge!'\nfrom app/controllers/invoices_controller.rb:17:in 'InvoicesController#update'",
      "app/models/credit_note.rb:42:in 'Invoice#finalize!'\nfrom app/controllers/invoices_controller.rb:17:in 'InvoicesController#update'",
    ];
    for (const stack_trace of traces) {
      const response = await postJson(eventsUrl(project.id), { ...EVENT, exception_class: 'NoMethodError', message: "undefined method 'total' for nil", stack_trace }, token);
      expect(response.statusCode).toBe(202);
    }
    expect((await groupsOf(project.id)).map((g) => g.occurrenceCount)).toEqual([1, 1, 1]);
  });
});
