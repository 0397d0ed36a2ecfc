import { Readable } from 'node:stream';
import { builder, type GraphQLContext } from '../../graphql/builder.ts';
import { MODULE_WRITE_ERRORS } from '../../graphql/errors.ts';
import { defineMutation, type MutationInputFields } from '../../graphql/mutations.ts';
import { guardedStream } from '../../graphql/live.ts';
import { defineNodeKind, encodeGlobalId, intDatabaseId, NodeInterface } from '../../graphql/node.ts';
import { IssueNode, IssueType } from '../issues/schema.ts';
import { Project, ProjectNode, Viewer } from '../workspaces/schema.ts';
import { attachmentUrl } from './attachments.ts';
import { anyOf } from '../../graphql/lists.ts';
import { readsRow, rowReadsOf } from '../../graphql/row-reads.ts';
import {
  boardReports, countReports, mayDeleteReport, mayTriageReport, QUEUE_CHANGES, type QueueChange, deleteReport, dismissReport, findReport, promoteReports, reorderReports, reportProject, reportStatus, restoreReport, submitReport,
  MAX_REPORT_FILE_BYTES, type IncomingFile, type ReportStatus,
} from './service.ts';
import { REPORT_CARD_RELATIONS } from './board-page.ts';
import { enumValues } from '../../graphql/enums.ts';

const ReportStatusEnum = builder.enumType('ReportStatus', { values: ['PENDING', 'PROMOTED', 'DISMISSED'] as const });
const ReportSourceEnum = builder.enumType('ReportSource', {
  // Typed as the column (a number), so the field reads it as it is, without a resolver per card.
  values: { PERSON: { value: 0 as number, description: 'Filed by a person.' }, API: { value: 1 as number, description: 'Submitted with a project token.' } },
});

const AttachmentType = builder.prismaObject('Attachment', {
  fields: (t) => ({
    id: t.exposeInt('id'),
    filename: t.exposeString('filename'),
    mimeType: t.exposeString('mimeType', { description: 'Decided by the file’s magic bytes.' }),
    size: t.exposeInt('size'),
    sha256: t.exposeString('sha256'),
    url: t.string({ description: 'The bytes; readable by whoever may read the project’s reports.', extensions: readsRow(['id']), resolve: (a, _args, ctx) => attachmentUrl(ctx.services.config.publicUrl, a.id) }),
  }),
});

export const ReportNode = defineNodeKind('Report', { parseId: intDatabaseId, load: (ctx, id) => findReport(ctx, id) });

/**
 * A card's relations are read with the report wherever Pothos plans the query (joined into the same
 * statement), and resolve from the row itself: as `t.relation` fields, Pothos looked up each row's
 * selection per field, which cost the uncached board more than the joins (README, Footprint). A
 * report read without them (a mutation's payload, `node`) falls back to the request's loaders.
 */
/** The relation joined into the row, or its loader's answer (null when the row names none). */
const joinedOrLoaded = <T, K>(joined: T | null | undefined, key: K | null, loader: { load(key: K): Promise<T | null> }) =>
  joined !== undefined ? joined : key === null ? null : loader.load(key);

const ReportType = builder.prismaObject('Report', {
  description: 'A feedback report in a project’s triage queue.',
  interfaces: [NodeInterface],
  include: REPORT_CARD_RELATIONS,
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The id the kendo REST routes use.' }),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    source: t.expose('source', { type: ReportSourceEnum }),
    authorName: t.exposeString('authorName', { nullable: true, description: 'The external reporter named by a token submission.' }),
    reporter: t.field({ type: Viewer, nullable: true, description: 'The person who filed it (null for token submissions; see `authorName`).', extensions: readsRow(['createdById'], 'createdBy'), resolve: (report, _args, ctx) => joinedOrLoaded(report.createdBy, report.createdById, ctx.loaders.user) }),
    status: t.field({ type: ReportStatusEnum, extensions: readsRow(['promotedIssueId', 'dismissedAt']), resolve: (report) => reportStatus(report) }),
    order: t.exposeInt('order'),
    issue: t.field({ type: IssueType, nullable: true, description: 'The issue it was promoted into.', extensions: readsRow(['promotedIssueId'], 'promotedIssue'), resolve: (report, _args, ctx) => joinedOrLoaded(report.promotedIssue, report.promotedIssueId, ctx.loaders.issue) }),
    promotedAt: t.expose('promotedAt', { type: 'DateTime', nullable: true }),
    dismissedAt: t.expose('dismissedAt', { type: 'DateTime', nullable: true }),
    attachments: t.field({ type: [AttachmentType], extensions: readsRow(['id'], 'attachments'), resolve: (report, _args, ctx) => report.attachments ?? ctx.loaders.reportAttachments.load(report.id) }),
    project: t.field({ type: Project, description: 'Loaded once per request, whatever the page size.', extensions: readsRow(['projectId']), resolve: (report, _args, ctx) => {
      const project = ctx.loaders.projectOf(report.projectId); // a report's project outlives it (cascade)
      return project instanceof Promise ? project.then((p) => p!) : project;
    } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    viewerCanUpdate: t.boolean({ description: 'Whether you may promote, dismiss, restore or reorder it.', extensions: readsRow(['projectId']), resolve: (report, _args, ctx) => mayTriageReport(ctx, report) }),
    viewerCanDelete: t.boolean({ description: 'Whether you may delete it (some may delete only the reports they filed).', extensions: readsRow(['projectId', 'createdById']), resolve: (report, _args, ctx) => mayDeleteReport(ctx, report) }),
  }),
});

/** Where a connection's selection holds its cards. */
const CARD_PATHS = [['edges', 'node'], ['nodes']] as const;

const ReportFilterInput = builder.inputType('ReportFilter', {
  fields: (t) => ({ status: t.field({ type: [ReportStatusEnum], required: false, description: 'Any of these.' }) }),
});

builder.prismaObjectField('Project', 'reports', (t) =>
  t.prismaConnection({
    nullable: true,
    type: 'Report',
    cursor: 'id',
    description: 'The queue in board order.',
    args: { filter: t.arg({ type: ReportFilterInput, required: false }) },
    totalCount: (project, args, ctx) => countReports(ctx, project.id, anyOf(args.filter?.status)),
    resolve: (query, project, args, ctx, info) => boardReports(ctx, project.id, anyOf(args.filter?.status), query, rowReadsOf(info, 'Report', CARD_PATHS)),
  }),
);

builder.queryField('report', (t) =>
  t.prismaField({
    nullable: true,
    type: 'Report',
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) => findReport(ctx, ReportNode.idOf(args.id), query),
  }),
);

/** GraphQL uploads arrive as File objects (Yoga holds them, within its upload limits); spooled and checked like multipart parts. */
const incomingFiles = async (ctx: GraphQLContext, files: readonly File[] | null | undefined): Promise<IncomingFile[]> =>
  Promise.all(
    (files ?? []).map(async (file, i) => ({
      field: `files.${i}`,
      filename: file.name,
      blob: await ctx.services.blobs.spool(Readable.from([new Uint8Array(await file.arrayBuffer())]), MAX_REPORT_FILE_BYTES),
    })),
  );

const reportFields = { report: { type: ReportType, description: 'The report as it is after the change.' } };
const reportId = (t: MutationInputFields) => t.id({ description: 'The report’s global id (or its numeric id).' });
/** The report the caller may change, read once. */
const reportToChange = (ctx: GraphQLContext, id: string | number) => findReport(ctx, ReportNode.idOf(id, 'id'));

defineMutation('submitReport', {
  description: 'File a report in a project’s queue, as the signed-in person (no dedup).',
  input: (t) => ({
    project: t.id({ description: 'The project’s global id, numeric id or slug.' }),
    title: t.string(),
    description: t.string(),
    authorName: t.string({ required: false, description: 'An external reporter’s name.' }),
    files: t.field({ type: ['File'], required: false, description: 'Up to 5 images (jpg, png, gif, webp, bmp, tiff), 3 MB each.' }),
  }),
  payload: reportFields,
  errors: MODULE_WRITE_ERRORS,
  resolve: async (input, ctx) => ({
    report: await submitReport(ctx, ProjectNode.refOf(input.project), { title: input.title, description: input.description, authorName: input.authorName }, await incomingFiles(ctx, input.files)),
  }),
});
defineMutation('promoteReports', {
  description: 'Promote pending reports of one project into one new issue, or into `issueId`.',
  input: (t) => ({
    project: t.id({ description: 'The project’s global id, numeric id or slug.' }),
    reportIds: t.idList({ description: 'Pending reports of that project.' }),
    issueId: t.id({ required: false, description: 'An issue of that project to link them to, instead of a new one.' }),
    title: t.string({ required: false, description: 'The new issue’s title (default: the first report’s).' }),
  }),
  payload: {
    issue: { type: IssueType, description: 'The issue they went into.' },
    reports: { type: [ReportType], description: 'The promoted reports, as they are now.' },
  },
  errors: MODULE_WRITE_ERRORS,
  resolve: (input, ctx) =>
    promoteReports(ctx, ProjectNode.refOf(input.project), {
      reportIds: input.reportIds.map((id) => ReportNode.idOf(id, 'reportIds')),
      issueId: IssueNode.optionalIdOf(input.issueId, 'issueId'),
      title: input.title,
    }),
});
const QUEUE_VERBS = [
  ['dismissReport', dismissReport, 'Take a pending report off the queue; `restoreReport` undoes it. A report that is not pending answers VALIDATION_FAILED, every time.'],
  ['restoreReport', restoreReport, 'Undo a dismissal: the report is pending again. A report that is not dismissed answers VALIDATION_FAILED, every time.'],
] as const;
for (const [name, change, description] of QUEUE_VERBS) {
  defineMutation(name, {
    description,
    input: (t) => ({ id: reportId(t) }),
    payload: reportFields,
    errors: MODULE_WRITE_ERRORS,
    resolve: async (input, ctx) => {
      const report = await reportToChange(ctx, input.id);
      return { report: await change(ctx, report.projectId, report.id) };
    },
  });
}
defineMutation('reorderReports', {
  description: 'The listed reports take the positions they occupy between them, in this order.',
  input: (t) => ({ project: t.id({ description: 'The project’s global id, numeric id or slug.' }), reportIds: t.idList({ description: 'Reports of that project, in their new order.' }) }),
  payload: { reports: { type: [ReportType], description: 'The listed reports in their new order.' } },
  errors: MODULE_WRITE_ERRORS,
  resolve: async (input, ctx) => ({
    reports: await reorderReports(ctx, ProjectNode.refOf(input.project), { reportIds: input.reportIds.map((id) => ReportNode.idOf(id, 'reportIds')) }),
  }),
});
defineMutation('deleteReport', {
  description: 'Delete a report and its attachments.',
  input: (t) => ({ id: reportId(t) }),
  payload: { deletedReportId: { type: 'ID', description: 'The global id the report had.' } },
  errors: MODULE_WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const report = await reportToChange(ctx, input.id);
    await deleteReport(ctx, report.projectId, report.id);
    return { deletedReportId: encodeGlobalId('Report', report.id) };
  },
});

const ReportQueueChangeEnum = builder.enumType('ReportQueueChange', {
  values: enumValues(QUEUE_CHANGES),
});
const ReportQueueEvent = builder.objectRef<{ projectId: number; reportId: number | null; change: QueueChange }>('ReportQueueEvent').implement({
  fields: (t) => ({
    projectId: t.exposeInt('projectId'),
    reportId: t.exposeInt('reportId', { nullable: true, description: 'Null when the whole queue moved (REORDERED).' }),
    change: t.field({ type: ReportQueueChangeEnum, resolve: (event) => event.change }),
    report: t.prismaField({
      type: 'Report',
      nullable: true,
      description: 'The report as it is after the change, read for this subscriber (null once DELETED, or for REORDERED).',
      resolve: (query, event, _args, ctx) => (event.reportId === null || event.change === 'deleted' ? null : findReport(ctx, event.reportId, query).catch(() => null)),
    }),
  }),
});

builder.subscriptionType({});
builder.subscriptionField('reportQueueChanged', (t) =>
  t.field({
    type: ReportQueueEvent,
    description: 'Every change to a project’s queue, live (SSE).',
    args: { projectId: t.arg.id({ description: 'The project’s global id (or its numeric id).' }) },
    subscribe: (_root, args, ctx) => {
      const projectId = ProjectNode.idOf(args.projectId, 'projectId');
      return guardedStream(
        ctx,
        () => ctx.services.pubsub.subscribe('reportQueueChanged', projectId),
        (fresh) => reportProject(fresh, projectId, 'read'),
      );
    },
    resolve: (event) => event,
  }),
);
