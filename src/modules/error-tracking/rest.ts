// kendo Error Events API: POST /api/projects/{projectId}/error-events → 202, empty body.
import type { FastifyInstance } from 'fastify';
import { wireNames } from '../../http/wire.ts';
import { errorIngestProject, ingestErrorEvent } from './service.ts';

/** kendo's names for the event fields the service knows in camelCase. */
const kendo = wireNames({ exception_class: 'exceptionClass', stack_trace: 'stackTrace' });

export async function errorEventRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Params: { projectId: string } }>(
    '/:projectId/error-events',
    { config: { rateLimitFamily: 'error_events', doc: { summary: 'Send an error event: fingerprinted into its group (202, empty body).', status: 202 }, authorize: (actor, params) => errorIngestProject(actor, params.projectId!) } },
    async (request, reply) => {
      await kendo.inWireTerms(() => ingestErrorEvent({ services: app.services, principal: request.principal }, request.params.projectId, kendo.toDomain(request.body)));
      return reply.code(202).send();
    },
  );
}
