// Feedback reports (kendo Reports API) and the triage board: a project's queue in a dense order,
// promotion into issues, dismissal, deletion. Every queue change holds the project's queue lock,
// so concurrent submissions and reorders never produce duplicate positions.
import { z } from 'zod';
import { isDeepStrictEqual } from 'node:util';
import { Prisma, type Prisma as PrismaTypes, type Issue, type Report } from '../../generated/prisma/client.ts';
import { requireAuthenticated, type ProjectRule, type Reach } from '../../auth/permissions.ts';
import type { Principal } from '../../auth/principal.ts';
import { lockForTransaction } from '../../db/advisory-lock.ts';
import type { Db, PageQuery, Prisma as PrismaClient, RowReads } from '../../db/client.ts';
import { groupCommitPerApp } from '../../db/group-commit.ts';
import { Forbidden, NotFound, ValidationFailed, type FieldErrors } from '../../errors.ts';
import { announceChanged, type Actor, type ChangedRecord } from '../../services.ts';
import type { OversizeBlob, SpooledBlob, StoredBlob } from '../../storage/blobs.ts';
import { detectFileType, IMAGE_TYPES } from '../../storage/file-type.ts';
import { collectInput, idSchema, maxChars, parseInput } from '../../validation.ts';
import { promoteIntoIssue } from '../issues/service.ts';
import { recordTriage } from '../history/service.ts';
import { authorizedProjectScope, authorizedRecordProject, viewerMay, viewerReach, type ProjectScope } from '../workspaces/project-scope.ts';
import { emitEvents } from '../webhooks/events.ts';
import { readBoardPage, REPORT_CARD_RELATIONS, type PageBounds, type ReportCard } from './board-page.ts';

/** Every change to a project's queue order holds this lock (per project). */
const REPORT_QUEUE_LOCK = 'reports.queue';
export const MAX_REPORT_FILES = 5;
export const MAX_REPORT_FILE_BYTES = 3 * 1024 * 1024;
export const REPORT_SOURCE = { person: 0, api: 1 } as const;
export type ReportStatus = 'PENDING' | 'PROMOTED' | 'DISMISSED';

const RULES = {
  read: { permission: 'reports:read' },
  create: { permission: 'reports:create', tokenAbility: 'report:create' },
  update: { permission: 'reports:update' },
  delete: { permission: 'reports:delete', ownPermission: 'reports:delete:own' },
} satisfies Record<string, ProjectRule>;

/** The project, once the caller may do `rule` there and the workspace has the Reports feature. */
export const reportProject = (actor: Actor, projectRef: string | number, rule: keyof typeof RULES): Promise<ProjectScope & { reach: Reach }> =>
  authorizedProjectScope(actor, projectRef, RULES[rule], 'reports');

/** Whether the caller may promote, dismiss, restore or reorder the report (the board hides what they cannot). */
export const mayTriageReport = (actor: Actor, report: Pick<Report, 'projectId'>): Promise<boolean> => viewerMay(actor, report.projectId, RULES.update, 'reports');

/** Whether the caller may delete the report: anywhere in the project, or only the reports they filed. */
export async function mayDeleteReport(actor: Actor, report: Pick<Report, 'projectId' | 'createdById'>): Promise<boolean> {
  const reach = await viewerReach(actor, report.projectId, RULES.delete, 'reports');
  return reach === 'all' || (reach === 'own' && isOwnReport(actor, report));
}

const isOwnReport = (actor: Actor, report: Pick<Report, 'createdById'>): boolean => actor.principal.kind === 'user' && report.createdById === actor.principal.user.id;

export const reportStatus = (report: Pick<Report, 'promotedIssueId' | 'dismissedAt'>): ReportStatus =>
  report.promotedIssueId !== null ? 'PROMOTED' : report.dismissedAt !== null ? 'DISMISSED' : 'PENDING';

/** A derived status as a Prisma filter, and as SQL over the Report table as `r` (the board's page). */
const STATUS_FILTERS = {
  PROMOTED: { where: { promotedIssueId: { not: null } }, sql: Prisma.sql`r."promotedIssueId" IS NOT NULL` },
  DISMISSED: { where: { promotedIssueId: null, dismissedAt: { not: null } }, sql: Prisma.sql`r."promotedIssueId" IS NULL AND r."dismissedAt" IS NOT NULL` },
  PENDING: { where: { promotedIssueId: null, dismissedAt: null }, sql: Prisma.sql`r."promotedIssueId" IS NULL AND r."dismissedAt" IS NULL` },
} satisfies Record<ReportStatus, { where: PrismaTypes.ReportWhereInput; sql: PrismaTypes.Sql }>;

export const reportStatusWhere = (status: ReportStatus | null | undefined): PrismaTypes.ReportWhereInput => (status ? STATUS_FILTERS[status].where : {});

const withCount = { _count: { select: { attachments: true } } } as const;
export type ReportWithCount = Report & { _count: { attachments: number } };

const BOARD_ORDER = [{ order: 'asc' as const }, { id: 'asc' as const }];

/**
 * A page of the board in one statement (GraphQL passes its page bounds as `query`), reading the
 * columns and card relations that `reads` names: the fields the caller asked for.
 */
export async function boardReports(
  actor: Actor,
  projectId: number,
  statuses: readonly ReportStatus[] | undefined,
  query: PageQuery<PrismaTypes.ReportFindManyArgs>,
  reads: RowReads,
): Promise<ReportCard[]> {
  // The Report type's include is the card's relations (its other fields load their own data); a
  // page that selects no card asks for the cursor's column only. The page's rows hold both.
  const cursorOnly = query.include === undefined && isDeepStrictEqual(query.select, { id: true });
  if (!cursorOnly && (query.select || !isDeepStrictEqual(query.include, REPORT_CARD_RELATIONS))) {
    throw new Error('The board page reads exactly the card relations: a new relation field needs readBoardPage to read it.');
  }
  const project = await reportProject(actor, projectId, 'read');
  const anyStatus = statuses && statuses.length > 0 ? Prisma.sql`AND (${Prisma.join(statuses.map((status) => Prisma.sql`(${STATUS_FILTERS[status].sql})`), ' OR ')})` : Prisma.empty;
  return readBoardPage(actor.services.db, project.id, anyStatus, { take: query.take, skip: query.skip, cursor: query.cursor as PageBounds['cursor'] }, reads);
}

export async function countReports(actor: Actor, projectId: number, statuses?: readonly ReportStatus[]): Promise<number> {
  const project = await reportProject(actor, projectId, 'read');
  return actor.services.prisma.report.count({ where: { projectId: project.id, ...(statuses && statuses.length > 0 ? { OR: statuses.map((status) => reportStatusWhere(status)) } : {}) } });
}

/** Rows read per statement while a whole queue streams: memory stays flat whatever its length. */
const LIST_CHUNK = 500;
export const MAX_REPORTS_PER_PAGE = 1000;

/**
 * A project's queue in board order, read in keyset chunks (by `order`, then `id`) with one
 * grouped attachment count per chunk. The caller is authorized before the first row is read;
 * `page` bounds it to one slice (offset pagination, as Laravel clients know it).
 */
export async function listReports(
  actor: Actor,
  projectRef: string,
  status?: ReportStatus,
  page?: { perPage: number; page: number },
): Promise<AsyncGenerator<ReportWithCount[]>> {
  const project = await reportProject(actor, projectRef, 'read');
  const prisma = actor.services.prisma;
  const where = { projectId: project.id, ...reportStatusWhere(status) };
  async function* chunks(): AsyncGenerator<ReportWithCount[]> {
    if (page) return yield withAttachmentCounts(prisma, await prisma.report.findMany({ where, orderBy: BOARD_ORDER, skip: (page.page - 1) * page.perPage, take: page.perPage }));
    let after: { order: number; id: number } | undefined;
    for (;;) {
      const rows = await prisma.report.findMany({
        // `order >= x` is what the index can seek to; the OR only drops the ties already sent.
        where: after ? { ...where, order: { gte: after.order }, OR: [{ order: { gt: after.order } }, { id: { gt: after.id } }] } : where,
        orderBy: BOARD_ORDER,
        take: LIST_CHUNK,
      });
      if (rows.length > 0) yield withAttachmentCounts(prisma, rows);
      if (rows.length < LIST_CHUNK) return;
      const last = rows[rows.length - 1]!;
      after = { order: last.order, id: last.id };
    }
  }
  return chunks();
}

async function withAttachmentCounts(prisma: Db, reports: Report[]): Promise<ReportWithCount[]> {
  const counts = await prisma.attachment.groupBy({ by: ['reportId'], where: { reportId: { in: reports.map((r) => r.id) } }, _count: { _all: true } });
  const byReport = new Map(counts.map((c) => [c.reportId, c._count._all]));
  return reports.map((report) => ({ ...report, _count: { attachments: byReport.get(report.id) ?? 0 } }));
}

// Submission -------------------------------------------------------------------------------------

const reportInput = z.object({
  title: maxChars(255, z.string().trim().min(1)),
  description: maxChars(65_535, z.string().trim().min(1)),
  authorName: maxChars(255, z.string().trim().min(1)).nullish(),
});

export interface IncomingFile {
  /** Where the client put it, as validation messages name it: `files.0`, `files.1`, … */
  field: string;
  filename: string;
  /** Its bytes, spooled to disk by the skin (never held in memory whole). */
  blob: SpooledBlob | OversizeBlob;
}

/** Files checked for count, size and type (by their bytes); problems go to `errors` (the caller throws them with the rest). */
async function checkFiles(files: IncomingFile[], errors: FieldErrors): Promise<Array<IncomingFile & { blob: SpooledBlob; mimeType: string }>> {
  if (files.length > MAX_REPORT_FILES) errors.files = [`The files field must not have more than ${MAX_REPORT_FILES} items.`];
  const types = await Promise.all(files.map((file) => ('oversize' in file.blob ? undefined : detectFileType(file.blob.head))));
  const checked = files.map((file, i) => {
    if ('oversize' in file.blob) {
      (errors[file.field] ??= []).push(`The ${file.field} field must not be greater than ${MAX_REPORT_FILE_BYTES / 1024} kilobytes.`);
      return { ...file, blob: file.blob as never, mimeType: '' };
    }
    const type = types[i] && IMAGE_TYPES.has(types[i].mimeType) ? types[i] : undefined;
    if (!type) (errors[file.field] ??= []).push(`The ${file.field} field must be a file of type: jpg, jpeg, png, gif, webp, bmp, tiff.`);
    return { ...file, blob: file.blob, mimeType: type?.mimeType ?? '' };
  });
  return checked;
}

/** A JSON body cannot carry files: a `files` member there is refused, not silently dropped. */
function filesSentAsText(input: unknown, errors: FieldErrors): void {
  const files = (input as { files?: unknown } | null | undefined)?.files;
  if (files === undefined || files === null) return;
  if (!Array.isArray(files)) errors.files = ['The files field must be a file.'];
  else files.forEach((_, i) => (errors[`files.${i}`] ??= []).push(`The files.${i} field must be a file.`));
}

/**
 * A new report at the end of the queue, with its images. All or nothing: fields and files are
 * checked first (a refused request keeps none of its bytes), blobs moved into the store, then one
 * transaction inserts the report and its attachments. Should that fail, the blobs stay
 * unreferenced and the blob collector removes them after its grace period.
 */
export async function submitReport(
  actor: Actor,
  projectRef: string | number,
  input: unknown,
  files: IncomingFile[] = [],
  /** Problems the skin found reading the body (misnamed parts, too many files), reported with the rest. */
  bodyErrors: FieldErrors = {},
): Promise<ReportWithCount> {
  const { services, principal } = actor;
  let project: ProjectScope;
  let data: z.output<typeof reportInput>;
  let images: Awaited<ReturnType<typeof checkFiles>>;
  try {
    project = await reportProject(actor, projectRef, 'create');
    const errors: FieldErrors = { ...bodyErrors };
    data = collectInput(reportInput, input, errors)!;
    images = await checkFiles(files, errors);
    filesSentAsText(input, errors);
    if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
  } catch (error) {
    await services.blobs.discard(files.map((f) => f.blob));
    throw error;
  }
  const stored: StoredBlob[] = [];
  for (const image of images) stored.push(await services.blobs.commit(image.blob));
  const now = services.clock.now();
  const report = await submissionQueue(services).submit({
    submittedBy: principal,
    projectId: project.id,
    title: data.title,
    description: data.description,
    authorName: data.authorName ?? null,
    ...authorship(principal),
    createdAt: now,
    updatedAt: now,
    attachments: {
      create: images.map((image, i) => ({ projectId: project.id, sha256: stored[i]!.sha256, filename: image.filename.slice(0, 255), mimeType: image.mimeType, size: stored[i]!.size })),
    },
  });
  queueChanged(actor, project.id, report.id, 'created');
  return report;
}

type NewReport = Omit<PrismaTypes.ReportUncheckedCreateInput, 'order'> & { submittedBy: Principal };

/** Submissions are group-committed: one transaction and one queue lock per project per batch. */
const submissionQueue = groupCommitPerApp<NewReport, ReportWithCount>((services, reports) => appendReports(services.prisma, reports), { maxWaitMs: 2, maxBatch: 100 });

/** Appends each project's new reports at the end of its queue, in arrival order. */
async function appendReports(prisma: PrismaClient, reports: NewReport[]): Promise<ReportWithCount[]> {
  const results = new Array<ReportWithCount>(reports.length);
  await prisma.$transaction(
    async (tx) => {
      for (const projectId of [...new Set(reports.map((r) => r.projectId))].sort((a, b) => a - b)) {
        await lockForTransaction(tx, REPORT_QUEUE_LOCK, projectId);
        let order = (await tx.report.aggregate({ where: { projectId }, _max: { order: true } }))._max.order ?? 0;
        for (const [i, { submittedBy: _by, ...report }] of reports.entries()) {
          if (report.projectId === projectId) results[i] = (await tx.report.create({ data: { ...report, order: ++order }, include: withCount })) as ReportWithCount;
        }
      }
      const submitted = results.map((report, i) => ({ subject: 'Report' as const, id: report.id, action: 'submitted', to: report.order, by: reports[i]!.submittedBy }));
      await emitEvents(tx, results.map((report) => ({
        projectId: report.projectId, type: 'report.created' as const, occurredAt: report.createdAt,
        data: { id: report.id, title: report.title, description: report.description, source: report.source, authorName: report.authorName, order: report.order },
      })));
      await recordTriage(tx, reports[0]!.submittedBy, reports[0]!.createdAt as Date, submitted);
    },
    { maxWait: 30_000, timeout: 30_000 },
  );
  return results;
}

/** Token submissions are `source: 1` with no creator; people are `source: 0`, themselves. */
function authorship(principal: Principal) {
  return principal.kind === 'user' && principal.token
    ? { source: REPORT_SOURCE.person, createdById: principal.user.id }
    : { source: principal.kind === 'user' ? REPORT_SOURCE.person : REPORT_SOURCE.api, createdById: null };
}

// Triage -----------------------------------------------------------------------------------------

const idList = z.array(idSchema).min(1).max(500);
const promoteInput = z.object({
  reportIds: idList,
  issueId: idSchema.nullish(),
  title: maxChars(255, z.string().trim().min(1)).nullish(),
  description: maxChars(65_535).nullish(),
});

/**
 * Promotes pending reports of one project into one issue — a new one, or `issueId` of the same
 * project. One transaction: the issue, the links, the stamps; a report that is already promoted
 * or dismissed (or not in this project) fails the whole call with 422.
 */
export async function promoteReports(actor: Actor, projectRef: string | number, input: unknown): Promise<{ issue: Issue; reports: ReportWithCount[]; created: boolean }> {
  const project = await reportProject(actor, projectRef, 'update');
  const data = parseInput(promoteInput, input);
  const ids = [...new Set(data.reportIds)];
  const now = actor.services.clock.now();
  const { issue, created, linked } = await promoteIntoIssue(actor, {
    projectId: project.id,
    issueId: data.issueId,
    issueField: 'issueId',
    subjects: ids.map((id) => ({ subject: 'Report', id, from: 'PENDING' })),
    async prepare(tx) {
      await lockForTransaction(tx, REPORT_QUEUE_LOCK, project.id);
      const reports = await pendingReports(tx, project.id, ids, 'reportIds');
      return {
        title: data.title ?? reports[0]!.title,
        description: data.description ?? reports.map((r) => `${r.title}\n\n${r.description}`).join('\n\n---\n\n'),
      };
    },
    async link(tx, issue) {
      await tx.report.updateMany({ where: { id: { in: ids } }, data: { promotedIssueId: issue.id, promotedAt: now, updatedAt: now } });
      return tx.report.findMany({ where: { id: { in: ids } }, orderBy: { order: 'asc' }, include: withCount });
    },
  });
  queueChanged(actor, project.id, null, 'promoted', reportRecords(ids));
  return { issue, reports: linked, created };
}

/** Dismissed reports stay on record, off the active queue. */
export async function dismissReport(actor: Actor, projectRef: string | number, reportId: number): Promise<ReportWithCount> {
  const project = await reportProject(actor, projectRef, 'update');
  const now = actor.services.clock.now();
  const report = await actor.services.prisma.$transaction(async (tx) => {
    await lockForTransaction(tx, REPORT_QUEUE_LOCK, project.id);
    await pendingReports(tx, project.id, [reportId], 'report');
    await recordTriage(tx, actor.principal, now, [{ subject: 'Report', id: reportId, action: 'dismissed', from: 'PENDING', to: 'DISMISSED' }]);
    return tx.report.update({ where: { id: reportId }, data: { dismissedAt: now, updatedAt: now }, include: withCount });
  });
  queueChanged(actor, project.id, report.id, 'dismissed');
  return report;
}

/** Undoes a dismissal: the report is pending again, at the position it kept. */
export async function restoreReport(actor: Actor, projectRef: string | number, reportId: number): Promise<ReportWithCount> {
  const project = await reportProject(actor, projectRef, 'update');
  const now = actor.services.clock.now();
  const report = await actor.services.prisma.$transaction(async (tx) => {
    await lockForTransaction(tx, REPORT_QUEUE_LOCK, project.id);
    const found = await tx.report.findFirst({ where: { id: reportId, projectId: project.id } });
    if (!found) throw new NotFound('Report');
    if (reportStatus(found) !== 'DISMISSED') throw ValidationFailed.field('report', `Report ${reportId} is ${reportStatus(found).toLowerCase()}, not dismissed.`);
    await recordTriage(tx, actor.principal, now, [{ subject: 'Report', id: reportId, action: 'restored', from: 'DISMISSED', to: 'PENDING' }]);
    return tx.report.update({ where: { id: reportId }, data: { dismissedAt: null, updatedAt: now }, include: withCount });
  });
  queueChanged(actor, project.id, report.id, 'restored');
  return report;
}

async function pendingReports(tx: Db, projectId: number, ids: number[], field: string): Promise<Report[]> {
  const found = await tx.report.findMany({ where: { id: { in: ids }, projectId }, orderBy: { order: 'asc' } });
  const errors: FieldErrors = {};
  ids.forEach((id, i) => {
    const report = found.find((r) => r.id === id);
    const key = field === 'report' ? field : `${field}.${i}`;
    if (!report) errors[key] = [field === 'report' ? 'No such report in this project.' : `The selected ${key} is invalid.`];
    else if (reportStatus(report) !== 'PENDING') errors[key] = [`Report ${id} is already ${reportStatus(report).toLowerCase()}.`];
  });
  if (Object.keys(errors).length > 0) {
    if (field === 'report' && !found.length) throw new NotFound('Report');
    throw new ValidationFailed(errors);
  }
  return found;
}

const reorderInput = z.object({ reportIds: idList });

/**
 * The listed reports take the board positions they occupy between them, in the order given;
 * everything else keeps its place. A full list is therefore the whole new order, a partial list
 * rearranges just those cards. Positions are renumbered densely (1..n) under the queue lock.
 */
export async function reorderReports(actor: Actor, projectRef: string | number, input: unknown): Promise<ReportWithCount[]> {
  const project = await reportProject(actor, projectRef, 'update');
  const ids = parseInput(reorderInput, input).reportIds;
  if (new Set(ids).size !== ids.length) throw ValidationFailed.field('reportIds', 'The reportIds field has a duplicate value.');
  const now = actor.services.clock.now();
  const reports = await actor.services.prisma.$transaction(async (tx) => {
    await lockForTransaction(tx, REPORT_QUEUE_LOCK, project.id);
    const queue = await tx.report.findMany({ where: { projectId: project.id }, orderBy: [{ order: 'asc' }, { id: 'asc' }], select: { id: true, order: true } });
    const unknown = ids.filter((id) => !queue.some((r) => r.id === id));
    if (unknown.length > 0) throw ValidationFailed.field('reportIds', `Not reports of this project: ${unknown.join(', ')}.`);
    const listed = new Set(ids);
    const next = [...ids];
    const arranged = queue.map((r) => (listed.has(r.id) ? next.shift()! : r.id));
    const moved = arranged.map((id, i) => ({ id, order: i + 1 })).filter(({ id, order }) => queue.find((r) => r.id === id)!.order !== order);
    for (const { id, order } of moved) await tx.report.update({ where: { id }, data: { order, updatedAt: now } });
    await recordTriage(tx, actor.principal, now, moved.map(({ id, order }) => ({ subject: 'Report', id, action: 'reordered', from: queue.find((r) => r.id === id)!.order, to: order })));
    return tx.report.findMany({ where: { projectId: project.id }, orderBy: { order: 'asc' }, include: withCount });
  });
  queueChanged(actor, project.id, null, 'reordered', reportRecords(ids));
  return reports;
}

/** Permanent removal (spam, duplicates); later cards move up so the order stays dense. */
export async function deleteReport(actor: Actor, projectRef: string | number, reportId: number): Promise<void> {
  const project = await reportProject(actor, projectRef, 'delete');
  await actor.services.prisma.$transaction(async (tx) => {
    await lockForTransaction(tx, REPORT_QUEUE_LOCK, project.id);
    const report = await tx.report.findFirst({ where: { id: reportId, projectId: project.id } });
    if (!report) throw new NotFound('Report');
    if (project.reach === 'own' && !isOwnReport(actor, report)) {
      throw new Forbidden('You may delete only the reports you filed.');
    }
    await tx.report.delete({ where: { id: reportId } });
    await tx.report.updateMany({ where: { projectId: project.id, order: { gt: report.order } }, data: { order: { decrement: 1 } } });
    await recordTriage(tx, actor.principal, actor.services.clock.now(), [{ subject: 'Report', id: reportId, action: 'deleted', from: reportStatus(report) }]);
  });
  queueChanged(actor, project.id, reportId, 'deleted');
}

/** A report by id, for GraphQL; NotFound when the caller may not read its project. */
/** A report by id, read once with whatever `query` (GraphQL's selection) asks to include. */
export async function findReport<Q extends Pick<PrismaTypes.ReportFindUniqueArgs, 'include'>>(actor: Actor, reportId: number, query: Q = {} as Q) {
  requireAuthenticated(actor.principal);
  const report = await actor.services.prisma.report.findUnique({ ...query, where: { id: reportId } });
  if (!report) throw new NotFound('Report');
  await authorizedRecordProject(actor, 'Report', report.projectId, RULES.read, 'reports');
  return report;
}

/**
 * Live subscribers hear of the change; cached results holding the project (its board pages), the
 * report and whatever else changed go. Positions shifted by a deletion are bounded by the TTL.
 */
export const QUEUE_CHANGES = ['created', 'promoted', 'dismissed', 'restored', 'reordered', 'deleted'] as const;
export type QueueChange = (typeof QUEUE_CHANGES)[number];

function queueChanged(actor: Actor, projectId: number, reportId: number | null, change: QueueChange, alsoChanged: ChangedRecord[] = []): void {
  actor.services.pubsub.publish('reportQueueChanged', projectId, { projectId, reportId, change });
  const report = reportId === null ? [] : [{ typename: 'Report', id: reportId }];
  announceChanged(actor.services, { typename: 'Project', id: projectId }, ...report, ...alsoChanged);
}

const reportRecords = (ids: number[]): ChangedRecord[] => ids.map((id) => ({ typename: 'Report', id }));
