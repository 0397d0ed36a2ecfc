// Webhooks on the Kaizen family: POST/GET /v1/projects/:slug/webhooks, DELETE …/webhooks/:id.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Webhook } from '../../generated/prisma/client.ts';
import { createWebhook, deleteWebhook, listWebhooks, WEBHOOK_INPUT } from './service.ts';

/** A webhook as listed: never its secret. */
export const webhookJson = (webhook: Webhook) => ({
  id: webhook.id,
  url: webhook.url,
  events: webhook.events,
  format: webhook.format,
  environments: webhook.environments,
  branches: webhook.branches,
  active: webhook.disabledAt === null,
  disabledReason: webhook.disabledReason,
  createdAt: webhook.createdAt.toISOString(),
});

export async function webhookRoutes(app: FastifyInstance): Promise<void> {
  const config = { rateLimitFamily: 'test_runs' };
  const actor = (request: FastifyRequest) => ({ services: app.services, principal: request.principal });

  app.post<{ Params: { slug: string } }>('/projects/:slug/webhooks', { config: { ...config, doc: { summary: 'Subscribe a URL to the project’s events; answers the signing secret once.', body: WEBHOOK_INPUT, status: 201 } } }, async (request, reply) => {
    const { webhook, secret } = await createWebhook(actor(request), request.params.slug, request.body);
    return reply.code(201).send({ ...webhookJson(webhook), secret });
  });

  app.get<{ Params: { slug: string } }>('/projects/:slug/webhooks', { config: { ...config, doc: { summary: 'The project’s webhooks (never their secrets).' } } }, async (request) =>
    (await listWebhooks(actor(request), request.params.slug)).map(webhookJson),
  );

  app.delete<{ Params: { slug: string; id: string } }>('/projects/:slug/webhooks/:id', { config: { ...config, doc: { summary: 'Remove a webhook.', status: 204 } } }, async (request, reply) => {
    await deleteWebhook(actor(request), request.params.slug, request.params.id);
    return reply.code(204).send();
  });
}
