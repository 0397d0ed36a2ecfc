// A bounded, deterministic fuzz of every REST route and of GraphQL: hostile ids, bodies, content
// types and credentials. Whatever a client sends, the service must answer with a client error in
// its family's envelope — never a 500 — and still be healthy afterwards. Failures are collected
// and reported together, so one run shows every case that needs fixing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMITS } from '../src/modules/index.ts';
import { createProject, createToken } from '../src/modules/workspaces/service.ts';
import { submitReport } from '../src/modules/reports/service.ts';
import { createBugReport } from '../src/modules/bug-reports/service.ts';
import { attachmentPath, attachmentUrl, reportPath, reportUrl } from '../src/modules/test-runs/service.ts';
import { uploadPath } from '../src/modules/test-runs/ingest.ts';
import { signingKey, signPath } from '../src/auth/signing.ts';
import { bearer, createTestApp, uniqueSlug, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';
import { caseId, kenshoRun, screenshotBytes, sha256 } from './kensho-fixture.ts';
import { pngBytes } from './fixtures/images.ts';

let t: TestApp;
let A: Awaited<ReturnType<typeof seedWorkspace>>;
let B: Awaited<ReturnType<typeof seedWorkspace>>;
type TokenKind = 'none' | 'garbage' | 'malformed' | 'project' | 'admin' | 'member' | 'workspace';
/** The credential of each kind (garbage and malformed are whole Authorization values). */
const tokens: Record<TokenKind, string | null> = {
  none: null,
  garbage: null,
  malformed: null,
  project: null,
  admin: null,
  member: null,
  workspace: null,
};
const TOKEN_KINDS = Object.keys(tokens) as TokenKind[];
/** Seeded ids the hostile ones are mixed with. */
const real = { reportsA: [] as number[], reportB: 0, attachment: 0, bugReport: '' };
/**
 * Seeded Kaizen resources: a pushed run in each workspace (three cases, case 0 with a screenshot),
 * an upload init described but nobody sent (its PUT URL takes the hostile bodies), the projects of
 * B finalizes rotate over (Kaizen allows 60 finalizes a minute per project), a project slug both
 * workspaces use, and signed links: the genuine ones and ones signed with an expiry already past.
 */
const kz = {
  runA: '', runB: '', attachmentA: 0, attachmentB: 0,
  upload: { id: '', query: '' },
  targets: [] as string[],
  twin: '',
  links: {} as Record<'reportB' | 'attachmentB' | 'uploadB' | 'reportA' | 'expiredReportB' | 'expiredAttachmentB' | 'expiredUploadB' | 'unknownUpload', { path: string; query: string }>,
};
const seedProblems: string[] = [];

// A request that never answers is a failure to report, not a reason to lose the whole run.
const INJECT_TIMEOUT_MS = 5_000;
/** The run stops sending (and says how many cases it skipped) past this, to stay within the test timeout. */
const RUN_BUDGET_MS = 150_000;
async function withTimeout<T>(promise: Promise<T>, ms = INJECT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  // Rate limits would turn most of the run into 429s and hide the cases behind them.
  const unlimited = Object.fromEntries(Object.keys(RATE_LIMITS).map((family) => [family, 1_000_000]));
  t = await createTestApp({ rateLimits: unlimited });
  A = await seedWorkspace(t.operator);
  B = await seedWorkspace(t.operator);
  tokens.garbage = `Bearer intake_pat_${'x'.repeat(43)}`;
  tokens.malformed = 'Bearer !!!';
  tokens.project = (await projectToken(t.operator, A.project.id, ['report:create', 'error-events:write', 'bug-reports:write'])).secret;
  tokens.admin = A.adminToken;
  tokens.member = A.memberToken;
  tokens.workspace = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ws', workspace: B.workspace.slug, abilities: ['read', 'write', 'bug-reports:write'] })).secret;
  for (let i = 0; i < 6; i++) real.reportsA.push((await submitReport(t.operator, A.project.id, { title: `seed ${i}`, description: 'seed' })).id);
  real.reportB = (await submitReport(t.operator, B.project.id, { title: 'seed B', description: 'seed' })).id;
  // An attachment through the public multipart route (the skin's file plumbing is internal).
  const form = new FormData();
  form.append('title', 'with file');
  form.append('description', 'seed');
  form.append('files[0]', new Blob([new Uint8Array(png(64, 1))]), 'a.png');
  // If that fails, the run goes on with id 1 and reports the failure (it must not hide the rest).
  try {
    const withFile = await withTimeout(t.app.inject({ method: 'POST', url: `/api/projects/${A.project.id}/reports`, headers: bearer(tokens.project), payload: form }));
    if (withFile.statusCode !== 201) throw new Error(`answered ${withFile.statusCode}: ${withFile.body.slice(0, 200)}`);
    real.attachment = (await t.db.prisma.attachment.findFirstOrThrow({ where: { reportId: withFile.json().id } })).id;
  } catch (error) {
    seedProblems.push(`seeding an attachment through POST …/reports (multipart, one PNG) failed: ${(error as Error).message}`);
    real.attachment = 1;
  }
  real.bugReport = (await createBugReport(t.operator, { title: 'seed bug', source: 'user:command', workspaceId: A.workspace.id })).id;
  await seedKaizen();
});

/** A kensho push through the public routes (init, PUT of case 0's screenshot, finalize): the run id and its attachment id. */
async function pushSeedRun(token: string, workspace: string, project: string, id: string): Promise<{ run: string; attachment: number }> {
  const call = async (method: 'POST' | 'PUT', url: string, payload: string | Buffer, contentType = 'application/json') => {
    const response = await withTimeout(t.app.inject({ method, url, headers: { 'content-type': contentType, ...bearer(token) }, payload }));
    if (response.statusCode >= 300) throw new Error(`${method} ${url.split('?')[0]} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
    return response.json();
  };
  const bytes = Buffer.concat([screenshotBytes(0), Buffer.from(id)]);
  const init = await call('POST', '/v1/ingest/kensho/init', JSON.stringify({ workspace, project, runId: id, attachments: [{ id: `${caseId(0)}::shot`, sha256: sha256(bytes), size: bytes.length, contentType: 'image/png' }] }));
  const url = new URL(init.presignedUrls[0].url);
  await call('PUT', url.pathname + url.search, bytes, 'image/png');
  const finalized = await call('POST', '/v1/ingest/kensho/finalize', JSON.stringify({ uploadId: init.uploadId, workspace, run: kenshoRun({ id, project, cases: 3, screenshots: [0] }) }));
  const attachment = await t.db.prisma.runAttachment.findFirstOrThrow({ where: { caseRun: { runId: finalized.internalRunId } } });
  return { run: finalized.internalRunId, attachment: attachment.id };
}

async function seedKaizen() {
  for (let i = 0; i < 5; i++) kz.targets.push((await createProject(t.operator, { workspace: B.workspace.slug, slug: uniqueSlug('fz'), name: 'Fuzz target' })).slug);
  kz.targets.unshift(B.project.slug);
  kz.twin = uniqueSlug('twin');
  for (const seed of [A, B]) await createProject(t.operator, { workspace: seed.workspace.slug, slug: kz.twin, name: 'Twin' });
  // If a push fails, the run goes on with ids that exist nowhere and reports the failure.
  kz.runA = kz.runB = `run_${'0'.repeat(26)}`;
  try {
    ({ run: kz.runA, attachment: kz.attachmentA } = await pushSeedRun(A.adminToken, A.workspace.slug, A.project.slug, 'fuzz-seed-a'));
    ({ run: kz.runB, attachment: kz.attachmentB } = await pushSeedRun(tokens.workspace!, B.workspace.slug, B.project.slug, 'fuzz-seed-b'));
    const pending = Buffer.from('bytes init described and nobody sent');
    const init = await withTimeout(t.app.inject({
      method: 'POST', url: '/v1/ingest/kensho/init', headers: { 'content-type': 'application/json', ...bearer(tokens.workspace!) },
      payload: JSON.stringify({ workspace: B.workspace.slug, project: B.project.slug, runId: 'fuzz-pending', attachments: [{ id: 'pending', sha256: sha256(pending), size: pending.length, contentType: 'image/png' }] }),
    }));
    if (init.statusCode !== 200) throw new Error(`init of the pending upload answered ${init.statusCode}: ${init.body.slice(0, 200)}`);
    const url = new URL(init.json().presignedUrls[0].url);
    kz.upload = { id: init.json().uploadId, query: url.search.slice(1) };
  } catch (error) {
    seedProblems.push(`seeding the Kaizen runs and upload failed: ${(error as Error).message}`);
  }
  const services = t.app.services;
  const key = await signingKey(services.prisma);
  const past = new Date(services.clock.now().getTime() - 60_000);
  const link = (url: string) => ({ path: new URL(url).pathname, query: new URL(url).search.slice(1) });
  const signed = (path: string, at: Date) => {
    const { expires, signature } = signPath(key, path, at);
    return { path, query: `expires=${expires}&signature=${signature}` };
  };
  const future = new Date(services.clock.now().getTime() + 60 * 60_000);
  kz.links = {
    reportB: link(await reportUrl(services, kz.runB)),
    attachmentB: link(await attachmentUrl(services, kz.runB, kz.attachmentB)),
    uploadB: { path: uploadPath(kz.upload.id, 0), query: kz.upload.query },
    reportA: link(await reportUrl(services, kz.runA)),
    expiredReportB: signed(reportPath(kz.runB), past),
    expiredAttachmentB: signed(attachmentPath(kz.runB, kz.attachmentB), past),
    expiredUploadB: signed(uploadPath(kz.upload.id, 0), past),
    unknownUpload: signed(uploadPath(`upl_${'0'.repeat(26)}`, 0), future),
  };
}
afterAll(() => t?.close());

// --- Deterministic randomness -------------------------------------------------------------------

/** mulberry32: a tiny seeded PRNG, so every run sends the same requests in the same order. */
function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(0x1b7a4e);
const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
/** `n` distinct items, in a seeded order. */
function sample<T>(items: readonly T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

// --- Routes ---------------------------------------------------------------------------------------

type Family = 'kendo' | 'raven' | 'graphql' | 'intake' | 'kaizen';
type Method = 'GET' | 'POST' | 'DELETE' | 'PUT';
interface Route {
  name: string;
  method: Method;
  family: Family;
  /**
   * The URL for a project id and a report (or attachment) id, both already URL-safe text. Kaizen
   * routes put their outer id (project ref, run id, upload id) in the first slot.
   */
  url: (project: string, id: string) => string;
  /** The token most likely to get past authentication, so hostile bodies reach validation. */
  preferred: TokenKind;
  /** A valid body, which the field mutations start from (undefined: the route reads none). */
  base?: () => Record<string, unknown>;
  /** Fields whose values are fuzzed (the documented ones). */
  fields?: string[];
  usesProjectId?: boolean;
  usesId?: boolean;
  /** The ids each slot is fuzzed with when they are not kendo's (the first is the real one, used by default). */
  projectIds?: () => string[];
  ids?: () => string[];
  /** What a caller with no valid credential must hear (routes that require one). */
  anonymous?: number;
}

const reports = (p: string) => `/api/projects/${p}/reports`;
const ravenVerbs = (prefix: string): Route[] => [
  { name: `${prefix} list`, method: 'POST', family: 'raven', url: () => `${prefix}/bug-reports/list`, preferred: 'admin', base: () => ({ page: 1, limit: 5 }), fields: ['source', 'severity', 'status', 'workspaceId', 'fromDate', 'toDate', 'page', 'limit'] },
  { name: `${prefix} get`, method: 'POST', family: 'raven', url: () => `${prefix}/bug-reports/get`, preferred: 'admin', base: () => ({ bugReportId: real.bugReport }), fields: ['bugReportId'] },
  { name: `${prefix} create`, method: 'POST', family: 'raven', url: () => `${prefix}/bug-reports/create`, preferred: 'admin', base: () => ({ title: 'Fuzz', source: 'user:command', severity: 'low', workspaceId: A.workspace.id, context: { page: 'x' } }), fields: ['title', 'description', 'source', 'severity', 'spaceId', 'workspaceId', 'context'] },
  { name: `${prefix} auto`, method: 'POST', family: 'raven', url: () => `${prefix}/bug-reports/auto`, preferred: 'project', base: () => ({ source: 'auto:server', errorMessage: 'fuzz', errorStack: 'at x', context: { a: 1 } }), fields: ['source', 'errorMessage', 'errorStack', 'errorCode', 'title', 'severity', 'workspaceId', 'spaceId', 'context', 'metadata', 'occurredAt'] },
  { name: `${prefix} update`, method: 'POST', family: 'raven', url: () => `${prefix}/bug-reports/update`, preferred: 'admin', base: () => ({ bugReportId: real.bugReport, title: 'Fuzzed' }), fields: ['bugReportId', 'title', 'description', 'severity', 'status'] },
  { name: `${prefix} delete`, method: 'POST', family: 'raven', url: () => `${prefix}/bug-reports/delete`, preferred: 'admin', base: () => ({ bugReportId: 'bug_does_not_exist' }), fields: ['bugReportId'] },
];
const ROUTES: Route[] = [
  { name: 'GET reports', method: 'GET', family: 'kendo', url: (p) => reports(p), preferred: 'admin', usesProjectId: true },
  { name: 'POST reports', method: 'POST', family: 'kendo', url: (p) => reports(p), preferred: 'project', usesProjectId: true, base: () => ({ title: 'Fuzz', description: 'fuzz', author_name: 'Fuzzer' }), fields: ['title', 'description', 'author_name'] },
  { name: 'promote', method: 'POST', family: 'kendo', url: (p) => `${reports(p)}/promote`, preferred: 'admin', usesProjectId: true, base: () => ({ report_ids: [real.reportsA[5]], title: 'Fuzz issue' }), fields: ['report_ids', 'issue_id', 'title', 'description'] },
  { name: 'reorder', method: 'POST', family: 'kendo', url: (p) => `${reports(p)}/reorder`, preferred: 'admin', usesProjectId: true, base: () => ({ report_ids: [real.reportsA[1], real.reportsA[0]] }), fields: ['report_ids'] },
  { name: 'dismiss', method: 'POST', family: 'kendo', url: (p, id) => `${reports(p)}/${id}/dismiss`, preferred: 'admin', usesProjectId: true, usesId: true, base: () => ({}) },
  { name: 'DELETE report', method: 'DELETE', family: 'kendo', url: (p, id) => `${reports(p)}/${id}`, preferred: 'admin', usesProjectId: true, usesId: true },
  { name: 'error-events', method: 'POST', family: 'kendo', url: (p) => `/api/projects/${p}/error-events`, preferred: 'project', usesProjectId: true, base: () => ({ environment: 'production', exception_class: 'FuzzException', message: 'fuzz', stack_trace: '#0 x.php(1): y()', release: 'v1' }), fields: ['environment', 'exception_class', 'message', 'stack_trace', 'release'] },
  ...ravenVerbs('/api'),
  ...ravenVerbs('/api/v1'),
  { name: 'attachment', method: 'GET', family: 'intake', url: (_p, id) => `/api/attachments/${id}`, preferred: 'admin', usesId: true },
  { name: 'healthz', method: 'GET', family: 'intake', url: () => '/healthz', preferred: 'none' },
  // Kaizen: B's workspace token is the caller that gets past authorization, so ids default to B's.
  { name: 'kaizen projects', method: 'GET', family: 'kaizen', url: () => '/v1/projects', preferred: 'workspace', anonymous: 401 },
  { name: 'kaizen project', method: 'GET', family: 'kaizen', url: (p) => `/v1/projects/${p}`, preferred: 'workspace', anonymous: 401, usesProjectId: true, projectIds: () => projectRefs() },
  { name: 'kaizen run', method: 'GET', family: 'kaizen', url: (run) => `/v1/runs/${run}`, preferred: 'workspace', anonymous: 401, usesProjectId: true, projectIds: () => runIds() },
  { name: 'kaizen run cases', method: 'GET', family: 'kaizen', url: (run) => `/v1/runs/${run}/cases`, preferred: 'workspace', anonymous: 401, usesProjectId: true, projectIds: () => runIds() },
  { name: 'kaizen run case', method: 'GET', family: 'kaizen', url: (run, id) => `/v1/runs/${run}/cases/${id}`, preferred: 'workspace', anonymous: 401, usesProjectId: true, usesId: true, projectIds: () => runIds(), ids: () => caseIds() },
  { name: 'kaizen init', method: 'POST', family: 'kaizen', url: () => '/v1/ingest/kensho/init', preferred: 'workspace', anonymous: 401, base: () => ({ workspace: B.workspace.slug, project: B.project.slug, runId: 'fuzz-init', attachments: [{ id: 'a', sha256: 'a'.repeat(64), size: 10, contentType: 'image/png' }] }), fields: ['workspace', 'projectSlug', 'runId', 'attachments', 'attachments.0.id', 'attachments.0.sha256', 'attachments.0.size', 'attachments.0.contentType'] },
  // Each finalize body is a new run (a run already stored is answered, not validated and stored
  // again) of the next of B's projects (the per-project limit would turn the rest into 429s).
  { name: 'kaizen finalize', method: 'POST', family: 'kaizen', url: () => '/v1/ingest/kensho/finalize', preferred: 'workspace', anonymous: 401, base: () => ({ workspace: B.workspace.slug, run: kenshoRun({ ...nextRun(), cases: 2, screenshots: [0] }) }), fields: ['uploadId', 'workspace', 'run', 'run.id', 'run.project.slug', 'run.startedAt', 'run.testCases.0.id', 'run.testCases.0.name', 'run.testCases.0.steps.0.children', 'run.testCases.0.steps.0.assertion.expected', 'run.testCases.0.attachments.0.meta'] },
  { name: 'kaizen finalize (top-level run)', method: 'POST', family: 'kaizen', url: () => '/v1/ingest/kensho/finalize', preferred: 'workspace', anonymous: 401, base: () => topLevelRun(kenshoRun({ ...nextRun(), cases: 2 })), fields: ['runId', 'cases', 'cases.0.status'] },
  { name: 'kaizen upload', method: 'PUT', family: 'kaizen', url: (upload, index) => `/v1/ingest/kensho/uploads/${upload}/${index}?${kz.upload.query}`, preferred: 'none', usesProjectId: true, usesId: true, projectIds: () => [kz.upload.id, `upl_${'0'.repeat(26)}`, ...KAIZEN_HOSTILE_IDS], ids: () => ['0', '1', '00000', '99999', '100000', '1e3', '-1', 'abc', '%00'] },
  { name: 'run report', method: 'GET', family: 'intake', url: (run) => `/runs/${run}/report`, preferred: 'workspace', anonymous: 401, usesProjectId: true, projectIds: () => runIds() },
  { name: 'run attachment', method: 'GET', family: 'intake', url: (run, id) => `/runs/${run}/attachments/${id}`, preferred: 'workspace', anonymous: 401, usesProjectId: true, usesId: true, projectIds: () => runIds(), ids: () => [String(kz.attachmentB), String(kz.attachmentA), '-1', '9999999999', ...KAIZEN_HOSTILE_IDS] },
  // Unmatched URLs and methods answer in the family their URL belongs to.
  { name: 'unknown kendo', method: 'PUT', family: 'kendo', url: (p) => reports(p), preferred: 'admin', usesProjectId: true, base: () => ({}) },
  { name: 'unknown raven', method: 'POST', family: 'raven', url: () => '/api/bug-reports/explode', preferred: 'admin', base: () => ({}) },
  { name: 'unknown', method: 'POST', family: 'intake', url: (_p, id) => `/api/nothing/${id}`, preferred: 'admin', base: () => ({}) },
  { name: 'unknown kaizen', method: 'DELETE', family: 'kaizen', url: (run) => `/v1/runs/${run}`, preferred: 'workspace', projectIds: () => runIds() },
  { name: 'unknown runs', method: 'GET', family: 'intake', url: (run) => `/runs/${run}`, preferred: 'workspace', projectIds: () => runIds() },
];
const POST_ROUTES = ROUTES.filter((r) => r.method !== 'GET' && r.method !== 'DELETE');

// Hostile ids: in range, out of int32, not numbers, undecodable, too long for a route parameter.
const HOSTILE_IDS = ['0', '-1', '2147483648', '99999999999999999999', 'abc', '%ff', '1'.repeat(5_000)];
const projectIds = () => [String(A.project.id), String(B.project.id), ...HOSTILE_IDS];
const reportIds = () => [String(real.reportsA[2]), String(real.reportB), String(real.attachment), ...HOSTILE_IDS];
// Kaizen's ids are text that reaches queries: NUL (encoded, and inside an otherwise good id) too.
const KAIZEN_HOSTILE_IDS = ['0', '2147483648', 'abc', '%ff', '1'.repeat(5_000), '%00', 'a%00b'];
/** Run ids: B's, A's (foreign to the preferred token), well-formed but unknown, almost well-formed. */
const runIds = () => [kz.runB, kz.runA, `run_${'0'.repeat(26)}`, `run_${'A'.repeat(26)}`, `run_${'0'.repeat(25)}%00`, ...KAIZEN_HOSTILE_IDS];
/** Project refs: slug, `<workspace>/<slug>` and prj_ id of each workspace, a slug both use, odd text. */
const projectRefs = () => [
  B.project.slug, A.project.slug, `${B.workspace.slug}%2F${B.project.slug}`, `${A.workspace.slug}%2F${A.project.slug}`, B.project.publicId, A.project.publicId,
  kz.twin, `${B.workspace.id}%2F${kz.twin}`, '%2F', '%20', '..', ...KAIZEN_HOSTILE_IDS,
];
const caseIds = () => [caseId(1), caseId(99), `${caseId(1)}%00`, ...KAIZEN_HOSTILE_IDS];
let finalizeTurn = 0;
const nextRun = () => ({ id: `fuzz-run-${finalizeTurn}`, project: kz.targets[finalizeTurn++ % kz.targets.length]! });
/** The Kaizen document's finalize spelling: the run's fields at the top level, `runId` and `cases`. */
function topLevelRun(run: ReturnType<typeof kenshoRun>): Record<string, unknown> {
  const { id, testCases, ...fields } = run;
  return { workspaceSlug: B.workspace.slug, runId: id, cases: testCases, ...fields };
}

// --- Bodies ---------------------------------------------------------------------------------------

interface Payload {
  summary: string;
  contentType?: string;
  body?: string | Buffer;
}
const json = (summary: string, value: unknown, contentType = 'application/json'): Payload => ({ summary, contentType, body: JSON.stringify(value) });
const raw = (summary: string, body: string | Buffer, contentType: string | undefined = 'application/json'): Payload => ({ summary, contentType, body });

const png = pngBytes;

/** `{"a":{"a":…1…}}` as text: building the object and stringifying it would recurse 10,000 deep. */
const deepObjectText = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const DEEP = 10_000;
const LONG = 'x'.repeat(70_000);
const NUL = '\u0000';
const DATES = ['0000-01-01T00:00:00Z', '-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00Z', 'not a date'];
const DATE_FIELDS = new Set(['occurredAt', 'fromDate', 'toDate', 'run.startedAt']);
/** Fields that take free-form JSON (kensho keeps attachment meta and assertion values as sent). */
const OBJECT_FIELDS = new Set(['context', 'metadata', 'run.testCases.0.steps.0.assertion.expected', 'run.testCases.0.attachments.0.meta']);

/** Values a field is set to, one at a time: wrong types, out-of-range numbers, NULs, huge text. */
const HOSTILE_VALUES: Array<[string, unknown]> = [
  ['42', 42], ['-1', -1], ['1.5', 1.5], ['2147483648', 2147483648], ['1e308', 1e308], ['[]', []], ['["x"]', ['x']], ['[2147483648]', [2147483648]],
  ['[-1]', [-1]], ['[1.5]', [1.5]], ['{}', {}], ['{a:1}', { a: 1 }], ['null', null], ['true', true], ['""', ''], ['70k chars', LONG],
  ['"a\\0b"', `a${NUL}b`], ['date 0000', DATES[0]], ['far date', DATES[2]],
];
/** Field values that are JSON text, not JS values (a key the JS object syntax would swallow, or depth). */
const HOSTILE_RAW_VALUES: Array<[string, string]> = [
  ['{__proto__}', '{"__proto__":{"polluted":true}}'],
  ['{constructor}', '{"constructor":{"prototype":{"polluted":true}}}'],
  ['{"\\0":"\\0"}', '{"\\u0000":"\\u0000"}'],
  ['nested 10k', deepObjectText(DEEP)],
  // Below the depth a sanitizer might stop at, a key PostgreSQL's jsonb cannot hold.
  ['NUL key 70 deep', `${'{"a":'.repeat(70)}{"\\u0000":"\\u0000"}${'}'.repeat(70)}`],
];

/** The base body with one field (a dotted path for nested ones: `run.testCases.0.id`) replaced by JSON text. */
function withField(base: Record<string, unknown>, field: string, valueText: string): string {
  if (field.includes('.')) {
    const marker = '\u0001fuzz-value\u0001';
    const copy = structuredClone(base);
    const keys = field.split('.');
    let at: Record<string, unknown> = copy;
    for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
    at[keys.at(-1)!] = marker;
    return JSON.stringify(copy).replace(JSON.stringify(marker), () => valueText);
  }
  const rest = JSON.stringify({ ...base, [field]: undefined });
  return rest === '{}' ? `{${JSON.stringify(field)}:${valueText}}` : `{${JSON.stringify(field)}:${valueText},${rest.slice(1)}`;
}

/** Whole bodies, sent to every route that reads one. */
const WHOLE_BODIES = (): Payload[] => [
  raw('malformed JSON', '{"title": "x", '),
  raw('malformed JSON (brace)', '{'),
  raw('trailing garbage', '{"title":"x"} trailing'),
  raw('empty body', ''),
  raw('null', 'null'),
  raw('number', '42'),
  raw('string', '"just a string"'),
  raw('array', '[{"title":"x"}]'),
  raw('true', 'true'),
  raw('raw NUL text', `{"title":"a${NUL}b"}`),
  raw('__proto__ key', '{"__proto__":{"polluted":true},"title":"x","description":"y","source":"user:command"}'),
  raw('constructor key', '{"constructor":{"prototype":{"polluted":true}},"title":"x","description":"y","source":"auto:server"}'),
  raw('context 10k deep', `{"title":"x","description":"y","source":"auto:server","errorMessage":"deep","context":${deepObjectText(DEEP)}}`),
  raw('array 10k deep', '['.repeat(DEEP) + ']'.repeat(DEEP)),
  raw('70k-char JSON string', JSON.stringify(LONG)),
  raw('invalid UTF-8', Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d])),
  raw('BOM + JSON', '\ufeff{"title":"x","description":"y"}'),
  raw('json; charset=utf-16', '{"title":"x"}', 'application/json; charset=utf-16'),
];

// Multipart, written by hand so it can be broken on purpose.
const BOUNDARY = 'fuzzBoundary7MA4YWxk';
function multipartBody(parts: Array<{ name: string; filename?: string; data: string | Buffer }>, boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    const type = part.filename ? '\r\nContent-Type: image/png' : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
const FIELDS = [{ name: 'title', data: 'Multipart' }, { name: 'description', data: 'fuzz' }];
const MULTIPART_BODIES = (): Payload[] => {
  const valid = multipartBody([...FIELDS, { name: 'files[0]', filename: 'a.png', data: png(256, 3) }]);
  return [
    raw('multipart valid', valid, `multipart/form-data; boundary=${BOUNDARY}`),
    raw('multipart no boundary', valid, 'multipart/form-data'),
    raw('multipart wrong boundary', valid, 'multipart/form-data; boundary=somethingElse'),
    raw('multipart truncated', valid.subarray(0, Math.floor(valid.length / 2)), `multipart/form-data; boundary=${BOUNDARY}`),
    raw('multipart files[-1]', multipartBody([...FIELDS, { name: 'files[-1]', filename: 'a.png', data: png(128, 4) }]), `multipart/form-data; boundary=${BOUNDARY}`),
    raw('multipart 7 files', multipartBody([...FIELDS, ...Array.from({ length: 7 }, (_, i) => ({ name: 'files[]', filename: `${i}.png`, data: png(100, 10 + i) }))]), `multipart/form-data; boundary=${BOUNDARY}`),
    raw('multipart NUL field', multipartBody([{ name: 'title', data: NUL }, { name: `desc${NUL}`, data: `a${NUL}b` }]), `multipart/form-data; boundary=${BOUNDARY}`),
  ];
};

/** The route's valid body in each content type a client might send it as. */
function contentTypeVariants(route: Route): Payload[] {
  const base = route.base?.() ?? {};
  const form = new URLSearchParams(Object.entries(base).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
  const parts = Object.entries(base).map(([name, v]) => ({ name, data: typeof v === 'string' ? v : JSON.stringify(v) }));
  return [
    json('base as application/json', base),
    json('base as text/plain', base, 'text/plain'),
    raw('base as x-www-form-urlencoded', form, 'application/x-www-form-urlencoded'),
    raw('base as multipart', multipartBody(parts), `multipart/form-data; boundary=${BOUNDARY}`),
    raw('base as multipart without boundary', multipartBody(parts), 'multipart/form-data'),
    raw('base with no content-type', JSON.stringify(base), undefined),
  ];
}

// --- GraphQL --------------------------------------------------------------------------------------

const gqlCases = (): Payload[] => {
  const op = (summary: string, query: string, variables?: unknown) => json(`graphql: ${summary}`, { query, variables });
  const nested = (depth: number) => `{ ${'projects { workspace { '.repeat(depth)}id${' } }'.repeat(depth)} }`;
  return [
    op('report(id: 2147483648)', '{ report(id: 2147483648) { id } }'),
    op('report(id: -1)', '{ report(id: -1) { id } }'),
    op('project(slug: "\\u0000")', '{ project(slug: "\\u0000") { id } }'),
    op('project(slug: raw NUL)', `{ project(slug: "a${NUL}b") { id } }`),
    op('project(id: $id) with NUL variable', 'query($id: ID) { project(id: $id) { id } }', { id: NUL }),
    op('project(id: huge)', 'query($id: ID) { project(id: $id) { id } }', { id: '99999999999999999999' }),
    op('errorGroups(search/environment NUL)', `query($p: ID, $s: String) { project(id: $p) { errorGroups(filter: { search: $s, environment: $s }) { edges { node { id } } } } }`, { p: String(A.project.id), s: NUL }),
    op('reports(first: -1)', `{ project(id: "${A.project.id}") { reports(first: -1) { edges { node { id } } } } }`),
    op('reports(after: "garbage")', `{ project(id: "${A.project.id}") { reports(after: "garbage") { edges { node { id } } } } }`),
    op('reports(first: 2147483648)', `{ project(id: "${A.project.id}") { reports(first: 2147483648) { edges { node { id } } } } }`),
    op('issues(last: -5, before: garbage)', `{ project(id: "${A.project.id}") { issues(last: -5, before: "%%%") { edges { node { id } } } } }`),
    ...['GPC:N:2147483648', 'GPC:S:abc', 'GPC:Z:', 'GPC:N:-1'].map((cursor) =>
      op(`issues(after: forged ${cursor})`, 'query($p: ID, $c: String) { project(id: $p) { issues(first: 2, after: $c) { edges { node { id } } } } }', { p: String(A.project.id), c: Buffer.from(cursor).toString('base64') }),
    ),
    op('bugReports(before: forged number for a text id)', 'query($c: String) { bugReports(last: 2, before: $c) { edges { node { id } } } }', { c: Buffer.from('GPC:N:5').toString('base64') }),
    op('1,600 repeated __typename', `{ ${Array.from({ length: 1_600 }, () => '__typename').join(' ')} }`),
    op('4,000 tokens', `{ nodes(ids: [${Array.from({ length: 4_000 }, () => '"x"').join(',')}]) { id } }`),
    op('bugReports(filter dates)', 'query($f: BugReportFilter) { bugReports(filter: $f, first: 5) { edges { node { id } } } }', { f: { fromDate: DATES[1], toDate: DATES[2] } }),
    op('bugReports(filter not a date)', 'query($f: BugReportFilter) { bugReports(filter: $f) { edges { node { id } } } }', { f: { fromDate: 'not a date', toDate: DATES[0] } }),
    op('bugReport(id: NUL)', 'query($id: ID!) { bugReport(id: $id) { id } }', { id: NUL }),
    op('errorGroup(id: 2147483648 variable)', 'query($id: Int!) { errorGroup(id: $id) { id } }', { id: 2147483648 }),
    op('nested 30', nested(30)),
    op('nested 3000 (parser depth)', nested(3_000)),
    op('2000 aliases of __typename', `{ ${Array.from({ length: 2_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`),
    op('query is a number', 42 as unknown as string),
    op('variables is a string', '{ __typename }', 'not an object'),
    op('variables is an array', '{ __typename }', []),
    json('graphql: operationName object', { query: '{ __typename }', operationName: { x: 1 } }),
    json('graphql: extensions string', { query: '{ __typename }', extensions: 'x' }),
    json('graphql: batch array', [{ query: '{ __typename }' }]),
    json('graphql: empty JSON object', {}),
    raw('graphql: JSON null', 'null'),
    raw('graphql: JSON number', '42'),
    raw('graphql: JSON string', '"{ __typename }"'),
    raw('graphql: empty body', ''),
    raw('graphql: malformed JSON', '{"query": '),
    raw('graphql: text/plain body', '{ __typename }', 'text/plain'),
    raw('graphql: text/plain JSON', JSON.stringify({ query: '{ __typename }' }), 'text/plain'),
    raw('graphql: urlencoded', 'query=%7B__typename%7D', 'application/x-www-form-urlencoded'),
    raw('graphql: no content-type', JSON.stringify({ query: '{ __typename }' }), undefined),
    raw('graphql: multipart without operations', multipartBody([{ name: 'x', data: 'y' }]), `multipart/form-data; boundary=${BOUNDARY}`),
    raw('graphql: multipart bad map', multipartBody([{ name: 'operations', data: '{"query":"mutation($f: [File!]) { submitReport(input: { project: \\"1\\", title: \\"t\\", description: \\"d\\", files: $f }) { userErrors { code } } }","variables":{"f":[null]}}' }, { name: 'map', data: '{"0":["variables.f.99"]}' }, { name: '0', filename: 'a.png', data: png(64, 5) }]), `multipart/form-data; boundary=${BOUNDARY}`),
    raw('graphql: reportError context 10k deep', `{"query":"mutation($c: JSON) { reportError(input: { source: AUTO_SERVER, errorMessage: \\"deep\\", context: $c }) { userErrors { code } } }","variables":{"c":${deepObjectText(DEEP)}}}`),
    op('reportError occurredAt far date', 'mutation($d: DateTime) { reportError(input: { source: AUTO_CLIENT, errorMessage: "d", occurredAt: $d }) { userErrors { code } } }', { d: DATES[2] }),
    op('reportError occurredAt 0000', 'mutation($d: DateTime) { reportError(input: { source: AUTO_CLIENT, errorMessage: "d0", occurredAt: $d }) { userErrors { code } } }', { d: DATES[0] }),
    op('createBugReport NUL + __proto__ context', 'mutation($c: JSON, $t: String!) { createBugReport(input: { title: $t, context: $c }) { userErrors { code } } }', { t: `a${NUL}`, c: JSON.parse('{"__proto__":{"x":1},"constructor":{"y":2},"k":"\\u0000"}') }),
    op('submitReport NUL title', 'mutation($p: ID!, $t: String!) { submitReport(input: { project: $p, title: $t, description: $t }) { userErrors { code } } }', { p: String(A.project.id), t: `x${NUL}y` }),
    op('promoteReports ids beyond int32', 'mutation($p: ID!) { promoteReports(input: { project: $p, reportIds: [2147483648] }) { userErrors { code } } }', { p: String(A.project.id) }),
    op('promoteReports issueId -1', 'mutation($p: ID!, $r: [Int!]!) { promoteReports(input: { project: $p, reportIds: $r, issueId: -1 }) { userErrors { code } } }', { p: String(A.project.id), r: [-1, 0] }),
    op('dismissReport(id: -1)', 'mutation { dismissReport(input: { id: -1 }) { userErrors { code } } }'),
    op('deleteReport project B report', `mutation { deleteReport(input: { id: ${real.reportB} }) { userErrors { code } } }`),
    op('recordActivity 70k', 'mutation($s: String!) { recordActivity(input: { source: $s, summary: $s }) { userErrors { code } } }', { s: LONG }),
    op('run(id: the other workspace\'s run)', 'query($id: ID) { run(id: $id) { id externalRunId } }', { id: kz.runA }),
    op('run(id: NUL)', 'query($id: ID) { run(id: $id) { id } }', { id: `run_${NUL.repeat(26)}` }),
    op('run cases(first: -1, after: garbage)', 'query($id: ID) { run(id: $id) { cases(first: -1, after: "garbage") { edges { node { id } } } } }', { id: kz.runB }),
    op('run cases(first: 2147483648)', 'query($id: ID) { run(id: $id) { cases(first: 2147483648) { totalCount } } }', { id: kz.runB }),
    op('testCase(id: 2147483648)', '{ testCase(id: "2147483648") { id } }'),
    op('project runs(branch: NUL)', 'query($p: ID, $b: String) { project(id: $p) { runs(filter: { branch: $b }, first: 5) { edges { node { id } } } } }', { p: String(B.project.id), b: `a${NUL}b` }),
    op('createProjectToken bad expiry', 'mutation($p: ID!) { createProjectToken(input: { project: $p, name: "x", abilities: [REPORT_CREATE], expiresAt: "-271821-04-20T00:00:00Z" }) { userErrors { code } } }', { p: String(A.project.id) }),
  ];
};

// --- Running and judging --------------------------------------------------------------------------

interface Case {
  /** The route's name in the table (groups the report). */
  route: string;
  method: Method;
  url: string;
  token: TokenKind;
  payload?: Payload;
  family: Family;
  /** The statuses this case must answer, where the contract names one (401 anonymous, 404 foreign, 403 forged). */
  expect?: number[];
}
interface Failure {
  problem: string;
  c: Case;
  status: number;
  body: string;
}

const short = (text: string, n: number) => (text.length > n ? `${text.slice(0, n)}…(${text.length} chars)` : text);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The envelope an error of this family must have; undefined when it does. */
function envelopeProblem(family: Family, status: number, body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'error body is not JSON';
  }
  switch (family) {
    case 'kendo':
      return isObject(parsed) && typeof parsed.message === 'string' ? undefined : 'not a kendo {message} envelope';
    case 'raven': {
      const error = isObject(parsed) ? parsed.error : undefined;
      const ok = isObject(parsed) && parsed.success === false && parsed.status === status && isObject(error) && typeof error.code === 'string' && typeof error.message === 'string';
      return ok ? undefined : 'not a raven {success:false,status,error:{code,message}} envelope';
    }
    case 'graphql':
      return isObject(parsed) && Array.isArray(parsed.errors) ? undefined : 'not a GraphQL {errors:[…]} envelope';
    case 'intake': {
      // Kaizen's shape; details are always an object here (validation errors included).
      const error = isObject(parsed) ? parsed.error : undefined;
      return isObject(error) && typeof error.code === 'string' && typeof error.message === 'string' && isObject(error.details) ? undefined : 'not an {error:{code,message,details}} envelope';
    }
    case 'kaizen': {
      const error = isObject(parsed) ? parsed.error : undefined;
      if (!isObject(error) || typeof error.code !== 'string' || typeof error.message !== 'string' || !('details' in error)) return 'not a kaizen {error:{code,message,details}} envelope';
      if (error.code !== 'validation_failed') return isObject(error.details) ? undefined : 'kaizen details not an object';
      // Schema errors: 400 with a JSON path per problem.
      const details = error.details;
      const ok = status === 400 && Array.isArray(details) && details.length > 0 && details.every((d: unknown) => isObject(d) && typeof d.path === 'string' && d.path.startsWith('$') && typeof d.message === 'string');
      return ok ? undefined : 'kaizen validation error not 400 with details [{path:"$…",message}]';
    }
  }
}

/** What identifies each workspace in an answer: its ids and slugs, its project's, its run's. */
const tenantMarkers = (seed: typeof A, run: string) => [seed.workspace.id, seed.workspace.slug, seed.project.slug, seed.project.publicId, run];
/**
 * A Kaizen answer (or a /runs answer to a bearer token) naming the other workspace to a token
 * of this one, where the request did not name it itself. Admins see everything.
 */
function leakProblem(c: Case, body: string): string | undefined {
  if (c.family !== 'kaizen' && !(c.url.startsWith('/runs/') && !c.url.includes('signature='))) return undefined;
  const foreign = c.token === 'workspace' ? tenantMarkers(A, kz.runA) : c.token === 'member' || c.token === 'project' ? [...tenantMarkers(B, kz.runB), ...kz.targets] : [];
  const sent = `${c.url} ${c.payload?.body?.toString() ?? ''}`;
  const leaked = foreign.filter((marker) => marker && body.includes(marker) && !sent.includes(marker));
  return leaked.length ? `names the other workspace (${leaked.join(', ')})` : undefined;
}

/**
 * GraphQL's 500: Yoga answers an unexpected resolver failure with a masked `internal` error,
 * often under HTTP 200, so the status alone would not show it.
 */
function maskedInternalError(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    const errors = isObject(parsed) && Array.isArray(parsed.errors) ? parsed.errors : [];
    return errors.some((e: unknown) => isObject(e) && isObject(e.extensions) && e.extensions.code === 'internal');
  } catch {
    return false;
  }
}

async function send(c: Case): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = {};
  if (c.payload?.contentType) headers['content-type'] = c.payload.contentType;
  const secret = tokens[c.token];
  // garbage/malformed are whole Authorization values; the others are secrets.
  if (secret) Object.assign(headers, c.token === 'garbage' || c.token === 'malformed' ? { authorization: secret } : bearer(secret));
  const response = await withTimeout(t.app.inject({ method: c.method, url: c.url, headers, ...(c.payload?.body !== undefined ? { payload: c.payload.body } : {}) }));
  return { status: response.statusCode, body: response.body };
}

/** Every request of the run, in a fixed order. */
function buildCases(): Case[] {
  const cases: Case[] = [];
  const add = (route: Route, token: TokenKind, payload?: Payload, project = route.projectIds?.()[0] ?? String(A.project.id), id = route.ids?.()[0] ?? String(real.reportsA[3]), expect?: number[]) =>
    cases.push({ route: route.name, method: route.method, url: route.url(project, id), token, payload, family: route.family, ...(expect ? { expect } : {}) });
  const tokenFor = (route: Route): TokenKind => (random() < 0.8 ? route.preferred : pick(TOKEN_KINDS));
  const baseOf = (route: Route): Payload | undefined => (route.base ? json('base body', route.base()) : undefined);

  // 1. Every route with every credential (no valid credential: the route's 401, where it needs one).
  const uncredentialed = new Set<TokenKind>(['none', 'garbage', 'malformed']);
  for (const route of ROUTES) {
    for (const token of TOKEN_KINDS) add(route, token, baseOf(route), undefined, undefined, route.anonymous && uncredentialed.has(token) ? [route.anonymous] : undefined);
  }

  // 2. Hostile project ids and report/attachment ids (each route's own kinds of id, where it has them).
  for (const route of ROUTES.filter((r) => r.usesProjectId)) {
    for (const project of (route.projectIds ?? projectIds)()) add(route, tokenFor(route), baseOf(route), project);
  }
  for (const route of ROUTES.filter((r) => r.usesId)) {
    for (const id of (route.ids ?? reportIds)()) for (const token of sample(TOKEN_KINDS, 2)) add(route, token, baseOf(route), undefined, id);
  }

  // 3. Status filters that are not 0|1|2, including prototype names.
  const list = ROUTES.find((r) => r.name === 'GET reports')!;
  for (const status of ['__proto__', 'constructor', '9', 'toString', '', '%00', '-1', '1.5', '0&status=1', '2147483648']) {
    for (const token of ['admin', 'member'] as const) cases.push({ route: 'GET reports ?status', method: 'GET', url: `${reports(String(A.project.id))}?status=${status}`, token, family: list.family });
  }
  cases.push({ route: 'GET reports ?status', method: 'GET', url: `${reports(String(A.project.id))}?status[]=0&status[__proto__]=1`, token: 'admin', family: 'kendo' });
  cases.push({ route: 'GET reports ?status', method: 'GET', url: `${reports(String(A.project.id))}?${'a=1&'.repeat(3_000)}`, token: 'admin', family: 'kendo' });

  // 4. One field at a time: a NUL string in every field, dates in date fields, then a seeded
  //    sample of wrong types, out-of-range numbers and hostile JSON values.
  for (const route of ROUTES) {
    if (!route.base || !route.fields) continue;
    for (const field of route.fields) {
      const sendField = (summary: string, valueText: string) => add(route, tokenFor(route), raw(`${field}=${summary}`, withField(route.base!(), field, valueText)));
      sendField('"\\0"', JSON.stringify(NUL));
      if (DATE_FIELDS.has(field)) for (const date of DATES) sendField(JSON.stringify(date), JSON.stringify(date));
      if (OBJECT_FIELDS.has(field)) for (const [summary, text] of HOSTILE_RAW_VALUES) sendField(summary, text);
      for (const [summary, value] of sample(HOSTILE_VALUES, 5)) sendField(summary, JSON.stringify(value));
      const [summary, text] = pick(HOSTILE_RAW_VALUES);
      if (!OBJECT_FIELDS.has(field)) sendField(summary, text);
    }
  }

  // 5. Whole hostile bodies and multipart bodies, to every route that reads a body.
  //    /api/v1 runs the same handlers as /api (the two finalize spellings one route; an upload
  //    takes any bytes alike): a seeded third of the bodies is enough there.
  const SAMPLED = new Set(['kaizen finalize (top-level run)', 'kaizen upload']);
  for (const route of POST_ROUTES) {
    const bodies = [...WHOLE_BODIES(), ...MULTIPART_BODIES()];
    for (const payload of route.name.startsWith('/api/v1') || SAMPLED.has(route.name) ? sample(bodies, 8) : bodies) add(route, tokenFor(route), payload);
  }

  // 6. The valid body in every content type.
  for (const route of POST_ROUTES) for (const payload of contentTypeVariants(route)) add(route, route.preferred, payload);

  // 7. A body over the limit, once per family (5 MB is costly: a handful is enough).
  const huge = Buffer.alloc(5 * 1024 * 1024, 0x61);
  for (const name of ['POST reports', 'error-events', '/api create', '/api/v1 auto', 'unknown', 'kaizen finalize', 'kaizen upload']) {
    const route = ROUTES.find((r) => r.name === name)!;
    add(route, route.preferred, raw('5 MB garbage (json)', huge));
  }
  add(ROUTES.find((r) => r.name === 'POST reports')!, 'project', raw('5 MB garbage (multipart)', huge, `multipart/form-data; boundary=${BOUNDARY}`));
  cases.push({ route: 'graphql', method: 'POST', url: '/graphql', token: 'admin', payload: raw('5 MB garbage', huge), family: 'graphql' });

  // 8. GraphQL: each hostile operation as the admin and as one seeded other credential.
  for (const payload of gqlCases()) {
    cases.push({ route: 'graphql', method: 'POST', url: '/graphql', token: 'admin', payload, family: 'graphql' });
    cases.push({ route: 'graphql', method: 'POST', url: '/graphql', token: pick(TOKEN_KINDS.filter((k) => k !== 'admin')), payload, family: 'graphql' });
  }
  const bigQuery = encodeURIComponent(`{ ${Array.from({ length: 850 }, (_, i) => `f${i}: __typename`).join(' ')} }`);
  cases.push({ route: 'graphql', method: 'GET', url: `/graphql?query=${bigQuery}`, token: 'admin', family: 'graphql', payload: { summary: `GET ${bigQuery.length}-char query string` } });
  cases.push({ route: 'graphql', method: 'GET', url: `/graphql?query=${encodeURIComponent('mutation { dismissReport(input: { id: 1 }) { userErrors { code } } }')}`, token: 'admin', family: 'graphql', payload: { summary: 'GET mutation' } });
  cases.push({ route: 'graphql', method: 'GET', url: '/graphql?query=%ff', token: 'admin', family: 'graphql', payload: { summary: 'GET undecodable query' } });
  cases.push({ route: 'graphql', method: 'GET', url: '/graphql?query={__typename}&variables=not-json', token: 'admin', family: 'graphql', payload: { summary: 'GET variables not JSON' } });
  cases.push({ route: 'graphql', method: 'PUT', url: '/graphql', token: 'admin', family: 'graphql', payload: json('PUT', { query: '{ __typename }' }) });

  // 9. Kaizen: a run's case page with bogus filters, cursors and limits (400, not a 500 or all rows).
  const page = (query: string, expect?: number[], token: TokenKind = 'workspace', run = kz.runB) =>
    cases.push({ route: 'kaizen run cases ?query', method: 'GET', url: `/v1/runs/${run}/cases?${query}`, token, family: 'kaizen', ...(expect ? { expect } : {}) });
  const cursor = (text: string) => Buffer.from(text).toString('base64url');
  for (const status of ['__proto__', 'toString', 'PASS', 'pass%00', 'fail&status=pass', 'x'.repeat(5_000)]) page(`status=${status}`, [400]);
  for (const text of ['garbage', '%00', 'x'.repeat(5_000), cursor('cr:-1'), cursor('cr:1e3'), cursor('cr:99999999999'), 'a&cursor=b']) page(`cursor=${text}`, [400]);
  // Cursors in the form this API gives out, past any row or past int32: an empty page or a 400.
  for (const text of [cursor('cr:0'), cursor('cr:2147483647'), cursor('cr:2147483648'), cursor('cr:9999999999')]) page(`cursor=${text}`, [200, 400]);
  for (const limit of ['0', '1001', '1.5', '', '%00', 'Infinity', '1&limit=2', '1e400']) page(`limit=${limit}`, [400]);
  page('status=fail&limit=1&cursor=garbage', [400]);
  page(`status=${'x'.repeat(10)}&limit=0`, [404], 'member');
  page('cursor=garbage', [404], 'workspace', kz.runA);
  for (const status of ['__proto__', 'constructor', '%00', 'a&status=b', 'x'.repeat(5_000)]) {
    cases.push({ route: 'run report ?status', method: 'GET', url: `/runs/${kz.runB}/report?status=${status}`, token: 'workspace', family: 'intake' });
  }

  // 10. Foreign ids: what belongs to the other workspace is not found (404, never 403), to every token of this one.
  const foreign: Array<[TokenKind, typeof A, typeof A, string, number]> = [
    ['workspace', B, A, kz.runA, kz.attachmentA],
    ['member', A, B, kz.runB, kz.attachmentB],
    ['project', A, B, kz.runB, kz.attachmentB],
  ];
  for (const [token, own, other, run, attachment] of foreign) {
    const get = (route: string, url: string, family: Family = 'kaizen') => cases.push({ route: `${route} (foreign)`, method: 'GET', url, token, family, expect: [404] });
    get('kaizen run', `/v1/runs/${run}`);
    get('kaizen run cases', `/v1/runs/${run}/cases`);
    get('kaizen run cases', `/v1/runs/${run}/cases?status=fail&limit=1`);
    get('kaizen run case', `/v1/runs/${run}/cases/${caseId(1)}`);
    get('run report', `/runs/${run}/report`, 'intake');
    get('run attachment', `/runs/${run}/attachments/${attachment}`, 'intake');
    get('kaizen project', `/v1/projects/${other.project.slug}`);
    get('kaizen project', `/v1/projects/${other.workspace.slug}%2F${other.project.slug}`);
    get('kaizen project', `/v1/projects/${other.project.publicId}`);
    // The slug both workspaces use names this one's project, without a word about the other's.
    cases.push({ route: 'kaizen project (twin slug)', method: 'GET', url: `/v1/projects/${kz.twin}`, token, family: 'kaizen', expect: token === 'project' ? [404] : [200, 403] });
    const post = (route: string, url: string, body: unknown) => cases.push({ route: `${route} (foreign)`, method: 'POST', url, token, family: 'kaizen', payload: json(`naming workspace ${other === A ? 'A' : 'B'}`, body), expect: [404] });
    post('kaizen init', '/v1/ingest/kensho/init', { workspace: other.workspace.slug, project: other.project.slug, runId: 'foreign', attachments: [] });
    post('kaizen finalize', '/v1/ingest/kensho/finalize', { workspace: other.workspace.id, run: kenshoRun({ id: 'foreign', project: other.project.slug, cases: 1 }) });
    if (own === B) post('kaizen finalize', '/v1/ingest/kensho/finalize', { run: kenshoRun({ id: 'foreign', project: other.project.slug, cases: 1 }) });
  }

  // 11. Signed links: each way of forging, replaying or outliving one is refused (403), whoever asks.
  const { reportB, attachmentB, uploadB, reportA, expiredReportB, expiredAttachmentB, expiredUploadB, unknownUpload } = kz.links;
  const flip = (text: string) => text.slice(0, -1) + (text.endsWith('A') ? 'B' : 'A');
  const params = (query: string) => Object.fromEntries(new URLSearchParams(query)) as { expires: string; signature: string };
  const forgeries = (genuine: { query: string }, expired: { query: string }, other: { query: string }): Array<[string, string]> => {
    const { expires, signature } = params(genuine.query);
    return [
      ['forged signature', `expires=${expires}&signature=${flip(signature)}`],
      ['signature of another path', other.query],
      ['expiry moved', `expires=${Number(expires) + 1}&signature=${signature}`],
      ['expired', expired.query],
      ['empty signature', `expires=${expires}&signature=`],
      ['signature twice', `expires=${expires}&signature=${signature}&signature=${signature}`],
      ['expires twice', `expires=${expires}&expires=${expires}&signature=${signature}`],
      ['expires not a number', `expires=abc&signature=${signature}`],
      ['expires 13 digits', `expires=9999999999999&signature=${signature}`],
      ['expires negative', `expires=-1&signature=${signature}`],
      ['5000-char signature', `expires=${expires}&signature=${'A'.repeat(5_000)}`],
      ['NUL signature', `expires=${expires}&signature=%00${signature.slice(1)}`],
    ];
  };
  const link = (route: string, family: Family, method: Method, target: { path: string; query: string }, summary: string, expect: number[], token: TokenKind = 'none', payload?: Payload) =>
    cases.push({ route: `${route} (signed link)`, method, url: `${target.path}?${target.query}`, token, family, expect, payload: payload ?? { summary } });
  const notTheBytes = (summary: string) => raw(summary, Buffer.from('not the bytes init described'), 'image/png');
  link('run report', 'intake', 'GET', reportB, 'genuine', [200]);
  link('run attachment', 'intake', 'GET', attachmentB, 'genuine', [200]);
  link('kaizen upload', 'kaizen', 'PUT', uploadB, 'genuine, other bytes', [400], 'none', notTheBytes('genuine URL, other bytes'));
  link('kaizen upload', 'kaizen', 'PUT', unknownUpload, 'genuine signature, unknown upload', [404], 'none', notTheBytes('genuine signature, unknown upload'));
  for (const [summary, query] of forgeries(reportB, expiredReportB, reportA)) link('run report', 'intake', 'GET', { path: reportB.path, query }, summary, [403]);
  for (const [summary, query] of forgeries(attachmentB, expiredAttachmentB, reportB)) link('run attachment', 'intake', 'GET', { path: attachmentB.path, query }, summary, [403]);
  for (const [summary, query] of forgeries(uploadB, expiredUploadB, unknownUpload)) link('kaizen upload', 'kaizen', 'PUT', { path: uploadB.path, query }, summary, [403], 'none', notTheBytes(summary));
  // A bearer token does not rescue a bad signature; the genuine link of B's run does not open A's.
  link('run report', 'intake', 'GET', { path: reportB.path, query: forgeries(reportB, expiredReportB, reportA)[0]![1] }, 'forged signature + admin token', [403], 'admin');
  link('run report', 'intake', 'GET', { path: reportPath(kz.runA), query: reportB.query }, "B's signature on A's report", [403]);
  link('run attachment', 'intake', 'GET', { path: attachmentPath(kz.runB, kz.attachmentA), query: attachmentB.query }, "B's signature, A's attachment", [403]);
  link('run attachment', 'intake', 'GET', { path: attachmentPath(kz.runA, kz.attachmentA), query: attachmentB.query }, "B's signature on A's run", [403]);
  link('kaizen upload', 'kaizen', 'PUT', { path: uploadPath(kz.upload.id, 1), query: uploadB.query }, 'signed for index 0, sent to 1', [403], 'none', notTheBytes('signed for index 0, sent to 1'));
  // Without a signature a link is an ordinary request: anonymous is 401 (the upload has no other way in: 403).
  link('run report', 'intake', 'GET', { path: reportB.path, query: `expires=${params(reportB.query).expires}` }, 'no signature', [401]);
  link('kaizen upload', 'kaizen', 'PUT', { path: uploadB.path, query: `expires=${params(uploadB.query).expires}` }, 'no signature', [403], 'none', notTheBytes('no signature'));

  // 12. Init describing more attachments than a push may hold (20,001 of 20,000, under the body limit).
  const manifest = Array.from({ length: 20_001 }, (_, i) => ({ id: `a${i}`, sha256: 'a'.repeat(64), size: 1 }));
  const init = ROUTES.find((r) => r.name === 'kaizen init')!;
  add(init, 'workspace', json('20,001 attachments', { workspace: B.workspace.slug, project: B.project.slug, runId: 'too-many', attachments: manifest }), undefined, undefined, [400]);
  return cases;
}

describe('fuzz: hostile input to every REST route and GraphQL', () => {
  it('never answers 500, always answers errors in the family envelope, and stays healthy', async () => {
    const cases = buildCases();
    const failures: Failure[] = [];
    const started = Date.now();
    let skipped = 0;
    for (const c of cases) {
      if (Date.now() - started > RUN_BUDGET_MS) {
        skipped++;
        continue;
      }
      let status: number;
      let body: string;
      try {
        ({ status, body } = await send(c));
      } catch (error) {
        failures.push({ problem: `inject threw: ${(error as Error).message}`, c, status: 0, body: '' });
        continue;
      }
      if (status >= 500) failures.push({ problem: 'server error', c, status, body });
      else if (c.family === 'graphql' && maskedInternalError(body)) failures.push({ problem: 'GraphQL internal error (a masked 500)', c, status, body });
      else {
        const problem =
          (c.expect && !c.expect.includes(status) ? `expected ${c.expect.join(' or ')}` : undefined) ??
          (status >= 400 ? envelopeProblem(c.family, status, body) : undefined) ??
          leakProblem(c, body);
        if (problem) failures.push({ problem, c, status, body });
      }
    }
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    if (health.statusCode !== 200) {
      failures.push({ problem: 'unhealthy after the run', c: { route: 'healthz', method: 'GET', url: '/healthz', token: 'none', family: 'intake' }, status: health.statusCode, body: health.body });
    }

    // One report: a count per cause first, then every case.
    const byCause = new Map<string, number>();
    for (const f of failures) {
      const key = `${f.problem} (${f.status}) — ${f.c.route}`;
      byCause.set(key, (byCause.get(key) ?? 0) + 1);
    }
    // The request budget keeps this file fast on PGlite; growing the corpus means trimming elsewhere.
    const MAX_CASES = 2_200;
    if (cases.length > MAX_CASES) seedProblems.push(`${cases.length} cases exceed the budget of ${MAX_CASES}`);
    const report = [
      ...seedProblems,
      ...(skipped ? [`${skipped} cases not sent: the run exceeded ${RUN_BUDGET_MS / 1000} s (requests are hanging?)`] : []),
      `${failures.length} of ${cases.length - skipped} requests failed (${Math.round((Date.now() - started) / 1000)} s):`,
      ...[...byCause].map(([key, n]) => `  ${n} × ${key}`),
      '',
      ...failures.map((f) => `${f.c.method} ${short(f.c.url, 100)} [token: ${f.c.token}] [body: ${f.c.payload?.summary ?? 'none'}] → ${f.status} ${f.problem}: ${short(f.body, 200)}`),
    ].join('\n');
    expect(failures.length + seedProblems.length + skipped, report).toBe(0);
  }, RUN_BUDGET_MS + 30_000);
});
