// Webhooks on the board: a project's webhooks and their deliveries, create/delete/redeliver, and
// the job queue for administrators (what is pending, what died).
import { builder } from '../../graphql/builder.ts';
import { NotFound } from '../../errors.ts';
import { WRITE_ERRORS } from '../../graphql/errors.ts';
import { defineMutation } from '../../graphql/mutations.ts';
import { intDatabaseId } from '../../graphql/node.ts';
import { ProjectNode } from '../workspaces/schema.ts';
import { EVENT_TYPES } from './events.ts';
import { countWebhookDeliveries, createWebhook, deleteWebhook, listWebhooks, redeliver, webhookDeliveries } from './service.ts';
import { anyOf } from '../../graphql/lists.ts';
import { queueJobs } from '../../jobs/queue.ts';
import { enumValues } from '../../graphql/enums.ts';

const WebhookEventEnum = builder.enumType('WebhookEvent', {
  values: enumValues<string>(EVENT_TYPES),
});
const WebhookFormatEnum = builder.enumType('WebhookFormat', {
  values: { JSON: { value: 'json' }, SLACK: { value: 'slack', description: 'A Slack incoming-webhook body: {text, blocks}.' } } as const,
});
const DeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  values: enumValues(['pending', 'delivered', 'failed', 'dead', 'disabled']),
});
const JobStatusEnum = builder.enumType('JobStatus', {
  values: enumValues(['pending', 'running', 'done', 'dead']),
});

const DeliveryType = builder.prismaObject('WebhookDelivery', {
  description: 'One event sent to one webhook, and how its attempts went.',
  fields: (t) => ({
    id: t.exposeID('id'),
    eventId: t.exposeString('eventId', { description: 'evt_…, the same on every attempt.' }),
    eventType: t.field({ type: WebhookEventEnum, resolve: (delivery) => delivery.eventType }),
    status: t.field({ type: DeliveryStatusEnum, resolve: (delivery) => delivery.status }),
    attempts: t.exposeInt('attempts'),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastLatencyMs: t.exposeInt('lastLatencyMs', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const WebhookType = builder.prismaObject('Webhook', {
  description: 'Where a project’s events go. The signing secret is shown once, by createWebhook.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    events: t.field({ type: [WebhookEventEnum], resolve: (webhook) => webhook.events }),
    format: t.field({ type: WebhookFormatEnum, resolve: (webhook) => webhook.format as 'json' | 'slack' }),
    environments: t.exposeStringList('environments', { description: 'Only events of these environments (empty: all).' }),
    branches: t.exposeStringList('branches', { description: 'Only events of these branches (empty: all).' }),
    active: t.boolean({ resolve: (webhook) => webhook.disabledAt === null }),
    disabledReason: t.exposeString('disabledReason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveries: t.prismaConnection({
      type: 'WebhookDelivery',
      cursor: 'id',
      description: 'Newest first.',
      totalCount: (webhook, _args, ctx) => countWebhookDeliveries(ctx, webhook.id),
      resolve: (query, webhook, _args, ctx) => webhookDeliveries(ctx, webhook.id, query),
    }),
  }),
});

builder.prismaObjectField('Project', 'webhooks', (t) =>
  t.field({
    type: [WebhookType],
    nullable: true,
    description: 'For those who manage the project.',
    resolve: (project, _args, ctx) => listWebhooks(ctx, String(project.id)),
  }),
);

builder.prismaObject('Job', {
  description: 'A job of the durable queue (webhook deliveries, event fan-out, exports, and the recurring jobs as `recurring:<name>`).',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind'),
    status: t.field({ type: JobStatusEnum, resolve: (job) => job.status }),
    attempts: t.exposeInt('attempts'),
    maxAttempts: t.exposeInt('maxAttempts'),
    runAt: t.expose('runAt', { type: 'DateTime', description: 'When it is (or was) due.' }),
    lastError: t.exposeString('lastError', { nullable: true }),
    result: t.exposeString('result', { nullable: true, description: 'What a done job reported (a recurring job’s summary).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const JobFilterInput = builder.inputType('JobFilter', {
  fields: (t) => ({ status: t.field({ type: [JobStatusEnum], required: false, description: 'Any of these.' }) }),
});

builder.queryField('jobs', (t) =>
  t.prismaConnection({
    type: 'Job',
    cursor: 'id',
    nullable: true,
    description: 'Administrators only: the queue, newest first.',
    args: { filter: t.arg({ type: JobFilterInput, required: false }) },
    resolve: (query, _root, args, ctx) => queueJobs(ctx, anyOf(args.filter?.status), query),
  }),
);

defineMutation('createWebhook', {
  description: 'Subscribe a URL to a project’s events (projects:manage). Private and loopback addresses are refused.',
  input: (t) => ({
    project: t.id({ description: 'The project’s global id, numeric id or slug.' }),
    url: t.string({ description: 'An https (or http) URL on a public address.' }),
    events: t.field({ type: [WebhookEventEnum] }),
    format: t.field({ type: WebhookFormatEnum, defaultValue: 'json' }),
    environments: t.stringList({ required: false, description: 'Only events of these environments (default: all).' }),
    branches: t.stringList({ required: false, description: 'Only events of these branches (default: all).' }),
  }),
  payload: {
    webhook: { type: WebhookType, description: 'The new subscription.' },
    secret: { type: 'String', description: 'Signs every delivery (X-Intake-Signature). Shown once; store it now.' },
  },
  errors: WRITE_ERRORS,
  resolve: (input, ctx) =>
    createWebhook(ctx, ProjectNode.refOf(input.project), {
      url: input.url, events: input.events, format: input.format, environments: input.environments ?? undefined, branches: input.branches ?? undefined,
    }),
});
defineMutation('deleteWebhook', {
  description: 'Stop sending a project’s events to this webhook.',
  input: (t) => ({ id: t.id({ description: 'The webhook’s id.' }) }),
  payload: { deletedWebhookId: { type: 'ID', description: 'The id it had.' } },
  errors: WRITE_ERRORS,
  resolve: async (input, ctx) => {
    await deleteWebhook(ctx, null, String(input.id));
    return { deletedWebhookId: String(input.id) };
  },
});
defineMutation('redeliverWebhookDelivery', {
  description: 'Send a delivery again now, with the same event id.',
  input: (t) => ({ id: t.id({ description: 'The delivery’s id.' }) }),
  payload: { delivery: { type: DeliveryType, description: 'The delivery after this attempt.' } },
  errors: WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const id = intDatabaseId(String(input.id));
    if (id === null) throw new NotFound('Delivery');
    return { delivery: await redeliver(ctx, id) };
  },
});
