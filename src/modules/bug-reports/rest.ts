// Raven Docs Bug Reports API: RPC style, every call POST + JSON, under /api/bug-reports/<verb>
// and /api/v1/bug-reports/<verb>. Success: `{ data, success: true, status }` with the HTTP status
// equal to `status`; errors in the raven envelope (src/http/envelopes.ts).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAdmin } from '../../auth/permissions.ts';
import type { RouteDoc } from '../../http/openapi.ts';
import type { Actor } from '../../services.ts';
import {
  apiSource, BUG_REPORT_INPUTS, createBugReport, deleteBugReport, getBugReport, listBugReports, reportBugAutomatically, updateBugReport,
  type BugReportWithReporter,
} from './service.ts';

const reporterJson = (report: BugReportWithReporter) => report.reporter && { id: report.reporter.id, name: report.reporter.name, avatarUrl: report.reporter.avatarUrl };

/** The full object, as `get` documents it. */
export function bugReportJson(report: BugReportWithReporter) {
  return {
    id: report.id,
    workspaceId: report.workspaceId,
    spaceId: report.spaceId,
    reporterId: report.reporterId,
    source: apiSource(report.source),
    severity: report.severity,
    status: report.status,
    title: report.title,
    description: report.description,
    errorMessage: report.errorMessage,
    errorStack: report.errorStack,
    errorCode: report.errorCode,
    userJourney: report.userJourney,
    context: report.context,
    metadata: report.metadata,
    occurrenceCount: report.occurrenceCount,
    occurredAt: report.occurredAt,
    createdAt: report.createdAt,
    updatedAt: report.updatedAt,
    resolvedAt: report.resolvedAt,
    reporter: reporterJson(report),
  };
}

const listItemJson = (report: BugReportWithReporter) => ({
  id: report.id,
  title: report.title,
  source: apiSource(report.source),
  severity: report.severity,
  status: report.status,
  occurrenceCount: report.occurrenceCount,
  occurredAt: report.occurredAt,
  createdAt: report.createdAt,
  reporter: reporterJson(report),
});

const createdJson = (report: BugReportWithReporter) => ({
  id: report.id,
  title: report.title,
  source: apiSource(report.source),
  severity: report.severity,
  status: report.status,
  createdAt: report.createdAt,
});

/**
 * What `auto` answers: the full report to administrators (who may `get` it anyway); to anyone
 * else the create shape plus the count, so replaying a message never reads another reporter's
 * context, journey or stack.
 */
const autoJson = (report: BugReportWithReporter, fullView: boolean) =>
  fullView ? bugReportJson(report) : { ...createdJson(report), occurrenceCount: report.occurrenceCount };

const succeed = (reply: FastifyReply, status: number, data: unknown) => reply.code(status).send({ data, success: true, status });

type Body = Record<string, unknown> | undefined;
const VERBS: Record<string, (actor: Actor, body: Body, reply: FastifyReply) => Promise<FastifyReply>> = {
  list: async (actor, body, reply) => {
    const page = await listBugReports(actor, body ?? {});
    return succeed(reply, 200, { items: page.items.map(listItemJson), meta: page.meta });
  },
  get: async (actor, body, reply) => succeed(reply, 200, bugReportJson(await getBugReport(actor, body?.bugReportId))),
  create: async (actor, body, reply) => succeed(reply, 201, createdJson(await createBugReport(actor, body))),
  auto: async (actor, body, reply) => {
    const { report, created } = await reportBugAutomatically(actor, body);
    return succeed(reply, created ? 201 : 200, autoJson(report, isAdmin(actor.principal)));
  },
  update: async (actor, body, reply) => succeed(reply, 200, bugReportJson(await updateBugReport(actor, body))),
  delete: async (actor, body, reply) => {
    await deleteBugReport(actor, body?.bugReportId);
    return succeed(reply, 200, null);
  },
};

const VERB_SUMMARIES: Record<keyof typeof VERBS, string> = {
  list: 'List bug reports (administrators), newest first, filtered.',
  get: 'One bug report by bugReportId (administrators).',
  create: 'File a bug report (administrators); no dedup.',
  auto: 'Report an error automatically: deduplicated for 24 h (201 new, 200 counted).',
  update: 'Change a bug report’s title, description, severity or status (administrators).',
  delete: 'Delete a bug report (administrators).',
};

/** Mounted at /api/bug-reports and /api/v1/bug-reports (modules/index.ts). */
export async function bugReportRoutes(app: FastifyInstance): Promise<void> {
  for (const [verb, handle] of Object.entries(VERBS)) {
    const body: RouteDoc['body'] = BUG_REPORT_INPUTS[verb as keyof typeof BUG_REPORT_INPUTS];
    const doc: RouteDoc = { summary: VERB_SUMMARIES[verb as keyof typeof VERBS] ?? verb, ...(body ? { body } : {}), status: verb === 'create' ? 201 : 200 };
    app.post<{ Body: Body }>(`/${verb}`, { config: { rateLimitFamily: 'bug_reports', doc } }, (request, reply) =>
      handle({ services: app.services, principal: request.principal }, request.body ?? undefined, reply),
    );
  }
}
