// Hardening: one bad request never fails the others sharing its batch; unreferenced blobs are
// collected; kendo's "Own" delete scope; dates and ids nobody means are refused, not stored.
import { once } from 'node:events';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/db/group-commit.ts';
import { RECURRING_JOBS } from '../src/modules/index.ts';
import { runDueRecurringJobs } from '../src/jobs/recurring.ts';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, graphql, type TestApp } from './helpers.ts';
import { grant, projectToken, seedWorkspace } from './fixtures.ts';
import { pngBytes } from './fixtures/images.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
let other: Awaited<ReturnType<typeof seedWorkspace>>;

beforeAll(async () => {
  t = await createTestApp({ rateLimits: { default: 10_000, reports: 10_000, error_events: 10_000, bug_reports: 10_000, graphql: 10_000, health: 10_000 } });
  seed = await seedWorkspace(t.operator);
  other = await seedWorkspace(t.operator);
});
afterAll(() => t.close());

const PNG = (fill: number) => pngBytes(256, fill);

/** A report with one screenshot, through the multipart route, as the widget sends it. */
async function submitWithScreenshot(fill: number) {
  const token = (await projectToken(t.operator, seed.project.id, ['report:create'])).secret;
  const form = new FormData();
  form.append('title', 'with a screenshot');
  form.append('description', 'see the attachment');
  form.append('files[]', new Blob([new Uint8Array(PNG(fill))]), `shot-${fill}.png`);
  return t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports`, headers: bearer(token), payload: form });
}

describe('a batch with a bad row', () => {
  it('fails only the culprit: the rest of the batch commits (retried by halves)', async () => {
    const flushed: number[][] = [];
    const queue = new GroupCommit<number, number>(
      async (items) => {
        flushed.push(items);
        if (items.includes(13)) throw Object.assign(new Error('row 13 refused'), { code: '22P05' }); // as PostgreSQL refuses a row
        return items.map((i) => i * 2);
      },
      { maxWaitMs: 50, maxBatch: 100 },
    );
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => queue.submit(i)));
    outcomes.forEach((outcome, i) => {
      if (i === 13) expect(outcome).toMatchObject({ status: 'rejected', reason: { message: 'row 13 refused' } });
      else expect(outcome).toEqual({ status: 'fulfilled', value: i * 2 });
    });
    expect(flushed[0]).toHaveLength(40); // one batch first, then halves around the culprit
    expect(flushed.filter((items) => items.includes(13)).at(-1)).toEqual([13]);
  });

  it('fails a batch whole, without retrying halves, when the database itself fails (an outage is no row’s fault)', async () => {
    let flushes = 0;
    const queue = new GroupCommit<number>(
      async () => {
        flushes++;
        throw new Error('Connection terminated unexpectedly');
      },
      { maxWaitMs: 50, maxBatch: 100 },
    );
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => queue.submit(i)));
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(flushes).toBe(1);
  });

  it('answers every valid request of another workspace 202/201 while hostile ones arrive among them', async () => {
    const good = await projectToken(t.operator, seed.project.id, ['error-events:write', 'report:create']);
    const bad = await projectToken(t.operator, other.project.id, ['error-events:write', 'report:create', 'bug-reports:write']);
    const event = (token: string, project: number, body: object) =>
      t.app.inject({ method: 'POST', url: `/api/projects/${project}/error-events`, headers: bearer(token), payload: body });
    const hostile = [
      event(bad.secret, other.project.id, { environment: 'prod\u0000', exception_class: 'class@anonymous\u0000/in/x.php:3$0', message: '\u0000', stack_trace: '#0 \u0000' }),
      t.app.inject({ method: 'POST', url: '/api/bug-reports/auto', headers: bearer(bad.secret), payload: { source: 'auto:server', errorMessage: 'x', occurredAt: '+275760-09-13T00:00:00Z' } }),
      t.app.inject({ method: 'POST', url: '/api/bug-reports/auto', headers: bearer(bad.secret), payload: { source: 'auto:server', errorMessage: 'y', occurredAt: '0000-01-01T00:00:00Z' } }),
      t.app.inject({ method: 'POST', url: `/api/projects/${other.project.id}/reports`, headers: bearer(bad.secret), payload: { title: 'nul \u0000 title', description: '\u0000' } }),
      t.app.inject({ method: 'POST', url: '/api/bug-reports/auto', headers: bearer(bad.secret), payload: { source: 'auto:server', errorMessage: 'z\u0000', context: { 'k\u0000': 'v\u0000' } } }),
    ];
    const valid = Array.from({ length: 1_000 }, (_, i) =>
      i % 2 === 0
        ? event(good.secret, seed.project.id, { environment: 'production', exception_class: `Valid${i % 7}`, message: 'ok', stack_trace: '' })
        : t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports`, headers: bearer(good.secret), payload: { title: `valid ${i}`, description: 'ok' } }),
    );
    const [hostileAnswers, validAnswers] = await Promise.all([Promise.all(hostile), Promise.all(valid)]);
    expect(validAnswers.filter((r) => r.statusCode !== 202 && r.statusCode !== 201).map((r) => `${r.statusCode} ${r.body}`)).toEqual([]);
    // The hostile ones are client mistakes (422) or stored safely (NUL → U+FFFD), never 500.
    expect(hostileAnswers.map((r) => r.statusCode)).toEqual([202, 422, 422, 201, 201]);
    const anonymous = await t.db.prisma.errorGroup.findFirstOrThrow({ where: { projectId: other.project.id } });
    expect(anonymous.exceptionClass).toBe('class@anonymous\uFFFD/in/x.php:3$0');
  });
});

describe('text the database cannot hold', () => {
  it('stores NUL and lone surrogates as U+FFFD in text and JSON, keys included, and finds them by the same text', async () => {
    const token = (await projectToken(t.operator, other.project.id, ['bug-reports:write'])).secret;
    const message = `nul \u0000 and \ud800 ${Date.now()}`;
    const filed = await t.app.inject({
      method: 'POST', url: '/api/bug-reports/auto', headers: bearer(token),
      payload: { source: 'auto:server', errorMessage: message, context: { 'k\u0000': ['v\u0000', { deep: '\udc00x' }], plain: 'a\\u0000b' } },
    });
    expect(filed.statusCode).toBe(201);
    const stored = await t.db.prisma.bugReport.findUniqueOrThrow({ where: { id: filed.json().data.id } });
    expect(stored.errorMessage).toBe(message.replace('\u0000', '\uFFFD').replace('\ud800', '\uFFFD'));
    // The escaped backslash stays text: only a real NUL is replaced.
    expect(stored.context).toEqual({ 'k\uFFFD': ['v\uFFFD', { deep: '\uFFFDx' }], plain: 'a\\u0000b' });
    const found = await t.db.prisma.bugReport.findMany({ where: { errorMessage: message } });
    expect(found.map((r) => r.id)).toEqual([stored.id]);
  });
});

describe('blobs', () => {
  it('collects blobs no attachment references after the grace period, never referenced ones', async () => {
    const kept = await submitWithScreenshot(201);
    expect(kept.statusCode).toBe(201);
    const orphan = await t.app.services.blobs.put(PNG(202)); // as a failed submission leaves it
    const keptSha = (await t.db.prisma.attachment.findFirstOrThrow({ where: { reportId: kept.json().id } })).sha256;
    const collect = RECURRING_JOBS.filter((job) => job.name === 'blobs.collect');

    await runDueRecurringJobs(t.app.services, collect);
    expect(t.app.services.blobs.exists(orphan.sha256)).toBe(true); // still within its grace period
    t.clock.advance(2 * 60 * 60 * 1000);
    await runDueRecurringJobs(t.app.services, collect);
    expect(t.app.services.blobs.exists(orphan.sha256)).toBe(false);
    expect(t.app.services.blobs.exists(keptSha)).toBe(true);
    expect(fs.readFileSync(t.app.services.blobs.pathOf(keptSha))).toEqual(PNG(201));
  });
});

describe("kendo's Own delete scope", () => {
  it('lets a member holding reports:delete:own delete the reports they filed, and no one else’s', async () => {
    const filer = seed.member;
    await grant(t.operator, filer.email, seed.project.id, ['reports:create', 'reports:read', 'reports:delete:own']);
    const secret = (await createToken(t.operator, { kind: 'PERSONAL', name: 'own', user: filer.email })).secret;
    const mine = await graphql(t.app, `mutation { submitReport(input: { project: "${seed.project.id}", title: "mine", description: "d" }) { report { databaseId } userErrors { code } } }`, {}, secret);
    const mineId = mine.data.submitReport.report.databaseId as number;
    const ingest = (await projectToken(t.operator, seed.project.id, ['report:create'])).secret;
    const theirs = (await t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports`, headers: bearer(ingest), payload: { title: 'theirs', description: 'd' } })).json().id;
    const remove = (id: number) => t.app.inject({ method: 'DELETE', url: `/api/projects/${seed.project.id}/reports/${id}`, headers: bearer(secret) });
    const refused = await remove(theirs);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/only the reports you filed/);
    expect((await remove(mineId)).statusCode).toBe(204);
  });
});

describe('values nobody means', () => {
  it('refuses dates outside 1970–9999 and ids past int32 with 422, naming the field', async () => {
    const auto = await t.app.inject({ method: 'POST', url: '/api/bug-reports/auto', headers: bearer(seed.adminToken), payload: { source: 'auto:server', errorMessage: 'dates', workspaceId: seed.workspace.id, occurredAt: '+275760-09-13T00:00:00Z' } });
    expect(auto.statusCode).toBe(422);
    expect(auto.json().error.details.fields.occurredAt[0]).toMatch(/between 1970 and 9999/);
    const promote = await t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports/promote`, headers: bearer(seed.adminToken), payload: { report_ids: [2147483648] } });
    expect(promote.statusCode).toBe(422);
    expect(Object.keys(promote.json().errors)).toEqual(['report_ids.0']);
    expect(promote.json().errors['report_ids.0'][0]).toBe('The report ids.0 field must not be greater than 2147483647.');
  });

  it('names fields in each skin’s own words: report_ids.0 over REST, reportIds.0 in GraphQL', async () => {
    const rest = await t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports/promote`, headers: bearer(seed.adminToken), payload: { report_ids: [99_999_999] } });
    expect(rest.json().errors).toEqual({ 'report_ids.0': ['The selected report_ids.0 is invalid.'] });
    const gql = await graphql(t.app, `mutation { promoteReports(input: { project: "${seed.project.id}", reportIds: [99999999] }) { userErrors { code field message } } }`, {}, seed.adminToken);
    expect(gql.data.promoteReports.userErrors).toEqual([{ code: 'VALIDATION_FAILED', field: ['reportIds', '0'], message: 'The selected reportIds.0 is invalid.' }]);
  });
});

describe('review findings', () => {
  it('takes a 200,000-element array in context (wide, not deep) without a 500', async () => {
    const wide = { source: 'auto:server', errorMessage: 'wide context', workspaceId: seed.workspace.id, context: { a: Array.from({ length: 200_000 }, () => 0) } };
    const response = await t.app.inject({ method: 'POST', url: '/api/bug-reports/auto', headers: bearer(seed.adminToken), payload: wide });
    expect(response.statusCode).toBe(201);
  });

  it("answers another tenant's project token the same 404 for an attachment that exists and one that does not", async () => {
    const report = await submitWithScreenshot(203);
    const attachment = await t.db.prisma.attachment.findFirstOrThrow({ where: { reportId: report.json().id } });
    const outsider = (await projectToken(t.operator, other.project.id, ['report:create'])).secret;
    const existing = await t.app.inject({ method: 'GET', url: `/api/attachments/${attachment.id}`, headers: bearer(outsider) });
    const missing = await t.app.inject({ method: 'GET', url: '/api/attachments/99999999', headers: bearer(outsider) });
    expect([existing.statusCode, existing.body]).toEqual([404, missing.body]);
  });

  it("lists no tokens for a filter naming another tenant's person or project, exactly as for unknown ones", async () => {
    const query = `query ($user: String, $project: ID) { tokens(user: $user, project: $project) { totalCount edges { node { id } } } }`;
    const ask = async (variables: object) => graphql(t.app, query, variables, seed.memberToken);
    const theirs = await ask({ user: other.admin.email });
    const unknown = await ask({ user: 'nobody@example.com' });
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data).toEqual(unknown.data);
    expect((await ask({ project: String(other.project.id) })).data).toEqual((await ask({ project: '99999999' })).data);
  });
});

describe('second review', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const ISSUES = `query ($p: ID!, $after: String) { viewer { email } project(id: $p) { issues(first: 2, after: $after) { edges { node { id } } } } }`;

  it('refuses a forged cursor on any connection as the client’s mistake, and keeps the data that did arrive (200)', async () => {
    for (const forged of ['GPC:N:2147483648', 'GPC:S:abc', 'GPC:Z:']) {
      const answer = await graphql(t.app, ISSUES, { p: String(seed.project.id), after: b64(forged) }, seed.adminToken);
      expect(answer.status).toBe(200);
      expect(answer.errors).toEqual([expect.objectContaining({ message: `Invalid cursor: ${b64(forged)}`, extensions: { code: 'bad_request' } })]);
      expect(answer.data).toMatchObject({ viewer: { email: seed.admin.email }, project: { issues: null } });
    }
    // Nothing came back at all: the whole operation was refused.
    const alone = await graphql(t.app, `query ($after: String) { bugReports(first: 2, after: $after) { edges { node { id } } } }`, { after: b64('GPC:N:5') }, seed.adminToken);
    expect([alone.status, alone.errors?.[0]?.extensions?.code, alone.data]).toEqual([400, 'bad_request', { bugReports: null }]);
  });

  it('answers a JSON body that is not an object 400 in the GraphQL envelope, without the parser’s error', async () => {
    for (const body of ['null', '42', '"x"', 'true', '[]']) {
      const response = await t.app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...bearer(seed.adminToken) }, payload: body });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ errors: [{ message: 'The request body must be a JSON object with a "query".', extensions: { code: 'bad_request' } }] });
    }
  });

  it('refuses a query past the complexity, token or introspection limits with 400', async () => {
    const costly = await graphql(t.app, `{ workspaces { projects { reports(first: 100) { nodes { history { action } } } } } }`, {}, seed.adminToken);
    expect([costly.status, costly.errors?.[0]?.message]).toEqual([400, expect.stringMatching(/^Query exceeds the maximum complexity/)]);
    // Without a token: limits hold for anonymous callers first.
    const tokens = await graphql(t.app, `{ nodes(ids: [${Array.from({ length: 4_000 }, () => '"x"').join(',')}]) { id } }`);
    expect([tokens.status, tokens.errors]).toEqual([400, [{ message: 'Syntax Error: Token limit of 3000 exceeded.', extensions: { code: 'bad_request' } }]]);
    const repeated = await graphql(t.app, `{ ${Array.from({ length: 1_600 }, () => '__typename').join(' ')} }`);
    expect([repeated.status, repeated.errors?.[0]?.message]).toEqual([400, 'The document repeats too many fields to validate; ask for each field once.']);
    const introspection = await graphql(t.app, `{ a: __schema { queryType { name } } b: __schema { queryType { name } } }`);
    expect([introspection.status, introspection.errors?.[0]?.message]).toEqual([400, 'Introspection is limited to 1 __schema field per document.']);
  });

  it('words a wrong JSON kind for people: an object, not zod’s record', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/bug-reports/auto', headers: bearer(seed.adminToken), payload: { source: 'auto:server', errorMessage: 'x', workspaceId: seed.workspace.id, context: 'str' } });
    expect([response.statusCode, response.json().error.details.fields.context]).toEqual([422, ['The context field must be an object.']]);
  });

  it('stores a NUL inside attachment meta however deep the kensho step holding it', async () => {
    const token = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ci', workspace: seed.workspace.slug, abilities: ['read', 'write'] })).secret;
    const startedAt = '2026-11-30T12:00:00.000Z';
    let step: Record<string, unknown> = { id: 'deep', title: 'deep', status: 'pass', startedAt, duration: 1, attachments: [{ id: 'a', kind: 'text', relativePath: 'a.txt', mimeType: 'text/plain', meta: { '\u0000key': 'x\u0000' } }] };
    for (let i = 0; i < 30; i++) step = { id: `s${i}`, title: 't', status: 'pass', startedAt, duration: 1, children: [step] };
    const run = {
      schemaVersion: 'kensho/v1', id: 'deep-meta', project: { name: seed.project.name, slug: seed.project.slug }, framework: { name: 'playwright', version: '1' },
      startedAt, finishedAt: '2026-11-30T12:01:00.000Z', totals: { pass: 1, fail: 0, broken: 0, skip: 0 }, env: { branch: 'main' },
      testCases: [{ id: 'tc_0000000000000000', name: 'c', fullName: 'c', status: 'pass', startedAt, duration: 1, steps: [step] }],
    };
    const response = await t.app.inject({ method: 'POST', url: '/v1/ingest/kensho/finalize', headers: bearer(token), payload: { workspace: seed.workspace.slug, run } });
    expect(response.statusCode).toBe(201);
    const stored = await t.db.prisma.caseRun.findFirstOrThrow({ where: { projectId: seed.project.id }, orderBy: { id: 'desc' } });
    expect(JSON.stringify(stored.detail)).toContain('"\uFFFDkey":"x\uFFFD"');
  });

  it('answers the hostile inputs the issue names with their documented statuses', async () => {
    const promote = await t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports/promote`, headers: bearer(seed.adminToken), payload: { report_ids: [1], issue_id: 2147483648 } });
    expect([promote.statusCode, Object.keys(promote.json().errors)]).toEqual([422, ['issue_id']]);
    for (const status of ['__proto__', 'constructor']) {
      const list = await t.app.inject({ method: 'GET', url: `/api/projects/${seed.project.id}/reports?status=${status}`, headers: bearer(seed.adminToken) });
      expect([list.statusCode, Object.keys(list.json().errors)]).toEqual([422, ['status']]);
    }
    const plain = await t.app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'text/plain', ...bearer(seed.adminToken) }, payload: '{ __typename }' });
    expect([plain.statusCode, plain.json().errors[0].extensions.code]).toEqual([415, 'unsupported_media_type']);
  });
});

describe('shutting down', () => {
  it('answers a request that arrives while the server closes 503 with Retry-After, in its family’s envelope', async () => {
    const closing = await createTestApp();
    await closing.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = closing.app.server.address() as AddressInfo;
    // A request begun before close() keeps its connection open; it completes once closing has begun.
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /api/projects/1/reports HTTP/1.1\r\nHost: intake\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const socketClosed = once(socket, 'close');
    const done = closing.app.close(); // the server's own close: the helper's would cut the connection
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('\r\n');
    await socketClosed;
    await done;
    await closing.close();
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(JSON.parse(body!)).toMatchObject({ message: 'The server is shutting down; retry shortly.' });
  });
});

describe('errors before there is a request', () => {
  it('answers an oversized URL 431 in its family’s envelope: GraphQL’s for a long GraphQL GET', async () => {
    const server = await createTestApp();
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.app.server.address() as AddressInfo;
    try {
      const query = encodeURIComponent(`{ ${'__typename '.repeat(3_000)} }`);
      const graphqlGet = await fetch(`http://127.0.0.1:${port}/graphql?query=${query}`);
      expect([graphqlGet.status, await graphqlGet.json()]).toEqual([431, { errors: [{ message: 'The request headers (or the URL) are too large.', extensions: { code: 'headers_too_large' } }] }]);
      const elsewhere = await fetch(`http://127.0.0.1:${port}/healthz?pad=${'x'.repeat(40_000)}`);
      expect([elsewhere.status, (await elsewhere.json()).error.code]).toEqual([431, 'headers_too_large']);
    } finally {
      await server.close();
    }
  });
});
