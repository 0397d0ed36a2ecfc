// The Kaizen REST API (/v1, the kaizen family: bare resources, `{error:{code,message,details}}`)
// and the run report links (/runs). Routes translate JSON to service calls and back; the rules
// live in ingest.ts and service.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { CaseRun, Project, RunAttachment, TestCase, TestRun } from '../../generated/prisma/client.ts';
import { RateLimited } from '../../errors.ts';
import { isoInstant } from '../../http/wire.ts';
import { rateLimitOf } from '../index.ts';
import type { Services } from '../../services.ts';
import { detectBlobType } from '../../storage/file-type.ts';
import { contentDisposition } from '../reports/attachments.ts';
import { FINALIZE_BODY, finalizeRun, INIT_INPUT, initUpload, MAX_ATTACHMENT_BYTES, receiveUpload, type StoredRunSummary } from './ingest.ts';
import { projectAnalytics } from './analytics.ts';
import { caseInventory, CASE_CHANGE, caseWithHistory, isQuarantined, quarantineList, ROLLUP_LENGTH, updateCase, type CaseRollup } from './cases.ts';
import { flakyCases } from './flaky.ts';
import { renderRunReport } from './report-page.ts';
import {
  attachmentUrl, findRun, reportUrl, runAttachmentByLink, runByLink, runCaseDetail, runCasePage, testProjectDetail, visibleTestProjects,
  type CaseHistoryEntry, type ProjectStats,
} from './service.ts';


/** A finalize carries the whole run (10,000 cases with steps are tens of MB). */
const FINALIZE_BODY_LIMIT = 128 * 1024 * 1024;


const projectJson = (project: Project & { workspace: { id: string; slug: string } }, stats: ProjectStats) => ({
  id: project.publicId,
  slug: project.slug,
  name: project.name,
  workspace: { id: project.workspace.id, slug: project.workspace.slug },
  accessMode: 'team',
  stats: { lastRunAt: isoInstant(stats.lastRunAt), passRate30d: stats.passRate30d, flakyCount: stats.flakyCount },
});

async function runJson(services: Services, run: TestRun & { project: { slug: string } }) {
  return {
    id: run.id,
    project: { slug: run.project.slug },
    externalRunId: run.externalRunId,
    branch: run.branch,
    commit: run.commit,
    status: run.status,
    startedAt: isoInstant(run.startedAt),
    finishedAt: isoInstant(run.finishedAt),
    totals: { passed: run.passed, failed: run.failed, skipped: run.skipped, broken: run.broken, flaky: run.flaky },
    casesUrl: `${services.config.publicUrl}/v1/runs/${run.id}/cases`,
    kenshoReportUrl: await reportUrl(services, run.id),
  };
}

type CaseRow = CaseRun & { testCase: Pick<TestCase, 'stableId' | 'name' | 'fullName' | 'filePath'> };
const caseJson = (row: CaseRow) => ({
  id: row.testCase.stableId,
  caseRunId: row.id,
  name: row.testCase.name,
  fullName: row.testCase.fullName,
  status: row.status,
  duration: row.durationMs,
  startedAt: isoInstant(row.startedAt),
  suite: row.suite ? row.suite.split(' › ') : [],
  filePath: row.testCase.filePath,
  retries: row.retries,
  flaky: row.flaky,
  muted: row.muted,
  error: row.errorMessage,
});

type InventoryRow = TestCase & { states: Array<{ branch: string }>; rollup: CaseRollup };
const inventoryJson = (testCase: InventoryRow, now: Date) => ({
  id: testCase.id,
  stableId: testCase.stableId,
  name: testCase.name,
  fullName: testCase.fullName,
  suite: testCase.suite ? testCase.suite.split(' › ') : [],
  filePath: testCase.filePath,
  owner: testCase.owner,
  labels: testCase.labels ?? {},
  lastStatus: testCase.lastStatus,
  lastRunAt: isoInstant(testCase.lastRunAt),
  manual: testCase.manual,
  ...(testCase.manual ? { steps: testCase.steps, expected: testCase.expected, severity: testCase.severity } : {}),
  flaky: testCase.states.length > 0,
  flakyBranches: testCase.states.map((state) => state.branch),
  passRate: testCase.rollup.passRate,
  averageDurationMs: testCase.rollup.averageDurationMs,
  quarantine: isQuarantined(testCase, now)
    ? { reason: testCase.quarantineReason, until: isoInstant(testCase.quarantineUntil), by: testCase.quarantinedBy, since: isoInstant(testCase.quarantinedAt) }
    : null,
});

const historyJson = (entry: CaseHistoryEntry) => ({
  runId: entry.runId,
  externalRunId: entry.externalRunId,
  status: entry.status,
  startedAt: isoInstant(entry.startedAt),
  duration: entry.durationMs,
  branch: entry.branch,
  commit: entry.commit,
});

export const finalizeJson = async (services: Services, run: StoredRunSummary) => {
  const url = await reportUrl(services, run.id);
  return {
    internalRunId: run.id,
    runUrl: url,
    kenshoReportUrl: url,
    casesUrl: `${services.config.publicUrl}/v1/runs/${run.id}/cases`,
    regression: { newFailures: run.newFailures, fixed: run.fixed, stillFailing: run.stillFailing },
    summary: {
      total: run.passed + run.failed + run.broken + run.skipped,
      pass: run.passed,
      fail: run.failed,
      broken: run.broken,
      skip: run.skipped,
      regressions: run.newFailures,
      recoveries: run.fixed,
    },
  };
};

const actorOf = (app: FastifyInstance, request: FastifyRequest) => ({ services: app.services, principal: request.principal });

/** Finalizes a minute per project (Kaizen's ingest limit: 60, family test_run_finalize), whoever sends them. */
function finalizeProjectKey(request: FastifyRequest): string {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const run = (typeof body.run === 'object' && body.run !== null ? body.run : body) as { project?: { slug?: unknown } };
  const workspace = body.workspace ?? body.workspaceSlug ?? (request.principal.kind === 'workspace-token' ? request.principal.workspaceId : '');
  return `finalize:${String(workspace)}/${String(body.uploadId ?? run.project?.slug ?? '')}`;
}

export async function testRunRoutes(app: FastifyInstance): Promise<void> {
  const family = { rateLimitFamily: 'test_runs' };
  // A second budget beside the caller's: the route's own limit has already run for this request.
  const finalizeBudget = app.createRateLimit({ max: rateLimitOf(app.services.config.rateLimits, 'test_run_finalize'), timeWindow: 60_000, keyGenerator: finalizeProjectKey });

  app.get('/projects', { config: { ...family, doc: { summary: 'Projects in the caller’s workspaces, with test stats.' } } }, async (request) => {
    const projects = await visibleTestProjects(actorOf(app, request));
    return projects.map(({ project, stats }) => projectJson(project, stats));
  });

  app.get<{ Params: { slug: string } }>('/projects/:slug', { config: { ...family, doc: { summary: 'One project with extended stats (history range, top failing suites).' } } }, async (request) => {
    const detail = await testProjectDetail(actorOf(app, request), request.params.slug);
    return {
      ...projectJson(detail.project, detail.stats),
      stats: {
        ...projectJson(detail.project, detail.stats).stats,
        history: { firstRunAt: isoInstant(detail.history.firstRunAt), lastRunAt: isoInstant(detail.history.lastRunAt), runs: detail.history.runs },
        topFailingSuites: detail.topFailingSuites,
      },
    };
  });

  app.get<{ Params: { slug: string } }>('/projects/:slug/flaky', { config: { ...family, doc: { summary: 'The project’s flaky tests: flip rate, last flip, branches, first flagged.' } } }, async (request) =>
    (await flakyCases(actorOf(app, request), request.params.slug)).map((entry) => ({ ...entry, lastFlipAt: isoInstant(entry.lastFlipAt), firstFlaggedAt: isoInstant(entry.firstFlaggedAt) })),
  );

  app.get<{ Params: { slug: string }; Querystring: Record<string, unknown> }>(
    '/projects/:slug/cases',
    { config: { ...family, doc: { summary: 'The project’s test inventory, 500 a page (?cursor, ?status=last status, ?quarantined=true|false).' } } },
    async (request) => {
      const page = await caseInventory(actorOf(app, request), request.params.slug, request.query);
      const now = app.services.clock.now();
      return { items: page.items.map((testCase) => inventoryJson(testCase, now)), nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: { id: string } }>('/cases/:id', { config: { ...family, doc: { summary: `One test case: pass rate and mean duration over its last ${ROLLUP_LENGTH} results, and those results.` } } }, async (request) => {
    const { testCase, rollup, history } = await caseWithHistory(actorOf(app, request), request.params.id);
    return { ...inventoryJson({ ...testCase, rollup }, app.services.clock.now()), history: history.map(historyJson) };
  });

  app.patch<{ Params: { id: string } }>(
    '/cases/:id',
    { config: { ...family, doc: { summary: 'Set a case’s owner, labels or quarantine ({reason, until?}; null lifts it).', body: CASE_CHANGE } } },
    async (request) => inventoryJson(await updateCase(actorOf(app, request), request.params.id, request.body), app.services.clock.now()),
  );

  app.get<{ Params: { slug: string } }>('/projects/:slug/quarantine', { config: { ...family, doc: { summary: 'The quarantined tests now: what CI skips or ignores.' } } }, async (request) => {
    const rows = await quarantineList(actorOf(app, request), request.params.slug);
    return { items: rows.map((testCase) => ({ id: testCase.stableId, fullName: testCase.fullName, reason: testCase.quarantineReason, until: isoInstant(testCase.quarantineUntil), by: testCase.quarantinedBy })) };
  });

  app.get<{ Params: { slug: string }; Querystring: Record<string, unknown> }>(
    '/projects/:slug/analytics',
    { config: { ...family, doc: { summary: 'Daily buckets and the window’s aggregate: ?metric=passrate|duration|failures|flaky&window=7d|30d|90d[&branch=].' } } },
    async (request) => projectAnalytics(actorOf(app, request), request.params.slug, request.query),
  );

  app.get<{ Params: { id: string } }>('/runs/:id', { config: { ...family, doc: { summary: 'A run: totals, branch, commit, links.' } } }, async (request) => {
    const run = await findRun(actorOf(app, request), request.params.id, { include: { project: { select: { slug: true } } } });
    return runJson(app.services, run as typeof run & { project: { slug: string } });
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/runs/:id/cases', { config: { ...family, doc: { summary: 'A run’s cases, 1,000 a page (?cursor, ?status, ?limit): {items, nextCursor}.' } } }, async (request) => {
    const page = await runCasePage(actorOf(app, request), request.params.id, request.query);
    return { items: page.items.map(caseJson), nextCursor: page.nextCursor };
  });

  app.get<{ Params: { id: string; caseId: string } }>('/runs/:id/cases/:caseId', { config: { ...family, doc: { summary: 'One case of a run: steps, errors, attachments, history across runs.' } } }, async (request) => {
    const { caseRun, history } = await runCaseDetail(actorOf(app, request), request.params.id, request.params.caseId);
    const { attachments: _sent, ...detail } = caseRun.detail as Record<string, unknown>;
    return {
      ...caseJson(caseRun),
      ...detail,
      attachments: await Promise.all(caseRun.attachments.map(async (attachment: RunAttachment) => ({
        id: attachment.key,
        kind: attachment.kind,
        name: attachment.name,
        mimeType: attachment.mimeType,
        size: attachment.size,
        sha256: attachment.sha256,
        url: await attachmentUrl(app.services, caseRun.runId, attachment.id),
      }))),
      history: history.map(historyJson),
    };
  });

  app.post('/ingest/kensho/init', { config: { ...family, doc: { summary: 'Push, phase 1: describe attachments, get signed PUT URLs for those not yet stored.', body: INIT_INPUT } } }, async (request) =>
    initUpload(actorOf(app, request), request.body),
  );

  app.post(
    '/ingest/kensho/finalize',
    {
      bodyLimit: FINALIZE_BODY_LIMIT,
      config: { ...family, doc: { summary: 'Push, phase 2: the kensho/v1 run (201 new, 200 the existing run).', body: FINALIZE_BODY, status: 201 } },
      preHandler: async (request) => {
        const budget = await finalizeBudget(request);
        if (!budget.isAllowed && budget.isExceeded) throw new RateLimited(Math.max(1, budget.ttlInSeconds), budget.max);
      },
    },
    async (request, reply) => {
      const { created, run } = await finalizeRun(actorOf(app, request), request.body);
      return reply.code(created ? 201 : 200).send(await finalizeJson(app.services, run));
    },
  );

  // Signed PUT URLs take raw bytes of any type: a scope with one catch-all parser passing the stream on.
  await app.register(async (uploads) => {
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.put<{ Params: { uploadId: string; index: string }; Querystring: Record<string, unknown> }>(
      '/ingest/kensho/uploads/:uploadId/:index',
      { bodyLimit: MAX_ATTACHMENT_BYTES, config: { public: true, rateLimitFamily: 'test_run_uploads', doc: { summary: 'A signed upload URL: the attachment’s bytes, checked against the manifest.' } } },
      // No Content-Type: Fastify runs no parser, and the bytes are still on the raw request.
      async (request) => receiveUpload(app.services, request.params.uploadId, request.params.index, request.query, (request.body as Readable | undefined) ?? request.raw),
    );
  });
}

/** The human report of a run and its attachments, at links a browser can open (see runByLink). */
export async function runReportRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/:id/report', { config: { rateLimitFamily: 'default', doc: { summary: 'The run’s human report (HTML), by signed link or token.' } } }, async (request, reply) => {
    const run = await runByLink(actorOf(app, request), request.params.id, `/runs/${request.params.id}/report`, request.query);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .send(await renderRunReport(app.services, run, request.query.status));
  });

  app.get<{ Params: { id: string; attachmentId: string }; Querystring: Record<string, unknown> }>(
    '/:id/attachments/:attachmentId',
    { config: { rateLimitFamily: 'default', doc: { summary: 'An attachment of a run, by signed link or token.' } } },
    async (request, reply) => {
      const attachment = await runAttachmentByLink(actorOf(app, request), request.params.id, request.params.attachmentId, request.query);
      // The pusher's word is not trusted: the bytes decide. Raster images are served as themselves
      // (inline); anything else (traces, video, HTML) is a download of its real type in a
      // sandbox, never a page of our origin.
      const detected = await detectBlobType(app.services.blobs, attachment.sha256);
      const mimeType = detected?.mimeType ?? 'application/octet-stream';
      return reply
        .header('content-type', mimeType)
        .header('content-length', attachment.size)
        .header('content-disposition', contentDisposition(attachment.name.split('/').pop() || 'attachment', mimeType))
        .header('content-security-policy', 'sandbox')
        .header('cache-control', 'private, max-age=3600')
        .send(app.services.blobs.read(attachment.sha256));
    },
  );
}
