// Webhooks on the board: a project's webhooks and their deliveries, create/delete/redeliver, and
// the job queue for administrators (what is pending, what died).
import { builder } from '../../graphql/builder.ts';
import { NotFound } from '../../errors.ts';
import { MUTATION_ERRORS } from '../../graphql/errors.ts';
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

const CreatedWebhook = builder.objectRef<Awaited<ReturnType<typeof createWebhook>>>('CreatedWebhook').implement({
  fields: (t) => ({
    webhook: t.field({ type: WebhookType, resolve: (created) => created.webhook }),
    secret: t.exposeString('secret', { description: 'Signs every delivery (X-Intake-Signature). Shown once; store it now.' }),
  }),
});
const DeletedWebhook = builder.objectRef<{ id: string }>('DeletedWebhook').implement({ fields: (t) => ({ id: t.exposeID('id') }) });

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: CreatedWebhook,
    description: 'Subscribe a URL to a project’s events (projects:manage). Private and loopback addresses are refused.',
    errors: { types: MUTATION_ERRORS },
    args: {
      project: t.arg.id(),
      url: t.arg.string(),
      events: t.arg({ type: [WebhookEventEnum] }),
      format: t.arg({ type: WebhookFormatEnum, defaultValue: 'json' }),
      environments: t.arg.stringList({ required: false }),
      branches: t.arg.stringList({ required: false }),
    },
    resolve: (_root, args, ctx) =>
      createWebhook(ctx, ProjectNode.refOf(args.project), {
        url: args.url, events: args.events, format: args.format, environments: args.environments ?? undefined, branches: args.branches ?? undefined,
      }),
  }),
  deleteWebhook: t.field({
    type: DeletedWebhook,
    description: 'Stop sending a project’s events to this webhook.',
    errors: { types: MUTATION_ERRORS },
    args: { id: t.arg.id() },
    resolve: async (_root, args, ctx) => {
      await deleteWebhook(ctx, null, String(args.id));
      return { id: String(args.id) };
    },
  }),
  redeliverWebhookDelivery: t.field({
    type: DeliveryType,
    description: 'Send a delivery again now, with the same event id.',
    errors: { types: MUTATION_ERRORS },
    args: { id: t.arg.id() },
    resolve: (_root, args, ctx) => {
      const id = intDatabaseId(String(args.id));
      if (id === null) throw new NotFound('Delivery');
      return redeliver(ctx, id);
    },
  }),
}));
