// Security findings, one describe each: every test states the rule it guards and asserts it
// through HTTP, GraphQL or the domain services the CLI uses (never through internals).
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HTTP_LIMITS } from '../src/http/plugin.ts';
import { createToken, createUser, createWorkspace, revokeToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, graphql, successData, uniqueSlug, type TestApp } from './helpers.ts';
import { grant, projectToken, seedWorkspace } from './fixtures.ts';
import { pngBytes } from './fixtures/images.ts';

type Seed = Awaited<ReturnType<typeof seedWorkspace>>;

let t: TestApp;
let seed: Seed;
let reportToken: string;

beforeAll(async () => {
  // Two live streams per credential, so the subscription cap is reachable in a test.
  t = await createTestApp({ maxSubscriptionsPerPrincipal: 2, liveRecheckMs: 500 });
  seed = await seedWorkspace(t.operator);
  reportToken = (await projectToken(t.operator, seed.project.id, ['report:create'])).secret;
});
afterAll(async () => {
  await t.close();
});

const PNG = pngBytes;
const personalToken = async (user: string, abilities?: string[]) =>
  createToken(t.operator, { kind: 'PERSONAL', name: uniqueSlug('pat'), user, ...(abilities ? { abilities } : {}) });
const newUser = (workspace?: string, admin = false) =>
  createUser(t.operator, { email: `${uniqueSlug('u')}@example.com`, name: 'Someone', admin, ...(workspace ? { workspace } : {}) });

/** Uploads one file through the kendo multipart route; answers the attachment row. */
async function uploadAttachment(filename: string, bytes: Buffer, projectId = seed.project.id, secret = reportToken) {
  const form = new FormData();
  form.append('title', 'With a file');
  form.append('description', 'x');
  form.append('files[0]', new Blob([new Uint8Array(bytes)]), filename);
  const response = await t.app.inject({ method: 'POST', url: `/api/projects/${projectId}/reports`, headers: bearer(secret), payload: form });
  expect(response.statusCode).toBe(201);
  return t.db.prisma.attachment.findFirstOrThrow({ where: { reportId: response.json().id } });
}

describe('auto bug-report dedup never crosses tenants', () => {
  const MESSAGE = 'Payment gateway declined: connection refused';
  const auto = (secret: string, body: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/bug-reports/auto',
      headers: { 'content-type': 'application/json', ...bearer(secret) },
      payload: JSON.stringify({ source: 'auto:server', ...body }),
    });
  let globex: Awaited<ReturnType<typeof createWorkspace>>;
  let firstMember: string;
  let secondMember: string;
  let firstId: string;

  beforeAll(async () => {
    globex = await createWorkspace(t.operator, { slug: uniqueSlug('globex'), name: 'Globex' });
    firstMember = (await personalToken((await newUser(globex.slug)).email, ['read', 'write'])).secret;
    secondMember = (await personalToken((await newUser(globex.slug)).email)).secret;
    const filed = await auto(firstMember, { errorMessage: MESSAGE, context: { customerEmail: 'ceo@initech.example', internalHost: 'db-billing-01.corp' } });
    expect(filed.statusCode).toBe(201);
    firstId = filed.json().data.id;
  });

  it('files a new report for a person outside any workspace, never echoing another tenant’s context', async () => {
    const outsider = (await personalToken((await newUser()).email)).secret;
    const response = await auto(outsider, { errorMessage: MESSAGE });
    expect(response.statusCode).toBe(201); // a merge would be 200 and would expose Globex's report
    const data = JSON.stringify(response.json().data);
    expect(data).not.toContain('ceo@initech.example');
    expect(data).not.toContain('db-billing-01');
    expect(response.json().data.id).not.toBe(firstId);
  });

  it('merges a second member’s replay (200) but answers only the summary, no context/stack/journey/reporter', async () => {
    const response = await auto(secondMember, { errorMessage: MESSAGE });
    expect(response.statusCode).toBe(200);
    expect(response.json().data.id).toBe(firstId);
    expect(Object.keys(response.json().data).sort()).toEqual(['createdAt', 'id', 'occurrenceCount', 'severity', 'source', 'status', 'title']);
  });

  it('gives an administrator’s replay the full object', async () => {
    const response = await auto(seed.adminToken, { errorMessage: MESSAGE, workspaceId: globex.id });
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toMatchObject({ id: firstId, context: { customerEmail: 'ceo@initech.example' } });
  });

  it('makes a person in two workspaces name one (422 on workspaceId), and accepts one of theirs', async () => {
    const other = await seedWorkspace(t.operator);
    const both = await newUser(globex.slug);
    await grant(t.operator, both.email, other.project.id, ['reports:read']); // a membership in a second workspace
    const secret = (await personalToken(both.email)).secret;
    const unnamed = await auto(secret, { errorMessage: `two homes ${Date.now()}` });
    expect(unnamed.statusCode).toBe(422);
    expect(unnamed.json()).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: { fields: { workspaceId: expect.any(Array) } } } });
    expect([200, 201]).toContain((await auto(secret, { errorMessage: MESSAGE, workspaceId: other.workspace.id })).statusCode);
  });

  it('refuses a workspace the caller does not belong to exactly like one that does not exist (422)', async () => {
    const stranger = await seedWorkspace(t.operator);
    const foreign = await auto(firstMember, { errorMessage: MESSAGE, workspaceId: stranger.workspace.id });
    const missing = await auto(firstMember, { errorMessage: MESSAGE, workspaceId: 'ws_doesnotexist' });
    expect(foreign.statusCode).toBe(422);
    expect(missing.statusCode).toBe(422);
    expect(foreign.json().error).toEqual(missing.json().error); // no oracle for other tenants' ids
  });

  it('answers a member’s GraphQL reportError with a summary counting this occurrence, never the report', async () => {
    const message = `graphql replay ${Date.now()}`;
    expect((await auto(firstMember, { errorMessage: message })).statusCode).toBe(201);
    const result = await graphql(t.app, `mutation ($m: String) { reportError(input: { source: AUTO_SERVER, errorMessage: $m }) { created summary { id occurrenceCount } bugReport { id } userErrors { code } } }`, { m: message }, secondMember);
    expect(successData(result.data.reportError)).toEqual({ created: false, summary: { id: expect.any(String), occurrenceCount: 2 }, bugReport: null });
  });
});

// ---------------------------------------------------------------------------------------------

const MiB = 1024 * 1024;

/** A multipart body of `count` text fields of `size` bytes each, produced lazily (never held whole). */
function hugeMultipart(count: number, size: number): { boundary: string; stream: Readable; produced(): number } {
  const boundary = `----intake${crypto.randomBytes(8).toString('hex')}`;
  const chunk = Buffer.alloc(size, 'a');
  let produced = 0;
  async function* body() {
    for (let i = 0; i < count; i++) {
      yield Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="description"\r\n\r\n`);
      produced += chunk.length;
      yield chunk;
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return { boundary, stream: Readable.from(body(), { objectMode: false }), produced: () => produced };
}

/** A small hand-built multipart body: [name, value] text parts and [name, bytes, filename] files. */
function multipartBody(parts: Array<[string, string] | [string, Buffer, string]>) {
  const boundary = `----intake${crypto.randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const [name, value, filename] = part;
    const disposition = filename === undefined ? `form-data; name="${name}"` : `form-data; name="${name}"; filename="${filename}"`;
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: ${disposition}\r\n${filename === undefined ? '' : 'content-type: image/png\r\n'}\r\n`));
    chunks.push(Buffer.isBuffer(value) ? value : Buffer.from(value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, payload: Buffer.concat(chunks) };
}

describe('the multipart report route authorizes before reading the body, and bounds it', () => {
  const postReport = (headers: Record<string, string>, payload: Buffer | Readable | string, projectId = seed.project.id) =>
    t.app.inject({ method: 'POST', url: `/api/projects/${projectId}/reports`, headers, payload });
  const postParts = (parts: Parameters<typeof multipartBody>[0], secret = reportToken) => {
    const { contentType, payload } = multipartBody(parts);
    return postReport({ 'content-type': contentType, ...bearer(secret) }, payload);
  };

  it('answers an anonymous 300 × 1 MiB body 401 without reading it', async () => {
    const { boundary, stream, produced } = hugeMultipart(300, MiB);
    const response = await postReport({ 'content-type': `multipart/form-data; boundary=${boundary}` }, stream);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ message: 'Unauthenticated.' });
    expect(produced()).toBeLessThan(16 * MiB); // answered long before the 300 MiB were pulled
  });

  it('refuses a token of a project in another workspace (404/422) before reading, never 201 or 413', async () => {
    const other = await seedWorkspace(t.operator);
    const { boundary, stream, produced } = hugeMultipart(300, MiB);
    const response = await postReport({ 'content-type': `multipart/form-data; boundary=${boundary}`, ...bearer(reportToken) }, stream, other.project.id);
    expect([404, 422]).toContain(response.statusCode);
    expect(produced()).toBeLessThan(16 * MiB);
  });

  it('keeps memory flat across five anonymous 300 × 1 MiB bodies (RSS grows < 200 MB)', async () => {
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 5; i++) {
      const { boundary, stream } = hugeMultipart(300, MiB);
      const response = await postReport({ 'content-type': `multipart/form-data; boundary=${boundary}` }, stream);
      expect(response.statusCode).toBe(401);
    }
    globalThis.gc?.();
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * MiB);
  });

  it('answers 413 in the kendo envelope for too many fields (12)', async () => {
    const response = await postParts(Array.from({ length: 12 }, () => ['title', 'x'] as [string, string]));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ message: expect.any(String) });
  });

  it('ignores an unknown text field, as Laravel ignores input it does not validate (201)', async () => {
    const response = await postParts([['title', 't'], ['description', 'd'], ['foo', 'bar']]);
    expect(response.statusCode).toBe(201);
  });

  it('refuses a file part named files[-1] (422)', async () => {
    const response = await postParts([['title', 't'], ['description', 'd'], ['files[-1]', PNG(), 'a.png']]);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors).toHaveProperty(['files[-1]']);
  });

  it('refuses a multipart description over 256 KiB (422)', async () => {
    const response = await postParts([['title', 't'], ['description', 'x'.repeat(256 * 1024 + 1)]]);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.description).toEqual(expect.any(Array));
  });

  it('refuses 7 files (422 on files)', async () => {
    const files = Array.from({ length: 7 }, (_, i) => ['files[]', PNG(100, i + 1), `${i}.png`] as [string, Buffer, string]);
    const response = await postParts([['title', 't'], ['description', 'd'], ...files]);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.files).toEqual(expect.any(Array));
  });

  it('answers a body without a boundary, or a truncated one, 400 with a message', async () => {
    const noBoundary = await postReport({ 'content-type': 'multipart/form-data', ...bearer(reportToken) }, 'whatever');
    expect(noBoundary.statusCode).toBe(400);
    expect(noBoundary.json()).toEqual({ message: expect.any(String) });
    const { contentType, payload } = multipartBody([['title', 't'], ['description', 'd']]);
    const truncated = await postReport({ 'content-type': contentType, ...bearer(reportToken) }, payload.subarray(0, payload.length - 30));
    expect(truncated.statusCode).toBe(400);
    expect(truncated.json()).toEqual({ message: expect.any(String) });
  });
});

// ---------------------------------------------------------------------------------------------

interface Stream {
  response: Response;
  /** Everything read so far. */
  text(): string;
  /** Resolves once the server ends the stream (after any error event). */
  ended: Promise<void>;
  abort(): void;
}

async function subscribe(address: string, secret: string, projectId: number): Promise<Stream> {
  const controller = new AbortController();
  const response = await fetch(`${address}/graphql`, {
    method: 'POST',
    signal: controller.signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ query: `subscription { reportQueueChanged(projectId: ${projectId}) { change reportId } }` }),
  });
  let text = '';
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted by the test
    }
  })();
  return { response, text: () => text, ended, abort: () => controller.abort() };
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise.then(() => 'done' as const), new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);

/** The app's address; it listens from the first block that needs a real connection, in whatever order blocks run. */
async function listening(): Promise<string> {
  if (!t.app.server.listening) await t.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(t.app.server.address() as net.AddressInfo).port}`;
}

describe('live subscriptions outlive no revocation, and are capped per credential', () => {
  let address: string;
  const submit = (title: string) =>
    t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports`, headers: { 'content-type': 'application/json', ...bearer(reportToken) }, payload: { title, description: 'x' } });

  beforeAll(async () => {
    address = await listening();
  });

  /** Submits reports until every stream has seen a `created` event (the server sets streams up asynchronously). */
  async function untilAllSee(streams: Stream[]) {
    for (let attempt = 0; attempt < 20 && !streams.every((s) => s.text().includes('"CREATED"')); attempt++) {
      await submit(`live ${attempt}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('ends a member’s stream within the recheck interval of revoking their token, with no event to trigger it', async () => {
    const member = await newUser(seed.workspace.slug);
    const { token, secret } = await personalToken(member.email);
    const stream = await subscribe(address, secret, seed.project.id);
    expect(stream.response.headers.get('content-type')).toMatch(/text\/event-stream/);
    await untilAllSee([stream]); // the stream is live and authorized
    expect(stream.text()).toContain('"CREATED"');
    await revokeToken(t.operator, token.id);
    try {
      expect(await within(stream.ended, t.config.liveRecheckMs + 2_000)).toBe('done');
    } finally {
      stream.abort();
    }
  }, 15_000);

  it('refuses a third concurrent stream of one credential (rate_limited) while the first two keep working', async () => {
    const member = await newUser(seed.workspace.slug);
    const { secret } = await personalToken(member.email);
    const first = await subscribe(address, secret, seed.project.id);
    const second = await subscribe(address, secret, seed.project.id);
    await untilAllSee([first, second]); // both set up, each holding a slot
    const third = await subscribe(address, secret, seed.project.id);
    try {
      expect(await within(third.ended, 5_000)).toBe('done');
      const refusal = JSON.parse(/data: (\{.*\})/.exec(third.text())![1]!);
      expect(refusal.errors[0]).toMatchObject({ message: expect.stringMatching(/limit|too many/i), extensions: { code: 'rate_limited' } });
      const seen = [first.text().length, second.text().length];
      const marker = `after the refusal ${Date.now()}`;
      const created = (await submit(marker)).json().id as number;
      for (let i = 0; i < 20 && !(first.text().includes(`${created}`) && second.text().includes(`${created}`)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(first.text().slice(seen[0])).toContain(`"reportId":${created}`);
      expect(second.text().slice(seen[1])).toContain(`"reportId":${created}`);
    } finally {
      for (const s of [first, second, third]) s.abort();
    }
  }, 15_000);
});

// ---------------------------------------------------------------------------------------------

describe('admin operations check the token’s abilities, not only the person', () => {
  const typename = 'userErrors { code }';

  it('refuses an administrator’s read-only token every mutation (forbidden) and creates nothing', async () => {
    const { secret } = await personalToken(seed.admin.email, ['read']);
    const victim = await personalToken(seed.member.email);
    const slug = uniqueSlug('ro');
    const before = { tokens: await t.db.prisma.apiToken.count(), activities: await t.db.prisma.userActivity.count() };
    const calls: Array<[string, string, Record<string, unknown>]> = [
      ['createWorkspace', `mutation ($s: String!) { createWorkspace(input: { slug: $s, name: "RO" }) { ${typename} } }`, { s: slug }],
      ['createProject', `mutation ($w: String!, $s: String!) { createProject(input: { workspace: $w, slug: $s, name: "RO" }) { ${typename} } }`, { w: seed.workspace.slug, s: slug }],
      ['revokeToken', `mutation ($id: ID!) { revokeToken(input: { id: $id }) { ${typename} } }`, { id: victim.token.id }],
      ['createProjectToken', `mutation ($p: ID!) { createProjectToken(input: { project: $p, name: "RO", abilities: [REPORT_CREATE] }) { ${typename} } }`, { p: String(seed.project.id) }],
      ['recordActivity', `mutation { recordActivity(input: { source: "page-view", summary: "read-only" }) { ${typename} } }`, {}],
    ];
    for (const [field, query, variables] of calls) {
      const result = await graphql(t.app, query, variables, secret);
      expect({ field, result: result.data?.[field] }).toEqual({ field, result: { userErrors: [{ code: 'FORBIDDEN' }] } });
    }
    expect(await t.db.prisma.workspace.count({ where: { slug } })).toBe(0);
    expect(await t.db.prisma.project.count({ where: { slug } })).toBe(0);
    expect(await t.db.prisma.apiToken.count()).toBe(before.tokens);
    expect(await t.db.prisma.userActivity.count()).toBe(before.activities);
    expect((await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: victim.token.id } })).revokedAt).toBeNull();
  });

  it('refuses a read-only token revoking its owner’s other token', async () => {
    const owner = await newUser(seed.workspace.slug);
    const readOnly = await personalToken(owner.email, ['read']);
    const other = await personalToken(owner.email);
    const result = await graphql(t.app, `mutation ($id: ID!) { revokeToken(input: { id: $id }) { ${typename} } }`, { id: other.token.id }, readOnly.secret);
    expect(result.data.revokeToken).toEqual({ userErrors: [{ code: 'FORBIDDEN' }] });
    expect((await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: other.token.id } })).revokedAt).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------

describe('rate limits count verified credentials; made-up tokens share the address bucket', () => {
  let limited: TestApp;
  let own: Seed;
  beforeAll(async () => {
    limited = await createTestApp({ rateLimits: { reports: 5, default: 3, health: 3 }, maxConnectionsPerClient: 3 });
    own = await seedWorkspace(limited.operator);
  });
  afterAll(async () => {
    await limited.close();
  });
  const list = (secret: string) => limited.app.inject({ method: 'GET', url: `/api/projects/${own.project.id}/reports`, headers: bearer(secret) });

  it('answers 10 requests with 10 different random tokens 401 × 5, then 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await list(`intake_pat_${crypto.randomBytes(32).toString('base64url')}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
  });

  it('gives each person one bucket of 5, whichever of their tokens they use (even after the address bucket is spent)', async () => {
    const a = (await createToken(limited.operator, { kind: 'PERSONAL', name: 'a', user: own.admin.email })).secret;
    const b = (await createToken(limited.operator, { kind: 'PERSONAL', name: 'b', user: own.admin.email })).secret;
    const other = (await createToken(limited.operator, { kind: 'PERSONAL', name: 'c', user: own.member.email })).secret;
    const statuses = async (secret: string, times: number) => {
      const seen: number[] = [];
      for (let i = 0; i < times; i++) seen.push((await list(secret)).statusCode);
      return seen;
    };
    expect(await statuses(a, 6)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await statuses(b, 1)).toEqual([429]); // minting another token buys no more
    expect(await statuses(other, 6)).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('rate limits /healthz and unknown URLs too (the 4th is 429)', async () => {
    for (const url of ['/healthz', '/nope']) {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.app.inject({ method: 'GET', url })).statusCode);
      expect({ url, statuses }).toEqual({ url, statuses: [url === '/healthz' ? 200 : 404, url === '/healthz' ? 200 : 404, url === '/healthz' ? 200 : 404, 429] });
    }
  });

  it('caps open connections per client: the 4th and 5th idle sockets hear 429 and are closed, the first 3 stay', async () => {
    const address = new URL(await limited.app.listen({ host: '127.0.0.1', port: 0 }));
    const sockets = await Promise.all(Array.from({ length: 5 }, async () => {
      const socket = net.connect(Number(address.port), '127.0.0.1');
      const state = { socket, data: '', closed: false };
      socket.on('data', (chunk) => (state.data += chunk.toString()));
      socket.on('close', () => (state.closed = true));
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      await new Promise((resolve) => setTimeout(resolve, 50)); // keep the connection order deterministic
      return state;
    }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(sockets.map((s) => s.closed)).toEqual([false, false, false, true, true]);
      for (const s of sockets.slice(3)) expect(s.data).toMatch(/^HTTP\/1\.1 429/);
      for (const s of sockets.slice(0, 3)) expect(s.data).toBe('');
    } finally {
      for (const s of sockets) s.socket.destroy();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('HTTP limits are configured on the server', () => {
  it('has a positive request timeout (≤ 120 s) that the listening server uses', async () => {
    expect(HTTP_LIMITS.requestTimeout).toBeGreaterThan(0);
    expect(HTTP_LIMITS.requestTimeout).toBeLessThanOrEqual(120_000);
    await listening();
    expect(t.app.server.requestTimeout).toBe(HTTP_LIMITS.requestTimeout);
  });
});

// ---------------------------------------------------------------------------------------------

describe('attachments: any file name downloads, blobs are private, no existence oracle', () => {
  let png: Awaited<ReturnType<typeof uploadAttachment>>;
  beforeAll(async () => {
    png = await uploadAttachment('報告.png', PNG(256, 77));
  });
  const download = (id: number, secret?: string) => t.app.inject({ method: 'GET', url: `/api/attachments/${id}`, headers: secret ? bearer(secret) : {} });

  it('serves a non-ASCII name with an RFC 6266 filename* and an ASCII fallback', async () => {
    const response = await download(png.id, seed.adminToken);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toContain("filename*=UTF-8''%E5%A0%B1%E5%91%8A.png");
    expect(response.headers['content-disposition']).toContain('filename="');
  });

  it('serves a name holding a control character', async () => {
    const bell = await uploadAttachment('bell\u0007.png', PNG(256, 78));
    const response = await download(bell.id, seed.adminToken);
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload).toEqual(PNG(256, 78));
  });

  it('stores blobs 0600 in 0700 folders', async () => {
    const file = t.app.services.blobs.pathOf(png.sha256);
    expect(file.startsWith(t.config.storageDir)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });

  it('answers anonymous callers 401 whether the attachment exists or not', async () => {
    const existing = await download(png.id);
    const missing = await download(999_999);
    expect([existing.statusCode, missing.statusCode]).toEqual([401, 401]);
    expect(existing.json()).toEqual(missing.json());
  });

  it('answers another workspace’s member exactly as for a missing id (404 not_found)', async () => {
    const stranger = await seedWorkspace(t.operator);
    const existing = await download(png.id, stranger.memberToken);
    const missing = await download(999_999, stranger.memberToken);
    const body = { error: { code: 'not_found', message: 'Attachment not found.' } };
    expect({ status: existing.statusCode, body: existing.json() }).toMatchObject({ status: 404, body });
    expect({ status: missing.statusCode, body: missing.json() }).toMatchObject({ status: 404, body });
    expect(existing.body).toBe(missing.body); // byte for byte: "not yours" reads as "not there"
  });
});

// ---------------------------------------------------------------------------------------------

describe('security headers and the GraphiQL page', () => {
  it('sends x-content-type-options: nosniff on every response', async () => {
    const responses = [
      await t.app.inject({ method: 'GET', url: '/healthz' }),
      await t.app.inject({ method: 'GET', url: '/api/no-such-route' }),
      await t.app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: { query: '{ __typename }' } }),
    ];
    expect(responses.map((r) => r.headers['x-content-type-options'])).toEqual(['nosniff', 'nosniff', 'nosniff']);
  });

  it('serves GraphiQL with a frame-refusing CSP, gzipped when asked', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const gzipped = await t.app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html', 'accept-encoding': 'gzip' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(gzipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(plain.body);
  });
});

// ---------------------------------------------------------------------------------------------

describe('emails and the admin flag are the person’s and the administrators’ only', () => {
  let author: Awaited<ReturnType<typeof newUser>>;
  let authorToken: string;
  let reportId: string;
  let issueId: string;
  const REPORT = `query ($id: ID!) { report(id: $id) { id reporter { id email isAdmin } } }`;
  const ISSUE = `query ($id: ID!) { issue(id: $id) { id createdBy { id email } } }`;

  beforeAll(async () => {
    author = await newUser(seed.workspace.slug);
    await grant(t.operator, author.email, seed.project.id, ['reports:read', 'reports:create']);
    authorToken = (await personalToken(author.email)).secret;
    const filed = await graphql(t.app, `mutation ($p: ID!) { submitReport(input: { project: $p, title: "Mine", description: "x" }) { report { id } userErrors { code } } }`, { p: String(seed.project.id) }, authorToken);
    reportId = successData(filed.data.submitReport).id;
    const promoted = await graphql(t.app, `mutation ($p: ID!, $ids: [ID!]!) { promoteReports(input: { project: $p, reportIds: $ids }) { issue { id } userErrors { code } } }`, { p: String(seed.project.id), ids: [reportId] }, seed.adminToken);
    issueId = promoted.data.promoteReports.issue.id;
  });

  it('hides the author’s email and role from a member who is not the author', async () => {
    const seen = (await graphql(t.app, REPORT, { id: reportId }, seed.memberToken)).data.report;
    expect(seen).toEqual({ id: reportId, reporter: { id: author.id, email: null, isAdmin: null } });
  });

  it('hides the issue creator’s email from a member', async () => {
    const seen = (await graphql(t.app, ISSUE, { id: issueId }, seed.memberToken)).data.issue;
    expect(seen).toEqual({ id: issueId, createdBy: { id: seed.admin.id, email: null } });
  });

  it('never shows a machine credential anybody’s email (project and workspace tokens)', async () => {
    // Project tokens may not read reports at all; whatever they get must not carry the email.
    const asProjectToken = await graphql(t.app, REPORT, { id: reportId }, reportToken);
    expect(JSON.stringify(asProjectToken)).not.toContain(author.email);
    // A workspace token reads the board, so it reaches the author: without email or role.
    const workspaceToken = await createToken(t.operator, { kind: 'WORKSPACE', name: 'board', workspace: seed.workspace.slug, abilities: ['read'] });
    const seen = (await graphql(t.app, REPORT, { id: reportId }, workspaceToken.secret)).data.report;
    expect(seen).toEqual({ id: reportId, reporter: { id: author.id, email: null, isAdmin: null } });
  });

  it('shows the author their own email, and an administrator everyone’s', async () => {
    expect((await graphql(t.app, REPORT, { id: reportId }, authorToken)).data.report.reporter).toEqual({ id: author.id, email: author.email, isAdmin: false });
    expect((await graphql(t.app, REPORT, { id: reportId }, seed.adminToken)).data.report.reporter).toEqual({ id: author.id, email: author.email, isAdmin: false });
    expect((await graphql(t.app, ISSUE, { id: issueId }, seed.adminToken)).data.issue.createdBy).toEqual({ id: seed.admin.id, email: seed.admin.email });
  });
});

// ---------------------------------------------------------------------------------------------

describe('the token tree: children are listed under, and revoked with, their parent', () => {
  it('lists a workspace token’s child with parentTokenId, and 401s the child once the parent is revoked', async () => {
    const parent = await createToken(t.operator, { kind: 'WORKSPACE', name: 'ws', workspace: seed.workspace.slug, abilities: ['read', 'write'] });
    const minted = await graphql(t.app, `mutation ($p: ID!) { createProjectToken(input: { project: $p, name: "child", abilities: [REPORT_CREATE] }) { secret token { id } userErrors { code message } } }`, { p: String(seed.project.id) }, parent.secret);
    const child = successData(minted.data.createProjectToken);
    const listed = await graphql(t.app, '{ tokens(first: 100) { edges { node { id parentTokenId } } } }', {}, parent.secret);
    expect(listed.data.tokens.edges.map((e: { node: unknown }) => e.node)).toContainEqual({ id: child.token.id, parentTokenId: parent.token.id });

    const submit = () =>
      t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports`, headers: { 'content-type': 'application/json', ...bearer(child.secret) }, payload: { title: 'child', description: 'x' } });
    expect((await submit()).statusCode).toBe(201);
    await revokeToken(t.operator, parent.token.id);
    expect((await submit()).statusCode).toBe(401);
  });
});
