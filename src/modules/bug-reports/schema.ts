import { isAdmin } from '../../auth/permissions.ts';
import { builder } from '../../graphql/builder.ts';
import { MUTATION_ERRORS } from '../../graphql/errors.ts';
import { defineNodeKind, encodeGlobalId, NodeInterface } from '../../graphql/node.ts';
import { IssueNode, IssueType } from '../issues/schema.ts';
import { ProjectNode } from '../workspaces/schema.ts';
import { recordActivity } from './journey.ts';
// Stored as text and written only through the domain's zod enums, so the casts below hold.
import { BUG_SEVERITIES, BUG_SOURCES, BUG_STATUSES, type BugSeverity, type BugStatus } from './rules.ts';
import {
  apiSource, bugReportFor, bugReportPage, countBugReports, createBugReport, deleteBugReport, promoteBugReport, reportBugAutomatically,
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
const ReportErrorOutcome = builder.objectRef<AutoReportOutcome>('ReportedError').implement({
  fields: (t) => ({
    summary: t.field({ type: ReportedBugSummary, resolve: (outcome) => outcome }),
    report: t.field({
      type: BugReportType,
      nullable: true,
      description: 'Administrators only (null for anyone else): the whole report; for a repeat, as it was before this occurrence.',
      resolve: (outcome, _args, ctx) => (isAdmin(ctx.principal) ? outcome.report : null),
    }),
    created: t.exposeBoolean('created', { description: 'False when the error was counted on an existing report.' }),
  }),
});
const PromotedBugReport = builder.objectRef<Awaited<ReturnType<typeof promoteBugReport>>>('PromotedBugReport').implement({
  fields: (t) => ({
    report: t.field({ type: BugReportType, resolve: (promoted) => promoted.report }),
    issue: t.field({ type: IssueType, resolve: (promoted) => promoted.issue }),
  }),
});
const DeletedBugReport = builder.objectRef<{ id: string }>('DeletedBugReport').implement({
  fields: (t) => ({ id: t.id({ description: 'The global id it had.', resolve: (deleted) => encodeGlobalId('BugReport', deleted.id) }) }),
});
const UserActivityType = builder.prismaObject('UserActivity', {
  fields: (t) => ({
    id: t.exposeID('id'),
    source: t.exposeString('source'),
    summary: t.exposeString('summary'),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

builder.mutationFields((t) => ({
  createBugReport: t.field({
    type: BugReportType,
    description: 'Administrators only: a report filed by a person (no dedup).',
    errors: { types: MUTATION_ERRORS },
    args: {
      title: t.arg.string(),
      description: t.arg.string({ required: false }),
      source: t.arg({ type: BugSourceEnum, defaultValue: 'user:command' }),
      severity: t.arg({ type: BugSeverityEnum, required: false }),
      workspaceId: t.arg.string({ required: false }),
      spaceId: t.arg.string({ required: false }),
      context: t.arg({ type: 'JSON', required: false }),
    },
    resolve: (_root, args, ctx) => createBugReport(ctx, { ...args, severity: args.severity ?? undefined }),
  }),
  reportError: t.field({
    type: ReportErrorOutcome,
    description: 'The automatic path: any signed-in person, or a token with bug-reports:write. Deduplicated for 24 h.',
    errors: { types: MUTATION_ERRORS },
    args: {
      source: t.arg({ type: BugSourceEnum }),
      errorMessage: t.arg.string({ required: false }),
      errorStack: t.arg.string({ required: false }),
      errorCode: t.arg.string({ required: false }),
      title: t.arg.string({ required: false }),
      severity: t.arg({ type: BugSeverityEnum, required: false }),
      workspaceId: t.arg.string({ required: false }),
      spaceId: t.arg.string({ required: false }),
      context: t.arg({ type: 'JSON', required: false }),
      metadata: t.arg({ type: 'JSON', required: false }),
      occurredAt: t.arg({ type: 'DateTime', required: false }),
    },
    resolve: (_root, args, ctx) => reportBugAutomatically(ctx, { ...args, occurredAt: args.occurredAt?.toISOString() }),
  }),
  updateBugReport: t.field({
    type: BugReportType,
    errors: { types: MUTATION_ERRORS },
    args: {
      id: t.arg.id(),
      title: t.arg.string({ required: false }),
      description: t.arg.string({ required: false }),
      severity: t.arg({ type: BugSeverityEnum, required: false }),
      status: t.arg({ type: BugStatusEnum, required: false }),
    },
    resolve: (_root, { id, ...change }, ctx) => updateBugReport(ctx, { bugReportId: BugReportNode.idOf(id), ...change }),
  }),
  deleteBugReport: t.field({
    type: DeletedBugReport,
    errors: { types: MUTATION_ERRORS },
    args: { id: t.arg.id() },
    resolve: async (_root, args, ctx) => {
      const id = BugReportNode.idOf(args.id);
      await deleteBugReport(ctx, id);
      return { id };
    },
  }),
  promoteBugReport: t.field({
    type: PromotedBugReport,
    description: 'Open an issue for the report in a project of its workspace, or link it to `issueId` of that project.',
    errors: { types: MUTATION_ERRORS },
    args: { id: t.arg.id(), project: t.arg.id(), title: t.arg.string({ required: false }), issueId: t.arg.id({ required: false }) },
    resolve: (_root, args, ctx) =>
      promoteBugReport(ctx, BugReportNode.idOf(args.id), ProjectNode.refOf(args.project), args.title, IssueNode.optionalIdOf(args.issueId, 'issueId')),
  }),
  recordActivity: t.field({
    type: UserActivityType,
    description: 'Record an action of the signed-in person (e.g. a board page view) for their user journey.',
    errors: { types: MUTATION_ERRORS },
    args: { source: t.arg.string({ description: 'e.g. page-view, task-create' }), summary: t.arg.string() },
    resolve: (_root, args, ctx) => recordActivity(ctx, args),
  }),
}));
