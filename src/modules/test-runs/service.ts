// Reading test runs: projects with their test stats, runs, their cases page by page, one case
// with its history across runs, attachments. Every read authorizes first; a run of a project
// the caller cannot see is not found.
import type { Prisma as PrismaTypes, TestRun } from '../../generated/prisma/client.ts';
import { requireAuthenticated, visibleProjectsWhere } from '../../auth/permissions.ts';
import { signingKey, signPath, verifyPath } from '../../auth/signing.ts';
import type { Db, PageQuery } from '../../db/client.ts';
import { BadRequest, Forbidden, NotFound } from '../../errors.ts';
import type { Actor, Services } from '../../services.ts';
import { authorizedRecordProject } from '../workspaces/project-scope.ts';
import { MAX_INT32 } from '../../validation.ts';
import { passRate, windowStart } from './analytics.ts';
import { CASE_STATUSES, type CaseStatus } from './kensho.ts';
import { runProject } from './ingest.ts';
import { RULES } from './rules.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
export const CASES_PAGE = 1000;
/** Runs of a case shown as its history. */
export const HISTORY_LENGTH = 20;
/** Report links stay valid this long (a CI comment or chat message links them). */
const REPORT_LINK_TTL_MS = 30 * DAY_MS;
const ATTACHMENT_LINK_TTL_MS = 60 * 60 * 1000;

export interface ProjectStats {
  lastRunAt: Date | null;
  passRate30d: number | null;
  flakyCount: number;
}

/**
 * Test stats of several projects in two statements: last run and the pass rate of the last 30
 * days (passed over passed + failed + broken; skipped cases count for nothing), and how many of
 * their tests are flaky on some branch.
 */
export async function projectStats(services: Services, projectIds: number[]): Promise<Map<number, ProjectStats>> {
  const stats = new Map<number, ProjectStats>(projectIds.map((id) => [id, { lastRunAt: null, passRate30d: null, flakyCount: 0 }]));
  if (projectIds.length === 0) return stats;
  const since = windowStart(services.clock.now(), 30); // as analytics' 30d window: the same figure
  const rows = await services.prisma.$queryRaw<Array<{ projectId: number; lastRunAt: Date | null; passed: bigint | null; counted: bigint | null }>>`
    SELECT "projectId", max("startedAt") AS "lastRunAt",
      sum("passed") FILTER (WHERE "startedAt" >= ${since}) AS passed,
      sum("passed" + "failed" + "broken" - "excludedFailures") FILTER (WHERE "startedAt" >= ${since}) AS counted
    FROM "TestRun" WHERE "projectId" = ANY(${projectIds}::int[]) GROUP BY "projectId"`;
  const flaky = await services.prisma.$queryRaw<Array<{ projectId: number; count: bigint }>>`
    SELECT "projectId", count(DISTINCT "testCaseId") AS count FROM "CaseBranchState"
    WHERE "projectId" = ANY(${projectIds}::int[]) AND "flaky" GROUP BY "projectId"`;
  const flakyOf = new Map(flaky.map((row) => [row.projectId, Number(row.count)]));
  for (const row of rows) {
    const counted = Number(row.counted ?? 0);
    stats.set(row.projectId, { lastRunAt: row.lastRunAt, passRate30d: passRate(Number(row.passed ?? 0), counted), flakyCount: flakyOf.get(row.projectId) ?? 0 });
  }
  return stats;
}

/** Projects the caller can see in workspaces with test reports on, by workspace and slug (at most 500). */
export async function visibleTestProjects(actor: Actor) {
  requireAuthenticated(actor.principal);
  const projects = await actor.services.prisma.project.findMany({
    where: { AND: [visibleProjectsWhere(actor.principal), { workspace: { features: { has: 'test-reports' } } }] },
    include: { workspace: { select: { id: true, slug: true } } },
    orderBy: [{ workspaceId: 'asc' }, { slug: 'asc' }],
    take: 500,
  });
  const stats = await projectStats(actor.services, projects.map((project) => project.id));
  return projects.map((project) => ({ project, stats: stats.get(project.id)! }));
}

/** One project by slug, `<workspace>/<slug>` or prj_ id, with its history range and top failing suites. */
export async function testProjectDetail(actor: Actor, ref: string) {
  const { id } = await runProject(actor, { project: ref }, 'read');
  const { services } = actor;
  const project = await services.prisma.project.findUniqueOrThrow({ where: { id }, include: { workspace: { select: { id: true, slug: true } } } });
  const since = new Date(services.clock.now().getTime() - 30 * DAY_MS);
  const [stats, range, suites] = await Promise.all([
    projectStats(services, [id]),
    services.prisma.testRun.aggregate({ where: { projectId: id }, _min: { startedAt: true }, _max: { startedAt: true }, _count: true }),
    services.prisma.$queryRaw<Array<{ suite: string; failures: bigint }>>`
      SELECT "suite", count(*) AS failures FROM "CaseRun"
      WHERE "projectId" = ${id} AND "status" IN ('fail', 'broken') AND "startedAt" >= ${since}
      GROUP BY "suite" ORDER BY failures DESC, "suite" LIMIT 5`,
  ]);
  return {
    project,
    stats: stats.get(id)!,
    history: { firstRunAt: range._min.startedAt, lastRunAt: range._max.startedAt, runs: range._count },
    topFailingSuites: suites.map((row) => ({ suite: row.suite, failures: Number(row.failures) })),
  };
}

/** A run the caller may read, or NotFound (also for runs of projects they cannot see). */
export async function findRun<Q extends Pick<PrismaTypes.TestRunFindUniqueArgs, 'include'>>(actor: Actor, id: string, query: Q = {} as Q) {
  requireAuthenticated(actor.principal);
  const run = /^run_[0-9a-z]{26}$/.test(id) ? await actor.services.prisma.testRun.findUnique({ ...query, where: { id } }) : null;
  return authorizedTestRecord(actor, 'Run', run, 'read');
}

/** One case of a run, readable by whoever may read the run; null when there is no such case. */
export async function findCaseRun(actor: Actor, id: number) {
  requireAuthenticated(actor.principal);
  const caseRun = await actor.services.prisma.caseRun.findUnique({ where: { id } });
  if (!caseRun) return null;
  await findRun(actor, caseRun.runId);
  return caseRun;
}

/** For the board's lists under a project: the caller may read its test reports, else NotFound. */
export async function authorizeTestReads(actor: Actor, projectId: number): Promise<void> {
  await authorizedRecordProject(actor, 'Project', projectId, RULES.read, 'test-reports');
}

async function runsWhere(actor: Actor, projectId: number, branch: string | null | undefined) {
  await authorizeTestReads(actor, projectId);
  return { projectId, ...(branch === undefined || branch === null ? {} : { branch }) };
}

/** A project's runs, newest first, optionally of one branch (GraphQL passes its selection). */
export async function projectRuns(actor: Actor, projectId: number, branch: string | null | undefined, query: PageQuery<PrismaTypes.TestRunFindManyArgs>) {
  return actor.services.prisma.testRun.findMany({ ...query, where: await runsWhere(actor, projectId, branch), orderBy: [{ startedAt: 'desc' }, { id: 'desc' }] });
}

export async function countProjectRuns(actor: Actor, projectId: number, branch: string | null | undefined): Promise<number> {
  return actor.services.prisma.testRun.count({ where: await runsWhere(actor, projectId, branch) });
}

export function parseCaseStatus(status: unknown): CaseStatus | undefined {
  if (status === undefined || status === null || status === '') return undefined;
  if (typeof status !== 'string' || !(CASE_STATUSES as readonly string[]).includes(status)) {
    throw new BadRequest(`status must be one of ${CASE_STATUSES.join(', ')}.`);
  }
  return status as CaseStatus;
}

/**
 * Opaque keyset cursors over a numeric id, marked with what they page (`cr` case runs, `tc` test
 * cases) so one list's cursor is refused by another.
 */
export function idCursors(kind: string) {
  const pattern = new RegExp(`^${kind}:(\\d{1,10})$`);
  return {
    encode: (id: number) => Buffer.from(`${kind}:${id}`).toString('base64url'),
    /** The id after which the page starts; undefined for the first page; BadRequest for anything else. */
    decode(cursor: unknown): number | undefined {
      if (cursor === undefined || cursor === '') return undefined;
      const match = typeof cursor === 'string' && cursor.length < 64 ? pattern.exec(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
      if (!match || Number(match[1]) > MAX_INT32) throw new BadRequest('The cursor is not one this API gave out.');
      return Number(match[1]);
    },
  };
}
const caseRunCursors = idCursors('cr');

/**
 * The cursor of a list paged by a prefixed text id (`plan_…`, `dft_…`: ULIDs, which sort by
 * creation): the last id of the page. Undefined for the first page; BadRequest for anything else.
 */
export function prefixedIdAfter(prefix: string, cursor: unknown): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (typeof cursor !== 'string' || !new RegExp(`^${prefix}_[0-9a-z]{26}$`).test(cursor)) throw new BadRequest('The cursor is not one this API gave out.');
  return cursor;
}

/** A record of a project (plan, execution, defect) the caller may read or change, else NotFound — also for other tenants'. */
export async function authorizedTestRecord<T extends { projectId: number }>(actor: Actor, resource: string, record: T | null, rule: keyof typeof RULES): Promise<T> {
  if (!record) throw new NotFound(resource);
  await authorizedRecordProject(actor, resource, record.projectId, RULES[rule], 'test-reports');
  return record;
}

/** One page of a run's cases in stored order, by opaque cursor, optionally of one status. */
export async function runCasePage(actor: Actor, runId: string, options: { status?: unknown; cursor?: unknown; limit?: unknown }) {
  const run = await findRun(actor, runId);
  const status = parseCaseStatus(options.status);
  const after = caseRunCursors.decode(options.cursor);
  const limit = options.limit === undefined ? CASES_PAGE : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > CASES_PAGE) throw new BadRequest(`limit must be an integer from 1 to ${CASES_PAGE}.`);
  const rows = await actor.services.prisma.caseRun.findMany({
    where: { runId: run.id, ...(status ? { status } : {}), ...(after === undefined ? {} : { id: { gt: after } }) },
    include: { testCase: { select: { stableId: true, name: true, fullName: true, filePath: true } } },
    orderBy: { id: 'asc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { run, items: page, nextCursor: rows.length > limit ? caseRunCursors.encode(page.at(-1)!.id) : null };
}

/** One case of a run by its stable id, with attachments and the case's last runs. */
export async function runCaseDetail(actor: Actor, runId: string, stableId: string) {
  const run = await findRun(actor, runId);
  const caseRun = await actor.services.prisma.caseRun.findFirst({
    where: { runId: run.id, testCase: { projectId: run.projectId, stableId } },
    include: { testCase: true, attachments: { orderBy: { id: 'asc' } } },
  });
  if (!caseRun) throw new NotFound('Case');
  const history = await caseHistories(actor.services.prisma, [caseRun.testCaseId]);
  return { run, caseRun, history: history.get(caseRun.testCaseId) ?? [] };
}

export type CaseHistoryEntry = { runId: string; externalRunId: string; status: string; startedAt: Date; durationMs: number; branch: string | null; commit: string | null };

/** The last runs of several cases in one statement (a window per case): what the loaders batch. */
export async function caseHistories(prisma: Db, testCaseIds: readonly number[], length = HISTORY_LENGTH): Promise<Map<number, CaseHistoryEntry[]>> {
  const histories = new Map<number, CaseHistoryEntry[]>();
  if (testCaseIds.length === 0) return histories;
  const rows = await prisma.$queryRaw<Array<CaseHistoryEntry & { testCaseId: number }>>`
    SELECT h."testCaseId", h."runId", r."externalRunId", h."status", h."startedAt", h."durationMs", r."branch", r."commit"
    FROM unnest(${[...testCaseIds]}::int[]) AS c(id)
    CROSS JOIN LATERAL (
      SELECT "testCaseId", "runId", "status", "startedAt", "durationMs" FROM "CaseRun"
      WHERE "testCaseId" = c.id ORDER BY "startedAt" DESC, "id" DESC LIMIT ${length}
    ) h
    JOIN "TestRun" r ON r."id" = h."runId"
    ORDER BY h."testCaseId", h."startedAt" DESC`;
  for (const { testCaseId, ...entry } of rows) {
    const list = histories.get(testCaseId) ?? [];
    list.push(entry);
    histories.set(testCaseId, list);
  }
  return histories;
}

/** A test case (across runs) the caller may read. */
export async function findTestCase<Q extends Pick<PrismaTypes.TestCaseFindUniqueArgs, 'include'>>(actor: Actor, id: number, query: Q = {} as Q) {
  requireAuthenticated(actor.principal);
  return authorizedTestRecord(actor, 'Test case', await actor.services.prisma.testCase.findUnique({ ...query, where: { id } }), 'read');
}

// --- links that work without a bearer token (a browser opening the report) ----------------

export const reportPath = (runId: string) => `/runs/${runId}/report`;
export const attachmentPath = (runId: string, attachmentId: number) => `/runs/${runId}/attachments/${attachmentId}`;

async function signedUrl(services: Services, path: string, ttlMs: number): Promise<string> {
  const { expires, signature } = signPath(await signingKey(services.prisma), path, new Date(services.clock.now().getTime() + ttlMs));
  return `${services.config.publicUrl}${path}?expires=${expires}&signature=${signature}`;
}
export const reportUrl = (services: Services, runId: string) => signedUrl(services, reportPath(runId), REPORT_LINK_TTL_MS);
export const attachmentUrl = (services: Services, runId: string, attachmentId: number) => signedUrl(services, attachmentPath(runId, attachmentId), ATTACHMENT_LINK_TTL_MS);

/**
 * A run read through a link: a valid signature for that path, or a bearer token that may read it.
 * A forged or expired link is refused; with neither, the caller must authenticate.
 */
export async function runByLink(actor: Actor, runId: string, path: string, query: { expires?: unknown; signature?: unknown }): Promise<TestRun> {
  if (query.signature !== undefined) {
    const check = verifyPath(await signingKey(actor.services.prisma), path, query.expires, query.signature, actor.services.clock.now());
    if (check !== 'valid') throw new Forbidden(check === 'expired' ? 'This link has expired.' : 'This link is not valid.');
    const run = await actor.services.prisma.testRun.findUnique({ where: { id: runId } });
    if (!run) throw new NotFound('Run');
    return run;
  }
  return findRun(actor, runId);
}

/** An attachment of a run, read through a link or a token (see runByLink). */
export async function runAttachmentByLink(actor: Actor, runId: string, attachmentId: string, query: { expires?: unknown; signature?: unknown }) {
  const id = /^\d{1,10}$/.test(attachmentId) ? Number(attachmentId) : NaN;
  const run = await runByLink(actor, runId, attachmentPath(runId, id), query);
  const attachment = Number.isSafeInteger(id) && id <= 2_147_483_647 ? await actor.services.prisma.runAttachment.findUnique({ where: { id }, include: { caseRun: { select: { runId: true } } } }) : null;
  if (!attachment || attachment.caseRun.runId !== run.id) throw new NotFound('Attachment');
  return attachment;
}
