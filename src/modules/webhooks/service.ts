// Webhooks: a project's subscriptions to its events, their signed deliveries, retries and
// redelivery. Managing webhooks needs `projects:manage` (admins and owners bypass; workspace
// tokens need `write`). Deliveries are jobs of the durable queue (src/jobs/queue.ts).
import crypto from 'node:crypto';
import dns from 'node:dns/promises';
import net from 'node:net';
import { z } from 'zod';
import type { Prisma as PrismaTypes } from '../../generated/prisma/client.ts';
import { authorizeProject, type ProjectRule } from '../../auth/permissions.ts';
import type { PageQuery } from '../../db/client.ts';
import { NotFound, ValidationFailed } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { enqueueJob, type JobKind } from '../../jobs/queue.ts';
import type { Actor, Services } from '../../services.ts';
import { parseInput } from '../../validation.ts';
import { authorizedRecordProject } from '../workspaces/project-scope.ts';
import { visibleProjectNamed } from '../workspaces/service.ts';
import { eventBody, eventId, EVENT_TYPES, passesFilter, type DispatchedEvent, type DispatchPayload } from './events.ts';

const MANAGE: ProjectRule = { permission: 'projects:manage' };
const DELIVERY_TIMEOUT_MS = 5_000;

const webhookInput = z.object({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000)
    .refine((url) => !/[\u0000-\u001f\u007f]/.test(url), { params: { message: 'must not contain control characters' } }),
  events: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length),
  format: z.enum(['json', 'slack']).default('json'),
  environments: z.array(z.string().min(1).max(255)).max(50).default([]),
  branches: z.array(z.string().min(1).max(1000)).max(50).default([]),
});

export const WEBHOOK_INPUT = webhookInput;

/** May deliveries go to this host? Private, loopback and link-local addresses are refused (SSRF, DNS rebinding) unless allowed. */
const PRIVATE = new net.BlockList();
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::1', 128], ['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(network, prefix, 'ipv6');

export async function refusePrivateDestination(services: Services, url: string): Promise<void> {
  if (services.config.webhooksAllowPrivate) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [{ address: host, family: net.isIP(host) }] : await dns.lookup(host, { all: true }).catch(() => []);
  if (addresses.length === 0) throw ValidationFailed.field('url', `The host "${host}" does not resolve.`);
  for (const { address, family } of addresses) {
    const mapped = family === 6 && address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
    if (PRIVATE.check(mapped, net.isIP(mapped) === 6 ? 'ipv6' : 'ipv4')) {
      throw ValidationFailed.field('url', `The URL resolves to a private or local address (${address}); webhooks go to public hosts only.`);
    }
  }
}

export async function createWebhook(actor: Actor, projectRef: string, body: unknown) {
  const project = await runProjectForManagement(actor, projectRef);
  const input = parseInput(webhookInput, body ?? {});
  await refusePrivateDestination(actor.services, input.url);
  const secret = `whsec_${crypto.randomBytes(24).toString('base64url')}`;
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

/** `X-Intake-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export const deliverWebhook: JobKind<{ deliveryId: number }> = {
  async run(services, { deliveryId }, job) {
    const delivery = await services.prisma.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { webhook: true } });
    if (!delivery || delivery.status === 'delivered' || delivery.webhook.disabledAt) return;
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      await refusePrivateDestination(services, delivery.webhook.url); // again: the name may resolve elsewhere now
      const response = await fetch(delivery.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Intake-Webhooks/1',
          'x-intake-event': delivery.eventType,
          'x-intake-delivery': delivery.eventId,
          'x-intake-signature': signatureHeader(delivery.webhook.secret, delivery.body, new Date()), // wall time: receivers compare it with theirs
        },
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch (failure) {
      error = failure instanceof Error ? (failure.name === 'TimeoutError' ? `timed out after ${DELIVERY_TIMEOUT_MS} ms` : failure.message) : String(failure);
    }
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
