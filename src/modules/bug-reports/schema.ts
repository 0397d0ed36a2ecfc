import { isAdmin } from '../../auth/permissions.ts';
import { builder } from '../../graphql/builder.ts';
import { WRITE_ERRORS } from '../../graphql/errors.ts';
import { defineMutation, type MutationInputFields } from '../../graphql/mutations.ts';
import { Forbidden, ValidationFailed } from '../../errors.ts';
import { defineNodeKind, encodeGlobalId, NodeInterface } from '../../graphql/node.ts';
import { IssueNode, IssueType } from '../issues/schema.ts';
import { ProjectNode } from '../workspaces/schema.ts';
import { recordActivity } from './journey.ts';
// Stored as text and written only through the domain's zod enums, so the casts below hold.
import { BUG_SEVERITIES, BUG_SOURCES, BUG_STATUSES, type BugSeverity, type BugStatus } from './rules.ts';
import {
  apiSource, bugReportFor, bugReportPage, mayWriteBugReports, countBugReports, createBugReport, deleteBugReport, promoteBugReport, reportBugAutomatically,
  updateBugReport, type AutoReportOutcome, type BugReportFilter,
} from './service.ts';
import { enumValues } from '../../graphql/enums.ts';

const BugSourceEnum = builder.enumType('BugReportSource', { values: enumValues(BUG_SOURCES) });
const BugSeverityEnum = builder.enumType('BugSeverity', { values: enumValues(BUG_SEVERITIES) });
const BugStatusEnum = builder.enumType('BugStatus', { values: enumValues(BUG_STATUSES) });

// Bug report ids are the raven API's strings (`bug_…`, or what a migration brought).
const BugReportNode = defineNodeKind('BugReport', { parseId: (text) => (text.length > 0 && text.length <= 100 ? text : null), load: (ctx, id) => bugReportFor(ctx, id) });

const BugReportType = builder.prismaObject('BugReport', {
  description: 'A bug report: filed by a person, or captured automatically and deduplicated.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeString('id', { description: 'The id the bug-report REST routes use.' }),
    workspace: t.relation('workspace', { nullable: true }),
    spaceId: t.exposeString('spaceId', { nullable: true }),
    reporter: t.relation('reporter', { nullable: true }),
    source: t.field({ type: BugSourceEnum, resolve: (report) => apiSource(report.source) }),
    severity: t.field({ type: BugSeverityEnum, resolve: (report) => report.severity as BugSeverity }),
    status: t.field({ type: BugStatusEnum, resolve: (report) => report.status as BugStatus }),
    title: t.exposeString('title'),
    description: t.exposeString('description', { nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    errorStack: t.exposeString('errorStack', { nullable: true }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    userJourney: t.expose('userJourney', { type: 'JSON', nullable: true }),
    context: t.expose('context', { type: 'JSON', nullable: true }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: true }),
    occurrenceCount: t.exposeInt('occurrenceCount'),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    viewerCanUpdate: t.boolean({ description: 'Whether you may update, promote or delete it.', resolve: (_report, _args, ctx) => mayWriteBugReports(ctx) }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    issue: t.relation('issue', { nullable: true }),
  }),
});

const BugReportFilterInput = builder.inputType('BugReportFilter', {
  fields: (t) => ({
    source: t.field({ type: BugSourceEnum, required: false }),
    severity: t.field({ type: BugSeverityEnum, required: false }),
    status: t.field({ type: BugStatusEnum, required: false }),
    workspaceId: t.string({ required: false }),
    fromDate: t.field({ type: 'DateTime', required: false, description: 'occurredAt on or after.' }),
    toDate: t.field({ type: 'DateTime', required: false, description: 'occurredAt on or before.' }),
  }),
});

/** GraphQL's filter in the service's terms (dates as ISO strings, absent as undefined). */
const domainFilter = (filter: typeof BugReportFilterInput.$inferInput | null | undefined): BugReportFilter => ({
  source: filter?.source ?? undefined,
  severity: filter?.severity ?? undefined,
  status: filter?.status ?? undefined,
  workspaceId: filter?.workspaceId ?? undefined,
  fromDate: filter?.fromDate?.toISOString(),
  toDate: filter?.toDate?.toISOString(),
});

builder.queryFields((t) => ({
  bugReports: t.prismaConnection({
    nullable: true,
    type: 'BugReport',
    cursor: 'id',
    description: 'Administrators only. Newest occurrence first; deleted reports never appear.',
    args: { filter: t.arg({ type: BugReportFilterInput, required: false }) },
    totalCount: (_root, { filter }, ctx) => countBugReports(ctx, domainFilter(filter)),
    resolve: (query, _root, { filter }, ctx) => bugReportPage(ctx, domainFilter(filter), query),
  }),
  bugReport: t.prismaField({
    nullable: true,
    type: 'BugReport',
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) => bugReportFor(ctx, BugReportNode.idOf(args.id), query),
  }),
}));

const ReportedBugSummary = builder.objectRef<AutoReportOutcome>('ReportedBugSummary').implement({
  description: 'What any reporter may read of the report their error was filed or counted on.',
  fields: (t) => ({
    id: t.id({ resolve: (outcome) => encodeGlobalId('BugReport', outcome.report.id) }),
    databaseId: t.string({ resolve: (outcome) => outcome.report.id }),
    title: t.string({ resolve: (outcome) => outcome.report.title }),
    source: t.field({ type: BugSourceEnum, resolve: (outcome) => apiSource(outcome.report.source) }),
    severity: t.field({ type: BugSeverityEnum, resolve: (outcome) => outcome.report.severity as BugSeverity }),
    status: t.field({ type: BugStatusEnum, resolve: (outcome) => outcome.report.status as BugStatus }),
    occurrenceCount: t.int({ description: 'Including this occurrence.', resolve: (outcome) => outcome.report.occurrenceCount + (outcome.created ? 0 : 1) }),
    createdAt: t.field({ type: 'DateTime', resolve: (outcome) => outcome.report.createdAt }),
  }),
});
const UserActivityType = builder.prismaObject('UserActivity', {
  fields: (t) => ({
    id: t.exposeID('id'),
    source: t.exposeString('source'),
    summary: t.exposeString('summary'),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

const bugReportFields = { bugReport: { type: BugReportType, description: 'The bug report as it is after the change.' } };
const bugReportId = (t: MutationInputFields) => t.id({ description: 'The bug report’s global id (or its id).' });

defineMutation('createBugReport', {
  description: 'Administrators only: a report filed by a person (no dedup).',
  input: (t) => ({
    title: t.string(),
    description: t.string({ required: false }),
    source: t.field({ type: BugSourceEnum, defaultValue: 'user:command' }),
    severity: t.field({ type: BugSeverityEnum, required: false }),
    workspaceId: t.string({ required: false }),
    spaceId: t.string({ required: false }),
    context: t.field({ type: 'JSON', required: false, description: 'Free-form, as the client sent it.' }),
  }),
  payload: bugReportFields,
  errors: WRITE_ERRORS,
  resolve: async (input, ctx) => ({ bugReport: await createBugReport(ctx, { ...input, severity: input.severity ?? undefined }) }),
});
defineMutation('reportError', {
  description: 'The automatic path: any signed-in person, or a token with bug-reports:write. Deduplicated for 24 h.',
  input: (t) => ({
    source: t.field({ type: BugSourceEnum }),
    errorMessage: t.string({ required: false }),
    errorStack: t.string({ required: false }),
    errorCode: t.string({ required: false }),
    title: t.string({ required: false }),
    severity: t.field({ type: BugSeverityEnum, required: false }),
    workspaceId: t.string({ required: false }),
    spaceId: t.string({ required: false }),
    context: t.field({ type: 'JSON', required: false, description: 'Free-form, as the client sent it.' }),
    metadata: t.field({ type: 'JSON', required: false, description: 'Free-form, as the client sent it.' }),
    occurredAt: t.field({ type: 'DateTime', required: false, description: 'Default: now; more than 5 minutes ahead reads as now.' }),
  }),
  payload: {
    created: { type: 'Boolean', description: 'False when the error was counted on an existing report.' },
    summary: { type: ReportedBugSummary, description: 'What any reporter may read of the report, this occurrence counted.' },
    bugReport: { type: BugReportType, description: 'Administrators only (null for anyone else): the whole report as it is after this occurrence.' },
  },
  errors: WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const outcome = await reportBugAutomatically(ctx, { ...input, occurredAt: input.occurredAt?.toISOString() });
    return { created: outcome.created, summary: outcome, bugReport: isAdmin(ctx.principal) ? await bugReportFor(ctx, outcome.report.id) : null };
  },
});
defineMutation('updateBugReport', {
  description: 'Change a bug report’s title, description, severity or status; fields left out keep their value.',
  input: (t) => ({
    id: bugReportId(t),
    title: t.string({ required: false }),
    description: t.string({ required: false }),
    severity: t.field({ type: BugSeverityEnum, required: false }),
    status: t.field({ type: BugStatusEnum, required: false }),
  }),
  payload: bugReportFields,
  errors: WRITE_ERRORS,
  resolve: async ({ id, ...change }, ctx) => ({ bugReport: await updateBugReport(ctx, { bugReportId: BugReportNode.idOf(id), ...change }) }),
});
defineMutation('deleteBugReport', {
  description: 'Delete a bug report.',
  input: (t) => ({ id: bugReportId(t) }),
  payload: { deletedBugReportId: { type: 'ID', description: 'The global id it had.' } },
  errors: WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const id = BugReportNode.idOf(input.id);
    await deleteBugReport(ctx, id);
    return { deletedBugReportId: encodeGlobalId('BugReport', id) };
  },
});
defineMutation('promoteBugReport', {
  description: 'Open an issue for the report in a project of its workspace, or link it to `issueId` of that project.',
  input: (t) => ({
    id: bugReportId(t),
    project: t.id({ description: 'A project of the report’s workspace: global id, numeric id or slug.' }),
    title: t.string({ required: false, description: 'The new issue’s title (default: the report’s).' }),
    issueId: t.id({ required: false, description: 'An issue of that project to link it to, instead of a new one.' }),
  }),
  payload: { ...bugReportFields, issue: { type: IssueType, description: 'The issue it went into.' } },
  errors: WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const promoted = await promoteBugReport(ctx, BugReportNode.idOf(input.id), ProjectNode.refOf(input.project), input.title, IssueNode.optionalIdOf(input.issueId, 'issueId'));
    return { bugReport: promoted.report, issue: promoted.issue };
  },
});
defineMutation('recordActivity', {
  description: 'Record an action of the signed-in person (e.g. a board page view) for their user journey.',
  input: (t) => ({ source: t.string({ description: 'e.g. page-view, task-create' }), summary: t.string() }),
  payload: { activity: { type: UserActivityType, description: 'The recorded action.' } },
  errors: [ValidationFailed, Forbidden],
  resolve: async (input, ctx) => ({ activity: await recordActivity(ctx, input) }),
});
