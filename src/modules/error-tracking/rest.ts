// kendo Error Events API: POST /api/projects/{projectId}/error-events → 202, empty body.
import type { FastifyInstance } from 'fastify';
import { errorIngestProject, ingestErrorEvent } from './service.ts';

export async function errorEventRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Params: { projectId: string } }>(
    '/:projectId/error-events',
    { config: { rateLimitFamily: 'error_events', authorize: (actor, params) => errorIngestProject(actor, params.projectId!) } },
    async (request, reply) => {
      await ingestErrorEvent({ services: app.services, principal: request.principal }, request.params.projectId, request.body);
      return reply.code(202).send();
    },
  );
}
