// send.ai's task API (API v2) under /v2/{team_id}/project/{project_id}: report (documented, 207 when
// the export hook fails), read, the documented state changes, and our registration extension.
// Everything is wrapped in `{ payload }` with an `error` member beside it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  changeTask, configureTaskExport, getTask, REPORT_INPUT, reportJson, reportTask, TASK_INPUT, taskJson, taskProject, taskReports, upsertTask,
} from './service.ts';
import { TASK_ACTIONS } from './rules.ts';

type TaskParams = { Params: { teamId: string; projectId: string; taskId: string } };

const BASE = '/:teamId/project/:projectId';

export async function taskRoutes(app: FastifyInstance): Promise<void> {
  const actor = (request: FastifyRequest) => ({ services: app.services, principal: request.principal });
  const config = (summary: string, extra: object = {}) => ({ rateLimitFamily: 'tasks', doc: { summary, ...extra } });
  const projectOf = (request: FastifyRequest<TaskParams>, rule: 'read' | 'edit') => taskProject(actor(request), request.params.teamId, request.params.projectId, rule);
  const answer = (reply: FastifyReply, status: number, payload: unknown, extra: object = {}) => reply.code(status).send({ payload, ...extra, error: null });

  app.post<TaskParams>(
    `${BASE}/task/:taskId/report`,
    { config: config('Report problems with a task (task.edit); 207 when the export hook failed (the report is kept and retried).', { body: REPORT_INPUT }) },
    async (request, reply) => {
      const project = await projectOf(request, 'edit');
      const { task, exportError } = await reportTask(actor(request), project, request.params.taskId, request.body);
      return reply.code(exportError ? 207 : 200).send({ payload: taskJson(task, project), error: exportError ? { code: 'export_failed', message: exportError } : null });
    },
  );

  app.get<TaskParams>(`${BASE}/task/:taskId`, { config: config('The full public task (task.read).') }, async (request, reply) => {
    const project = await projectOf(request, 'read');
    return answer(reply, 200, taskJson(await getTask(actor(request), project, request.params.taskId), project));
  });

  app.put<TaskParams>(`${BASE}/task/:taskId`, { config: config('Register or update a task (extension: the pipeline registers its tasks; task.edit).', { body: TASK_INPUT }) }, async (request, reply) => {
    const project = await projectOf(request, 'edit');
    const { task, created } = await upsertTask(actor(request), project, request.params.taskId, request.body);
    return answer(reply, created ? 201 : 200, taskJson(task, project));
  });

  app.get<TaskParams>(`${BASE}/task/:taskId/reports`, { config: config('The task’s reports, newest first (extension).') }, async (request, reply) => {
    const project = await projectOf(request, 'read');
    return answer(reply, 200, (await taskReports(actor(request), project, request.params.taskId)).map(reportJson));
  });

  for (const action of TASK_ACTIONS) {
    app.post<TaskParams>(`${BASE}/task/:taskId/${action}`, { config: config(`${action[0]!.toUpperCase()}${action.slice(1)} the task (task.edit); 409 when its state does not allow it.`) }, async (request, reply) => {
      const project = await projectOf(request, 'edit');
      const { task, message } = await changeTask(actor(request), project, request.params.taskId, action);
      return answer(reply, 200, taskJson(task, project), message ? { message } : {});
    });
  }

  app.put<{ Params: { teamId: string; projectId: string }; Body: { url?: string | null } }>(
    `${BASE}/export`,
    { config: config('Set the project’s export hook (extension; projects:manage): reports are forwarded there, signed with the secret answered once.') },
    async (request, reply) => {
      const project = await taskProject(actor(request), request.params.teamId, request.params.projectId, 'read');
      const body = request.body;
      const url = body && typeof body === 'object' && 'url' in body ? (body.url as string | null) : null;
      return answer(reply, 200, await configureTaskExport(actor(request), project, url));
    },
  );
}
