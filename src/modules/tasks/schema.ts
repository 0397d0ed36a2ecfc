// Tasks on the board: a project's tasks (by status, reported or not), a task with its reports,
// reporting a task, registering one, and promoting a report into an issue.
import { builder } from '../../graphql/builder.ts';
import { MUTATION_ERRORS } from '../../graphql/errors.ts';
import { defineNodeKind, intDatabaseId, NodeInterface } from '../../graphql/node.ts';
import { IssueNode, IssueType } from '../issues/schema.ts';
import { ProjectNode } from '../workspaces/schema.ts';
import { visibleProjectNamed } from '../workspaces/service.ts';
import { TASK_STATUSES } from './rules.ts';
import { countTasks, findTask, projectOfTask, projectTasks, promoteTaskReport, reportTask, taskProject, upsertTask } from './service.ts';
import { anyOf } from '../../graphql/lists.ts';

const TaskStatusEnum = builder.enumType('TaskStatus', { values: TASK_STATUSES });
const TaskNode = defineNodeKind('Task', { parseId: intDatabaseId, load: (ctx, id) => findTask(ctx, id) });

const TaskIssue = builder.objectRef<{ label: string; value: string }>('TaskIssue').implement({
  description: 'One problem a report names: a label for people, a value for machines.',
  fields: (t) => ({ label: t.exposeString('label'), value: t.exposeString('value') }),
});
const TaskIssueInput = builder.inputType('TaskIssueInput', {
  fields: (t) => ({ label: t.string(), value: t.string() }),
});

const TaskReportType = builder.prismaObject('TaskReport', {
  description: 'A report of problems with a task, as filed; forwarded to the project’s export hook.',
  fields: (t) => ({
    id: t.exposeID('id'),
    issues: t.field({ type: [TaskIssue], resolve: (report) => report.issues as Array<{ label: string; value: string }> }),
    message: t.exposeString('message', { nullable: true }),
    reportedBy: t.string({ description: 'Who reported it (the name at the time).', resolve: (report) => report.actorName }),
    exportStatus: t.exposeString('exportStatus', { description: 'none (no export hook), pending, exported or failed (a retry is queued).' }),
    exportedAt: t.expose('exportedAt', { type: 'DateTime', nullable: true }),
    exportError: t.exposeString('exportError', { nullable: true }),
    promotedIssue: t.relation('promotedIssue', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const TaskType = builder.prismaObject('Task', {
  description: 'A document-processing task of the pipeline, and the problems reported on it.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    taskId: t.exposeString('taskId', { description: 'The pipeline’s id (task_…).' }),
    name: t.exposeString('name'),
    status: t.field({ type: TaskStatusEnum, resolve: (task) => task.status as (typeof TASK_STATUSES)[number] }),
    stepType: t.exposeString('stepType'),
    approved: t.exposeBoolean('approved'),
    meta: t.expose('meta', { type: 'JSON' }),
    pages: t.expose('pages', { type: 'JSON', description: 'Pages with annotations, checkboxes, segments and signatures.' }),
    exportedAt: t.expose('exportedAt', { type: 'DateTime', nullable: true }),
    exportFailedAt: t.expose('exportFailedAt', { type: 'DateTime', nullable: true }),
    lastOpenedAt: t.expose('lastOpenedAt', { type: 'DateTime', nullable: true }),
    reportCount: t.exposeInt('reportCount'),
    project: t.relation('project'),
    reports: t.relation('reports', { description: 'Newest first (the latest 50).', query: { orderBy: { id: 'desc' }, take: 50 } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const TaskFilterInput = builder.inputType('TaskFilter', {
  fields: (t) => ({
    status: t.field({ type: [TaskStatusEnum], required: false, description: 'Any of these.' }),
    reported: t.boolean({ required: false, description: 'Only tasks with reports (true), or only those without (false).' }),
  }),
});

builder.prismaObjectField('Project', 'tasks', (t) =>
  t.prismaConnection({
    nullable: true,
    type: 'Task',
    cursor: 'id',
    description: 'Newest first.',
    args: { filter: t.arg({ type: TaskFilterInput, required: false }) },
    totalCount: (project, args, ctx) => countTasks(ctx, project.id, { status: anyOf(args.filter?.status), reported: args.filter?.reported }),
    resolve: (query, project, args, ctx) => projectTasks(ctx, project.id, { status: anyOf(args.filter?.status), reported: args.filter?.reported }, query),
  }),
);

builder.queryField('task', (t) =>
  t.prismaField({
    type: 'Task',
    nullable: true,
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) => findTask(ctx, TaskNode.idOf(args.id), query),
  }),
);

const ReportTaskOutcome = builder.objectRef<Awaited<ReturnType<typeof reportTask>>>('ReportTaskOutcome').implement({
  fields: (t) => ({
    task: t.field({ type: TaskType, resolve: (outcome) => outcome.task }),
    report: t.field({ type: TaskReportType, resolve: (outcome) => outcome.report }),
    exported: t.boolean({ description: 'Forwarded to the export hook (false also when there is none).', resolve: (outcome) => outcome.report.exportStatus === 'exported' }),
    exportError: t.exposeString('exportError', { nullable: true, description: 'Why the export failed; it will be retried.' }),
  }),
});
const PromotedTaskReport = builder.objectRef<Awaited<ReturnType<typeof promoteTaskReport>>>('PromotedTaskReport').implement({
  fields: (t) => ({
    issue: t.field({ type: IssueType, resolve: (promoted) => promoted.issue }),
    report: t.field({ type: TaskReportType, resolve: (promoted) => promoted.report }),
  }),
});

builder.mutationFields((t) => ({
  reportTask: t.field({
    type: ReportTaskOutcome,
    description: 'Report problems with a task (at least one issue). Never changes its processing status.',
    errors: { types: MUTATION_ERRORS },
    args: { taskId: t.arg.id({ description: 'The task’s global id.' }), issues: t.arg({ type: [TaskIssueInput] }), message: t.arg.string({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const { task, project } = await projectOfTask(ctx, TaskNode.idOf(args.taskId, 'taskId'), 'edit');
      return reportTask(ctx, project, task.taskId, { issues: args.issues, message: args.message });
    },
  }),
  upsertTask: t.field({
    type: TaskType,
    description: 'Register a task of a project, or update it (the pipeline’s registration; task.edit).',
    errors: { types: MUTATION_ERRORS },
    args: { project: t.arg.id(), taskId: t.arg.string(), task: t.arg({ type: 'JSON', description: 'The task object as the REST API takes it (snake_case).' }) },
    resolve: async (_root, args, ctx) => {
      const named = await visibleProjectNamed(ctx, { project: ProjectNode.refOf(args.project) });
      const project = await taskProject(ctx, named.workspaceId, named.publicId, 'edit');
      return (await upsertTask(ctx, project, args.taskId, args.task)).task;
    },
  }),
  promoteTaskReport: t.field({
    type: PromotedTaskReport,
    description: 'Promote a task report into a new issue of its project, or into `issueId`.',
    errors: { types: MUTATION_ERRORS },
    args: { id: t.arg.id(), issueId: t.arg.id({ required: false }), title: t.arg.string({ required: false }) },
    resolve: (_root, args, ctx) => {
      const id = intDatabaseId(String(args.id));
      return promoteTaskReport(ctx, id ?? -1, { issueId: IssueNode.optionalIdOf(args.issueId, 'issueId'), title: args.title });
    },
  }),
}));
