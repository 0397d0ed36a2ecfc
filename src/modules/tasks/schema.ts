// Tasks on the board: a project's tasks (by status, reported or not), a task with its reports,
// reporting a task, registering one, and promoting a report into an issue.
import { builder } from '../../graphql/builder.ts';
import { MODULE_WRITE_ERRORS, STATEFUL_WRITE_ERRORS } from '../../graphql/errors.ts';
import { defineMutation } from '../../graphql/mutations.ts';
import { defineNodeKind, intDatabaseId, NodeInterface } from '../../graphql/node.ts';
import { IssueNode, IssueType } from '../issues/schema.ts';
import { ProjectNode } from '../workspaces/schema.ts';
import { visibleProjectNamed } from '../workspaces/service.ts';
import { TASK_STATUSES } from './rules.ts';
import { countTasks, findTask, mayEditTask, projectOfTask, projectTasks, promoteTaskReport, reportTask, taskProject, upsertTask } from './service.ts';
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
    issue: t.relation('promotedIssue', { nullable: true, description: 'The issue it was promoted into.' }),
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
    viewerCanUpdate: t.boolean({ description: 'Whether you may report problems with it or change it.', resolve: (task, _args, ctx) => mayEditTask(ctx, task) }),
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

defineMutation('reportTask', {
  description: 'Report problems with a task (at least one issue). Never changes its processing status.',
  input: (t) => ({
    taskId: t.id({ description: 'The task’s global id.' }),
    issues: t.field({ type: [TaskIssueInput] }),
    message: t.string({ required: false }),
  }),
  payload: {
    task: { type: TaskType, description: 'The task, its report counted.' },
    taskReport: { type: TaskReportType, description: 'The new report.' },
    exported: { type: 'Boolean', description: 'Forwarded to the export hook (false also when there is none).' },
    exportError: { type: 'String', description: 'Why the export failed; it will be retried.' },
  },
  errors: MODULE_WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const { task, project } = await projectOfTask(ctx, TaskNode.idOf(input.taskId, 'taskId'), 'edit');
    const outcome = await reportTask(ctx, project, task.taskId, { issues: input.issues, message: input.message });
    return { task: outcome.task, taskReport: outcome.report, exported: outcome.report.exportStatus === 'exported', exportError: outcome.exportError };
  },
});
defineMutation('upsertTask', {
  description: 'Register a task of a project, or update it (the pipeline’s registration; task.edit).',
  input: (t) => ({
    project: t.id({ description: 'The project’s global id, numeric id or slug.' }),
    taskId: t.string({ description: 'The pipeline’s own id of the task.' }),
    task: t.field({ type: 'JSON', description: 'The task object as the REST API takes it (snake_case).' }),
  }),
  payload: { task: { type: TaskType, description: 'The task as it is after the change.' } },
  errors: MODULE_WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const named = await visibleProjectNamed(ctx, { project: ProjectNode.refOf(input.project) });
    const project = await taskProject(ctx, named.workspaceId, named.publicId, 'edit');
    return { task: (await upsertTask(ctx, project, input.taskId, input.task)).task };
  },
});
defineMutation('promoteTaskReport', {
  description: 'Promote a task report into a new issue of its project, or into `issueId`.',
  input: (t) => ({
    id: t.id({ description: 'The task report’s id.' }),
    issueId: t.id({ required: false, description: 'An issue of the project to link it to, instead of a new one.' }),
    title: t.string({ required: false, description: 'The new issue’s title.' }),
  }),
  payload: {
    taskReport: { type: TaskReportType, description: 'The report, promoted.' },
    issue: { type: IssueType, description: 'The issue it went into.' },
  },
  errors: STATEFUL_WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const promoted = await promoteTaskReport(ctx, intDatabaseId(String(input.id)) ?? -1, { issueId: IssueNode.optionalIdOf(input.issueId, 'issueId'), title: input.title });
    return { taskReport: promoted.report, issue: promoted.issue };
  },
});
