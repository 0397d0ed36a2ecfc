// kendo Error Events API: POST /api/projects/{projectId}/error-events → 202, empty body.
import type { FastifyInstance } from 'fastify';
import { wireNames } from '../../http/wire.ts';
import { errorIngestProject, ingestErrorEvent } from './service.ts';

const ERROR_EVENT_BODY_LIMIT = 3 * 1024 * 1024;

/** kendo's names for the event fields the service knows in camelCase. */
const kendo = wireNames({ exception_class: 'exceptionClass', stack_trace: 'stackTrace' }, { laravel: true });

export async function errorEventRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Params: { projectId: string } }>(
    '/:projectId/error-events',
    // Every legal event fits: the four fields at their maximum lengths, \uXXXX-escaped as PHP's
    // json_encode writes them, come to ~2.4 MB.
    { bodyLimit: ERROR_EVENT_BODY_LIMIT, config: { rateLimitFamily: 'error_events', doc: { summary: 'Send an error event: fingerprinted into its group (202, empty body).', status: 202 }, authorize: (actor, params) => errorIngestProject(actor, params.projectId!) } },
    async (request, reply) => {
      await kendo.inWireTerms(() => ingestErrorEvent({ services: app.services, principal: request.principal }, request.params.projectId, kendo.toDomain(request.body)));
      return reply.code(202).send();
    },
  );
}
