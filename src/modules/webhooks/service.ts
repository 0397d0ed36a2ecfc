// Webhooks: a project's subscriptions to its events, their signed deliveries, retries and
// redelivery. Managing webhooks needs `projects:manage` (admins and owners bypass; workspace
// tokens need `write`). Deliveries are jobs of the durable queue (src/jobs/queue.ts).
import { z } from 'zod';
import type { Prisma as PrismaTypes } from '../../generated/prisma/client.ts';
import { authorizeProject, type ProjectRule } from '../../auth/permissions.ts';
import type { PageQuery } from '../../db/client.ts';
import { NotFound } from '../../errors.ts';
import { newSigningSecret, OUTBOUND_TIMEOUT_MS, postSigned, refusePrivateDestination } from '../../http/outbound.ts';
import { newId } from '../../ids.ts';
import { enqueueJob, type JobKind } from '../../jobs/queue.ts';
import type { Actor, Services } from '../../services.ts';
import { parseInput, storableItems } from '../../validation.ts';
import { authorizedRecordProject } from '../workspaces/project-scope.ts';
import { visibleProjectNamed } from '../workspaces/service.ts';
import { eventBody, eventId, EVENT_TYPES, passesFilter, type DispatchedEvent, type DispatchPayload } from './events.ts';

const MANAGE: ProjectRule = { permission: 'projects:manage' };

const webhookInput = z.object({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000)
    .refine((url) => !/[\u0000-\u001f\u007f]/.test(url), { params: { message: 'must not contain control characters' } }),
  events: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length),
  format: z.enum(['json', 'slack']).default('json'),
  environments: storableItems(z.string().min(1).max(255)).max(50).default([]),
  branches: storableItems(z.string().min(1).max(1000)).max(50).default([]),
});

export const WEBHOOK_INPUT = webhookInput;

export async function createWebhook(actor: Actor, projectRef: string, body: unknown) {
  const project = await runProjectForManagement(actor, projectRef);
  const input = parseInput(webhookInput, body ?? {});
  await refusePrivateDestination(actor.services, input.url);
  const secret = newSigningSecret();
  const webhook = await actor.services.prisma.webhook.create({
    data: { id: newId('whk'), projectId: project.id, url: input.url, events: input.events, format: input.format, environments: input.environments, branches: input.branches, secret },
  });
  return { webhook, secret };
}

/** Webhooks are managed by project slug (Kaizen routes) or any project reference GraphQL takes. */
async function runProjectForManagement(actor: Actor, projectRef: string) {
  const project = await visibleProjectNamed(actor, { project: projectRef });
  authorizeProject(actor.principal, project, MANAGE);
  return project;
}

export async function listWebhooks(actor: Actor, projectRef: string) {
  const project = await runProjectForManagement(actor, projectRef);
  return actor.services.prisma.webhook.findMany({ where: { projectId: project.id }, orderBy: { createdAt: 'asc' }, take: 100 });
}

/** A webhook of a project the caller manages, or NotFound. */
async function managedWebhook(actor: Actor, id: string) {
  const webhook = /^whk_[0-9a-z]{26}$/.test(id) ? await actor.services.prisma.webhook.findUnique({ where: { id } }) : null;
  if (!webhook) throw new NotFound('Webhook');
  await authorizedRecordProject(actor, 'Webhook', webhook.projectId, MANAGE);
  return webhook;
}

export async function deleteWebhook(actor: Actor, projectRef: string | null, id: string): Promise<void> {
  const webhook = await managedWebhook(actor, id);
  if (projectRef !== null) {
    const project = await runProjectForManagement(actor, projectRef);
    if (project.id !== webhook.projectId) throw new NotFound('Webhook');
  }
  await actor.services.prisma.webhook.delete({ where: { id } });
}

export async function webhookDeliveries(actor: Actor, webhookId: string, query: PageQuery<PrismaTypes.WebhookDeliveryFindManyArgs>) {
  const webhook = await managedWebhook(actor, webhookId);
  return actor.services.prisma.webhookDelivery.findMany({ ...query, where: { webhookId: webhook.id }, orderBy: { id: 'desc' } });
}

export async function countWebhookDeliveries(actor: Actor, webhookId: string) {
  const webhook = await managedWebhook(actor, webhookId);
  return actor.services.prisma.webhookDelivery.count({ where: { webhookId: webhook.id } });
}

/** Sends a delivery again now (same event id), whatever became of it. */
export async function redeliver(actor: Actor, deliveryId: number) {
  const delivery = await actor.services.prisma.webhookDelivery.findUnique({ where: { id: deliveryId } });
  if (!delivery) throw new NotFound('Delivery');
  await managedWebhook(actor, delivery.webhookId).catch(() => {
    throw new NotFound('Delivery');
  });
  return actor.services.prisma.$transaction(async (tx) => {
    await enqueueJob(tx, 'webhook.deliver', { deliveryId: delivery.id }, actor.services.clock.now());
    return tx.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'pending', nextAttemptAt: actor.services.clock.now() } });
  });
}

// --- jobs ---------------------------------------------------------------------------------

/** Fans events out: one delivery and one delivery job per matching webhook, in one transaction. */
export const dispatchEvent: JobKind<DispatchPayload> = {
  async run(services, { events }, job) {
    const hooks = await services.prisma.webhook.findMany({
      where: {
        disabledAt: null,
        events: { hasSome: [...new Set(events.map((event) => event.type))] },
        OR: [
          { projectId: { in: events.flatMap((event) => (event.projectId === undefined ? [] : [event.projectId])) } },
          { project: { workspaceId: { in: events.flatMap((event) => (event.workspaceId ? [event.workspaceId] : [])) } } },
        ],
      },
      include: { project: { select: { publicId: true, slug: true, workspaceId: true } } },
    });
    const now = services.clock.now();
    const deliveries = events.flatMap((event, position) =>
      hooks
        .filter((hook) => hook.events.includes(event.type) && (event.projectId !== undefined ? hook.projectId === event.projectId : hook.project.workspaceId === event.workspaceId))
        .filter((hook) => passesFilter(hook.environments, event.environment) && passesFilter(hook.branches, event.branch))
        .map((hook) => {
          const id = eventId(job.id, position);
          const body = hook.format === 'slack' ? slackBody(event, hook.project) : JSON.stringify(eventBody(id, event, hook.project));
          return { webhookId: hook.id, eventId: id, eventType: event.type, body, nextAttemptAt: now };
        }),
    );
    if (deliveries.length === 0) return;
    await services.prisma.$transaction(async (tx) => {
      // A retried dispatch skips what it already fanned out (webhook, event) and enqueues only the new.
      const created = await tx.webhookDelivery.createManyAndReturn({ data: deliveries, skipDuplicates: true, select: { id: true } });
      await tx.job.createMany({ data: created.map((delivery) => ({ kind: 'webhook.deliver', runAt: now, payload: { deliveryId: delivery.id } })) });
    });
  },
};

/** A Slack incoming-webhook message: `{text, blocks}`. */
function slackBody(event: DispatchedEvent, project: { slug: string }): string {
  const data = event.data as Record<string, unknown>;
  const subject = String(data.title ?? data.exceptionClass ?? data.externalRunId ?? data.name ?? '');
  const text = `*${event.type}* in *${project.slug}*${subject ? `: ${subject}` : ''}${event.environment ? ` (${event.environment})` : ''}${event.branch ? ` on ${event.branch}` : ''}`;
  return JSON.stringify({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, { type: 'context', elements: [{ type: 'mrkdwn', text: `Intake · ${event.occurredAt}` }] }] });
}

export const deliverWebhook: JobKind<{ deliveryId: number }> = {
  async run(services, { deliveryId }, job) {
    const delivery = await services.prisma.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { webhook: true } });
    if (!delivery || delivery.status === 'delivered' || delivery.webhook.disabledAt) return;
    const started = Date.now();
    const sent = await postSigned(services, delivery.webhook.url, delivery.webhook.secret, delivery.body, {
      'user-agent': 'Intake-Webhooks/1',
      'x-intake-event': delivery.eventType,
      'x-intake-delivery': delivery.eventId,
    });
    const { status } = sent;
    const error = sent.failure === null ? null : sent.failure === 'timeout' ? `timed out after ${OUTBOUND_TIMEOUT_MS} ms` : sent.message;
    const latency = Date.now() - started;
    const common = { attempts: { increment: 1 }, lastStatusCode: status, lastLatencyMs: latency, lastError: error };
    if (status !== null && status >= 200 && status < 300) {
      const deliveredAt = services.clock.now();
      job.afterSuccess((prisma) => prisma.webhookDelivery.update({ where: { id: deliveryId }, data: { ...common, status: 'delivered', deliveredAt, nextAttemptAt: null } }));
      return;
    }
    if (status === 410) {
      // The receiver is gone for good: stop sending there.
      await services.prisma.$transaction([
        services.prisma.webhookDelivery.update({ where: { id: deliveryId }, data: { ...common, status: 'disabled', nextAttemptAt: null } }),
        services.prisma.webhook.update({ where: { id: delivery.webhookId }, data: { disabledAt: services.clock.now(), disabledReason: 'The receiver answered 410 Gone.' } }),
      ]);
      return;
    }
    await services.prisma.webhookDelivery.update({ where: { id: deliveryId }, data: common });
    throw new Error(error ?? `the receiver answered ${status}`);
  },
  async failed(services, { deliveryId }, job) {
    await services.prisma.webhookDelivery.updateMany({
      where: { id: deliveryId, status: { not: 'delivered' } },
      data: { status: job.nextRunAt ? 'failed' : 'dead', nextAttemptAt: job.nextRunAt },
    });
  },
};
