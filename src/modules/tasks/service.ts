// Document-processing tasks: registered by the pipeline, read, moved through their documented
// state changes, and reported on. A report is appended (with who and when) and, when the project
// has an export hook, forwarded there at once (signed like webhooks, 5 s); if that fails the
// report is kept, `export_failed_at` is set, the caller hears 207, and the durable queue retries.
// Sending is src/http/outbound.ts, shared with webhooks.
import { z } from 'zod';
import type { Prisma as PrismaTypes, Project, Task, TaskReport } from '../../generated/prisma/client.ts';
import { authorizeProject, requireAuthenticated, requireFeature, visibleProjectsWhere } from '../../auth/permissions.ts';
import type { Db, PageQuery } from '../../db/client.ts';
import { Conflict, NotFound } from '../../errors.ts';
import { isoInstant } from '../../http/wire.ts';
import { newSigningSecret, OUTBOUND_TIMEOUT_MS, postSigned, refusePrivateDestination } from '../../http/outbound.ts';
import { enqueueJob, type JobKind } from '../../jobs/queue.ts';
import { announceChanged, type Actor, type Services } from '../../services.ts';
import { isoDateSchema, maxChars, parseInput, parseIsoDate } from '../../validation.ts';
import { triageActor } from '../history/service.ts';
import { promoteIntoIssue } from '../issues/service.ts';
import { emitEvents } from '../webhooks/events.ts';
import { authorizedRecordProject, forgetProjectScopes, viewerMay } from '../workspaces/project-scope.ts';
import { changeFor, RULES, TASK_STATUSES, type TaskAction, type TaskStatus } from './rules.ts';

/** The queued retry of an export waits this long, so the attempt made during the request goes first. */
const EXPORT_RETRY_DELAY_MS = 60_000;

const text = (max: number) => maxChars(max, z.string()).refine((value) => !value.includes('\u0000'), { params: { message: 'must not contain NUL characters' } });
const nonEmpty = (max: number) => text(max).refine((value) => value.trim().length > 0, { params: { message: 'must not be empty' } });

// --- which project, and may the caller ------------------------------------------------------

type TaskProject = Project & { workspace: { slug: string; features: string[] } };

/**
 * The project of `/v2/{team_id}/project/{project_id}`: the team is the workspace (id or slug), the
 * project its prj_ id or slug. A team or project the caller cannot see is not found.
 */
export async function taskProject(actor: Actor, teamRef: string, projectRef: string, rule: keyof typeof RULES): Promise<TaskProject> {
  requireAuthenticated(actor.principal);
  const project = await actor.services.prisma.project.findFirst({
    where: {
      AND: [visibleProjectsWhere(actor.principal), { OR: [{ workspaceId: teamRef }, { workspace: { slug: teamRef } }] }, { OR: [{ publicId: projectRef }, { slug: projectRef }] }],
    },
    include: { workspace: { select: { slug: true, features: true } } },
  });
  if (!project) throw new NotFound('Project');
  authorizeProject(actor.principal, project, RULES[rule]);
  requireFeature(project.workspace, 'task-reports');
  return project;
}

const taskIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/, 'letters, digits, _ . -');

async function findTaskIn(db: Db, projectId: number, taskId: string): Promise<Task> {
  const task = taskIdSchema.safeParse(taskId).success ? await db.task.findUnique({ where: { projectId_taskId: { projectId, taskId } } }) : null;
  if (!task) throw new NotFound('Task');
  return task;
}

// --- registration -------------------------------------------------------------------------

const point = z.tuple([z.number().finite(), z.number().finite()]);
const quad = z.array(point).length(4, 'must be four [x, y] points');
const confidence = z.number().min(0).max(1);
const region = { id: nonEmpty(200), confidence, coordinates: quad };
const taskInput = z.strictObject({
  // What the documented task object carries but the pipeline does not set: ignored if sent.
  id: z.unknown().optional(),
  project_id: z.unknown().optional(),
  exported_at: z.unknown().optional(),
  export_failed_at: z.unknown().optional(),
  name: nonEmpty(1000),
  status: z.enum(TASK_STATUSES).default('PROCESSING'),
  step_type: nonEmpty(50).default('EXTRACT'),
  upload_id: text(200).nullish(),
  approved: z.boolean().optional(),
  created_at: isoDateSchema.optional(),
  last_opened_at: isoDateSchema.nullish(),
  locked: z.boolean().optional(),
  meta: z.array(z.strictObject({ name: nonEmpty(200), value: text(4000) })).max(200).default([]),
  pages: z
    .array(
      z.strictObject({
        id: nonEmpty(200),
        width: z.number().positive().max(1_000_000),
        height: z.number().positive().max(1_000_000),
        annotations: z
          .array(z.strictObject({ id: nonEmpty(200), entity_id: nonEmpty(200), confidence, content: text(10_000), top: z.number().finite(), left_of_line: z.number().finite() }))
          .max(10_000)
          .default([]),
        checkboxes: z.array(z.strictObject({ ...region, checked: z.boolean() })).max(10_000).default([]),
        segments: z.array(z.strictObject(region)).max(10_000).default([]),
        signatures: z.array(z.strictObject(region)).max(10_000).default([]),
      }),
    )
    .max(2_000)
    .default([]),
});
export const TASK_INPUT = taskInput;

/** Registers a task, or replaces what the pipeline knows of it (reports and export times stay). */
export async function upsertTask(actor: Actor, project: TaskProject, taskId: string, body: unknown): Promise<{ task: Task; created: boolean }> {
  const id = parseInput(z.object({ task_id: taskIdSchema }), { task_id: taskId }).task_id;
  const input = parseInput(taskInput, body ?? {});
  const now = actor.services.clock.now();
  const fields = {
    name: input.name,
    status: input.status,
    stepType: input.step_type,
    uploadId: input.upload_id ?? null,
    meta: input.meta,
    pages: input.pages,
    ...(input.approved === undefined ? {} : { approved: input.approved }),
    ...(input.last_opened_at === undefined ? {} : { lastOpenedAt: input.last_opened_at ? parseIsoDate(input.last_opened_at) : null }),
    ...(input.locked === undefined ? {} : { lockedAt: input.locked ? now : null }),
    updatedAt: now,
  };
  const existing = await actor.services.prisma.task.findUnique({ where: { projectId_taskId: { projectId: project.id, taskId: id } }, select: { id: true } });
  const task = await actor.services.prisma.task.upsert({
    where: { projectId_taskId: { projectId: project.id, taskId: id } },
    create: { projectId: project.id, taskId: id, ...fields, createdAt: input.created_at ? parseIsoDate(input.created_at) : now },
    update: fields,
  });
  announceChanged(actor.services, { typename: 'Task', id: task.id }, { typename: 'Project', id: project.id });
  return { task, created: !existing };
}

export async function getTask(actor: Actor, project: TaskProject, taskId: string): Promise<Task> {
  return findTaskIn(actor.services.prisma, project.id, taskId);
}

/** complete, discard, approve, disapprove, unlock — by the rules table; 409 when refused. */
export async function changeTask(actor: Actor, project: TaskProject, taskId: string, action: TaskAction): Promise<{ task: Task; message?: string }> {
  const now = actor.services.clock.now();
  const result = await actor.services.prisma.$transaction(async (tx) => {
    const task = await findTaskIn(tx, project.id, taskId);
    const locked = await tx.$queryRaw<Array<Task>>`SELECT * FROM "Task" WHERE "id" = ${task.id} FOR UPDATE`;
    const current = locked[0] ?? task;
    const change = changeFor(action, { status: current.status, approved: current.approved, lockedAt: current.lockedAt });
    if ('refused' in change) throw new Conflict(change.refused);
    const { message, ...data } = change;
    return { task: await tx.task.update({ where: { id: task.id }, data: { ...data, updatedAt: now } }), message };
  });
  announceChanged(actor.services, { typename: 'Task', id: result.task.id });
  return result;
}

// --- reports ------------------------------------------------------------------------------

const reportInput = z.strictObject({
  issues: z.array(z.strictObject({ label: nonEmpty(255), value: nonEmpty(255) })).min(1).max(100),
  message: text(10_000).nullish(),
});
export const REPORT_INPUT = reportInput;

export interface ReportOutcome {
  task: Task;
  report: TaskReport;
  /** Why the export failed (the report is stored, and the export will be retried). */
  exportError: string | null;
}

export async function reportTask(actor: Actor, project: TaskProject, taskId: string, body: unknown): Promise<ReportOutcome> {
  const input = parseInput(reportInput, body ?? {});
  const { services } = actor;
  const now = services.clock.now();
  const hooked = Boolean(project.taskExportUrl);
  const { task, report, jobId } = await services.prisma.$transaction(async (tx) => {
    const found = await findTaskIn(tx, project.id, taskId);
    const report = await tx.taskReport.create({
      data: { taskPk: found.id, projectId: project.id, issues: input.issues, message: input.message ?? null, ...triageActor(actor.principal), exportStatus: hooked ? 'pending' : 'none', createdAt: now },
    });
    // Reporting never changes the task's processing status: only its report count.
    const task = await tx.task.update({ where: { id: found.id }, data: { reportCount: { increment: 1 } } });
    await emitEvents(tx, [{ projectId: project.id, type: 'task.reported', occurredAt: now, data: { taskId: task.taskId, name: task.name, reportId: report.id, issues: input.issues, message: input.message ?? null } }]);
    // The retry is queued with the report, so a crash before the export below loses nothing.
    const jobId = hooked ? await enqueueJob(tx, 'task.export', { reportId: report.id }, new Date(now.getTime() + EXPORT_RETRY_DELAY_MS)) : null;
    return { task, report, jobId };
  });
  announceChanged(services, { typename: 'Task', id: task.id }, { typename: 'Project', id: project.id });
  if (!hooked || jobId === null) return { task, report, exportError: null };
  const outcome = await exportReport(services, report.id);
  if (outcome.ok) await services.prisma.job.updateMany({ where: { id: jobId, status: 'pending' }, data: { status: 'done', finishedAt: services.clock.now() } });
  return { ...outcome.state, exportError: outcome.ok ? null : outcome.error };
}

/** Forwards a report to its project's export hook and records the outcome on report and task. */
async function exportReport(services: Services, reportId: number): Promise<{ ok: boolean; error: string; state: { task: Task; report: TaskReport } }> {
  const report = await services.prisma.taskReport.findUniqueOrThrow({ where: { id: reportId }, include: { task: { include: { project: true } } } });
  const { task } = report;
  const project = task.project;
  let error = '';
  if (report.exportStatus !== 'exported' && project.taskExportUrl) {
    const body = JSON.stringify({ task: taskJson(task, project), report: reportJson(report) });
    const sent = await postSigned(services, project.taskExportUrl, project.taskExportSecret ?? '', body, { 'user-agent': 'Intake-Export/1' });
    if (sent.failure === null) {
      if (sent.status < 200 || sent.status >= 300) error = `The export hook answered ${sent.status}.`;
    } else {
      error = sent.failure === 'timeout' ? `The export hook did not answer within ${OUTBOUND_TIMEOUT_MS / 1000} s.` : `The export hook could not be reached: ${sent.message}`;
    }
  }
  const now = services.clock.now();
  const ok = error === '';
  const [updatedReport, updatedTask] = await services.prisma.$transaction([
    services.prisma.taskReport.update({ where: { id: reportId }, data: ok ? { exportStatus: 'exported', exportedAt: now, exportError: null } : { exportStatus: 'failed', exportError: error } }),
    services.prisma.task.update({ where: { id: task.id }, data: ok ? { exportedAt: now } : { exportFailedAt: now } }),
  ]);
  announceChanged(services, { typename: 'Task', id: task.id });
  return { ok, error, state: { task: updatedTask, report: updatedReport } };
}

/** The queued retry of an export that failed (or never ran). */
export const exportTaskReport: JobKind<{ reportId: number }> = {
  async run(services, { reportId }) {
    const exists = await services.prisma.taskReport.findUnique({ where: { id: reportId }, select: { exportStatus: true } });
    if (!exists || exists.exportStatus === 'exported') return;
    const outcome = await exportReport(services, reportId);
    if (!outcome.ok) throw new Error(outcome.error);
  },
};

/** Sets (or clears) the project's export hook; answers the signing secret (new on every set). */
export async function configureTaskExport(actor: Actor, project: TaskProject, url: string | null): Promise<{ url: string | null; secret: string | null }> {
  authorizeProject(actor.principal, project, { permission: 'projects:manage' });
  const parsed = parseInput(z.object({ url: z.url({ protocol: /^https?$/ }).max(2000).nullable() }), { url });
  if (parsed.url) await refusePrivateDestination(actor.services, parsed.url);
  const secret = parsed.url ? newSigningSecret() : null;
  await actor.services.prisma.project.update({ where: { id: project.id }, data: { taskExportUrl: parsed.url, taskExportSecret: secret } });
  forgetProjectScopes(actor.services); // the cached row holds the hook
  return { url: parsed.url, secret };
}

// --- reads for the board ------------------------------------------------------------------

export interface TaskFilter {
  /** Any of these (none: all). */
  status?: readonly TaskStatus[];
  reported?: boolean | null;
}

async function tasksWhere(actor: Actor, projectId: number, filter: TaskFilter) {
  await authorizedRecordProject(actor, 'Project', projectId, RULES.read, 'task-reports');
  return {
    projectId,
    ...(filter.status?.length ? { status: { in: [...filter.status] } } : {}),
    ...(filter.reported === true ? { reportCount: { gt: 0 } } : filter.reported === false ? { reportCount: 0 } : {}),
  };
}

export async function projectTasks(actor: Actor, projectId: number, filter: TaskFilter, query: PageQuery<PrismaTypes.TaskFindManyArgs>) {
  return actor.services.prisma.task.findMany({ ...query, where: await tasksWhere(actor, projectId, filter), orderBy: { id: 'desc' } });
}

export async function countTasks(actor: Actor, projectId: number, filter: TaskFilter) {
  return actor.services.prisma.task.count({ where: await tasksWhere(actor, projectId, filter) });
}

/** A task by our id, for a caller who may read its project's tasks. */
export async function findTask<Q extends Pick<PrismaTypes.TaskFindUniqueArgs, 'include'>>(actor: Actor, id: number, query: Q = {} as Q) {
  requireAuthenticated(actor.principal);
  const task = await actor.services.prisma.task.findUnique({ ...query, where: { id } });
  if (!task) throw new NotFound('Task');
  await authorizedRecordProject(actor, 'Task', task.projectId, RULES.read, 'task-reports');
  return task;
}

/** Whether the caller may report problems with the task, or change it. */
export const mayEditTask = (actor: Actor, task: Pick<Task, 'projectId'>): Promise<boolean> =>
  viewerMay(actor, task.projectId, RULES.edit, 'task-reports');

/** The project of a task, checked for `rule` (GraphQL mutations name tasks by their global id). */
export async function projectOfTask(actor: Actor, id: number, rule: keyof typeof RULES): Promise<{ task: Task; project: TaskProject }> {
  const task = await findTask(actor, id);
  const project = await actor.services.prisma.project.findUniqueOrThrow({ where: { id: task.projectId }, include: { workspace: { select: { slug: true, features: true } } } });
  authorizeProject(actor.principal, project, RULES[rule]);
  return { task, project };
}

/** Promote a task report into a new issue of its project, or into `issueId`. */
export async function promoteTaskReport(actor: Actor, reportId: number, options: { issueId?: number | null; title?: string | null }) {
  const report = await actor.services.prisma.taskReport.findUnique({ where: { id: reportId }, include: { task: true } });
  if (!report) throw new NotFound('Task report');
  await authorizedRecordProject(actor, 'Task report', report.projectId, { permission: 'issues:update', tokenAbility: RULES.edit.tokenAbility }, 'task-reports');
  const promoted = await promoteIntoIssue(actor, {
    projectId: report.projectId,
    issueId: options.issueId,
    issueField: 'issueId',
    subjects: [{ subject: 'TaskReport', id: report.id, from: report.promotedIssueId ? `issue ${report.promotedIssueId}` : 'reported' }],
    prepare: async () => ({
      title: options.title?.trim() || `${report.task.name}: ${(report.issues as Array<{ label: string }>).map((issue) => issue.label).join(', ')}`,
      description: report.message ?? '',
    }),
    link: async (tx, issue) => {
      const linked = await tx.taskReport.updateMany({ where: { id: report.id, promotedIssueId: null }, data: { promotedIssueId: issue.id } });
      if (linked.count === 0) throw new Conflict('The task report was already promoted.');
      return tx.taskReport.findUniqueOrThrow({ where: { id: report.id } });
    },
  });
  return { issue: promoted.issue, report: promoted.linked };
}

// --- the wire shapes (send.ai: snake_case, wrapped in { payload }) -------------------------


export const taskJson = (task: Task, project: Pick<Project, 'publicId'>) => ({
  id: task.taskId,
  name: task.name,
  created_at: isoInstant(task.createdAt),
  meta: task.meta,
  status: task.status,
  step_type: task.stepType,
  upload_id: task.uploadId,
  project_id: project.publicId,
  approved: task.approved,
  exported_at: isoInstant(task.exportedAt),
  export_failed_at: isoInstant(task.exportFailedAt),
  last_opened_at: isoInstant(task.lastOpenedAt),
  pages: task.pages,
});

export const reportJson = (report: TaskReport) => ({
  id: report.id,
  issues: report.issues,
  message: report.message,
  reported_by: { kind: report.actorKind, id: report.actorId, name: report.actorName },
  export_status: report.exportStatus,
  exported_at: isoInstant(report.exportedAt),
  created_at: isoInstant(report.createdAt),
});

/** A task's reports, newest first (at most 100). */
export async function taskReports(actor: Actor, project: TaskProject, taskId: string) {
  const task = await findTaskIn(actor.services.prisma, project.id, taskId);
  return actor.services.prisma.taskReport.findMany({ where: { taskPk: task.id }, orderBy: { id: 'desc' }, take: 100 });
}

