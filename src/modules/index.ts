// The module registry: the one place a module is wired in. Each module declares its REST routes
// (by API family), its GraphQL types, its recurring jobs and the GraphQL types whose results must
// never be served from the response cache. Adding a module is one folder and one entry here.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { RATE_LIMIT_DEFAULTS } from '../config.ts';
import { MethodNotAllowed } from '../errors.ts';
import type { ErrorFamily } from '../http/envelopes.ts';
import { recurringJobKinds, type RecurringJob } from '../jobs/recurring.ts';
import { pruneFinishedJobs, type JobKinds } from '../jobs/queue.ts';
import { webhookRoutes } from './webhooks/rest.ts';
import { taskRoutes } from './tasks/rest.ts';
import { exportTaskReport } from './tasks/service.ts';
import { deliverWebhook, dispatchEvent } from './webhooks/service.ts';
import { bugReportRoutes } from './bug-reports/rest.ts';
import { errorEventRoutes } from './error-tracking/rest.ts';
import { pruneStaleErrorGroups } from './error-tracking/service.ts';
import { attachmentRoutes, reportBlobReferences } from './reports/attachments.ts';
import { reportRoutes } from './reports/rest.ts';
import { planRoutes } from './test-runs/plan-routes.ts';
import { runReportRoutes, testRunRoutes } from './test-runs/rest.ts';
import { pruneExpiredUploads } from './test-runs/upload-state.ts';
import { runBlobReferences } from './test-runs/ingest.ts';
import { detectFlakyTests } from './test-runs/flaky.ts';
import type { Services } from '../services.ts';

/** The REST families, each mounted at its prefixes with its own error and not-found envelope. */
export const REST_FAMILIES = {
  kendo: ['/api/projects'],
  raven: ['/api/bug-reports', '/api/v1/bug-reports'],
  kaizen: ['/v1'],
  send: ['/v2'],
  intake: ['/api/attachments', '/runs'],
} as const satisfies Partial<Record<ErrorFamily, readonly string[]>>;
export type RestFamily = keyof typeof REST_FAMILIES;

export interface IntakeModule {
  name: string;
  /** Route plugins per family; paths are relative to the family's prefixes (or to the one `prefix` named). */
  rest?: Array<{ family: RestFamily; prefix?: string; routes: FastifyPluginAsync }>;
  /** Loads the module's Pothos types onto the builder (graphql/schema.ts awaits them all). */
  schema?: () => Promise<unknown>;
  jobs?: RecurringJob[];
  /** GraphQL types written by high-rate ingest, whose changes are not announced: never cached. */
  neverCached?: string[];
  /** Rate-limit families its routes name (`rateLimitFamily`), with their default requests per minute. */
  rateLimits?: Record<string, number>;
  /** Which of these stored blobs (sha256) its records reference: the blob collector keeps those. */
  blobReferences?: (services: Services, sha256s: string[]) => Promise<string[]>;
  /** Kinds of durable queue jobs it enqueues, with their handlers. */
  jobKinds?: JobKinds;
}

const HOURLY = 60 * 60 * 1000;

export const MODULES: readonly IntakeModule[] = [
  {
    name: 'workspaces',
    schema: () => import('./workspaces/schema.ts'),
    neverCached: ['UserActivity', 'ApiToken', 'CreatedToken', 'Workspace'],
  },
  { name: 'issues', schema: () => import('./issues/schema.ts') },
  {
    name: 'error-tracking',
    rest: [{ family: 'kendo', routes: errorEventRoutes }],
    rateLimits: { error_events: 1000 },
    schema: () => import('./error-tracking/schema.ts'),
    jobs: [{ name: 'error-groups.retention', everyMs: HOURLY, run: async (services) => `pruned ${await pruneStaleErrorGroups(services)} error group(s)` }],
    neverCached: ['ErrorGroup'],
  },
  {
    name: 'bug-reports',
    rest: [{ family: 'raven', routes: bugReportRoutes }],
    rateLimits: { bug_reports: 300 },
    schema: () => import('./bug-reports/schema.ts'),
    neverCached: ['BugReport'],
  },
  {
    name: 'reports',
    rest: [
      { family: 'kendo', routes: reportRoutes },
      { family: 'intake', prefix: '/api/attachments', routes: attachmentRoutes },
    ],
    rateLimits: { reports: 120 },
    schema: () => import('./reports/schema.ts'),
    blobReferences: reportBlobReferences,
  },
  {
    name: 'test-runs',
    rest: [
      { family: 'kaizen', routes: testRunRoutes },
      { family: 'kaizen', routes: planRoutes },
      { family: 'intake', prefix: '/runs', routes: runReportRoutes },
    ],
    // Kaizen: people 600 requests a minute, workspace tokens 6,000, 60 finalizes a minute per project; signed uploads count per address.
    rateLimits: { test_runs: 600, 'test_runs.workspace-token': 6000, test_run_uploads: 6000, test_run_finalize: 60 },
    schema: () => Promise.all([import('./test-runs/schema.ts'), import('./test-runs/management-schema.ts')]),
    neverCached: ['TestCase', 'TestRun'],
    blobReferences: runBlobReferences,
    jobKinds: { 'test-runs.flaky': detectFlakyTests as JobKinds[string] },
    jobs: [{ name: 'test-uploads.prune', everyMs: HOURLY, run: async (services) => `removed ${await pruneExpiredUploads(services)} expired upload state(s)` }],
  },
  {
    name: 'webhooks',
    rest: [{ family: 'kaizen', routes: webhookRoutes }],
    schema: () => import('./webhooks/schema.ts'),
    jobKinds: { 'event.dispatch': dispatchEvent as JobKinds[string], 'webhook.deliver': deliverWebhook as JobKinds[string] },
    neverCached: ['Webhook', 'WebhookDelivery', 'Job'],
  },
  {
    name: 'tasks',
    rest: [{ family: 'send', routes: taskRoutes }],
    rateLimits: { tasks: 600 },
    schema: () => import('./tasks/schema.ts'),
    jobKinds: { 'task.export': exportTaskReport as JobKinds[string] },
  },
  { name: 'history', schema: () => import('./history/schema.ts') },
];

/** Every rate-limit family with its default: the infrastructure's and the modules'. */
export const RATE_LIMITS: Readonly<Record<string, number>> = Object.assign({}, RATE_LIMIT_DEFAULTS, ...MODULES.map((module) => module.rateLimits ?? {}));

/**
 * The limit in force for a family: configured, else declared; an undeclared family is a bug. A
 * family may set its own limit per kind of caller as `<family>.<principal kind>` (Kaizen gives
 * workspace tokens ten times a person's budget).
 */
export function rateLimitOf(configured: Record<string, number>, family: string, callerKind?: string): number {
  const perKind = callerKind === undefined ? undefined : `${family}.${callerKind}`;
  const limit = (perKind === undefined ? undefined : (configured[perKind] ?? RATE_LIMITS[perKind])) ?? configured[family] ?? RATE_LIMITS[family];
  if (limit === undefined) throw new Error(`unknown rate-limit family "${family}": declare it in modules/index.ts`);
  return limit;
}

/** Blobs stay this long unreferenced before the collector may take them (uploads in flight: a PUT before its finalize). */
export const BLOB_GRACE_MS = 60 * 60 * 1000;

/** Removes blobs no module references (failed submissions, deleted reports, pushes never finalized). */
export function collectUnreferencedBlobs(services: Services): Promise<number> {
  const owners = MODULES.flatMap((module) => (module.blobReferences ? [module.blobReferences] : []));
  return services.blobs.collectGarbage(
    BLOB_GRACE_MS,
    async (sha256s) => new Set((await Promise.all(owners.map((references) => references(services, sha256s)))).flat()),
    services.clock.now().getTime(),
  );
}

export const RECURRING_JOBS: readonly RecurringJob[] = [
  ...MODULES.flatMap((module) => module.jobs ?? []),
  { name: 'blobs.collect', everyMs: HOURLY, run: async (services) => `removed ${await collectUnreferencedBlobs(services)} unreferenced blob file(s)` },
  { name: 'queue.prune', everyMs: HOURLY, run: async (services) => `removed ${await pruneFinishedJobs(services)} finished job(s)` },
];
/** What the queue runs: the modules' one-off job kinds and every recurring job. */
export const JOB_KINDS: JobKinds = Object.assign({}, ...MODULES.map((module) => module.jobKinds ?? {}), recurringJobKinds(RECURRING_JOBS));
export const NEVER_CACHED: readonly string[] = MODULES.flatMap((module) => module.neverCached ?? []);

/** Which family a URL belongs to, by prefix (errors raised before routing, e.g. a malformed URL). */
export function familyOfUrl(url: string): ErrorFamily {
  if (url.startsWith('/graphql')) return 'graphql';
  for (const [family, prefixes] of Object.entries(REST_FAMILIES)) {
    if (prefixes.some((prefix) => url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`))) return family as RestFamily;
  }
  return 'intake';
}

/**
 * Mounts every family at its prefixes as an encapsulated plugin: its routes carry the family (so
 * errors answer in its envelope) and an unknown URL under the prefix is that family's 404.
 */
export async function registerModuleRoutes(app: FastifyInstance, scope: (family: RestFamily, instance: FastifyInstance) => void): Promise<void> {
  const methodsByUrl: Record<string, Set<string>> = {};
  for (const [family, prefixes] of Object.entries(REST_FAMILIES) as Array<[RestFamily, readonly string[]]>) {
    const plugins = MODULES.flatMap((module) => module.rest ?? []).filter((rest) => rest.family === family);
    for (const prefix of prefixes) {
      const mounted = plugins.filter((rest) => rest.prefix === undefined || rest.prefix === prefix);
      await app.register(
        async (instance) => {
          instance.addHook('onRoute', (route) => {
            route.config = { ...route.config, family } as typeof route.config;
            if (!route.config?.methodNotAllowed) for (const method of methodsOf(route.method)) (methodsByUrl[route.url] ??= new Set()).add(method);
          });
          scope(family, instance);
          for (const { routes } of mounted) await instance.register(routes);
        },
        { prefix },
      );
    }
  }
  answerOtherMethods(app, methodsByUrl);
}

type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const methodsOf = (method: string | string[]) => (Array.isArray(method) ? method : [method]);

/**
 * A documented path called with another method answers 405 with an `Allow` header in the path's
 * family envelope (as Laravel does), not 404: the client has the right URL and the wrong verb.
 */
function answerOtherMethods(app: FastifyInstance, methodsByUrl: Record<string, Set<string>>): void {
  for (const [url, methods] of Object.entries(methodsByUrl)) {
    if (methods.has('GET')) methods.add('HEAD');
    const others = HTTP_METHODS.filter((method) => !methods.has(method));
    if (others.length === 0 || url.includes('*')) continue;
    const allow = HTTP_METHODS.filter((method) => methods.has(method));
    app.route({
      method: others,
      url,
      exposeHeadRoute: false,
      config: { family: familyOfUrl(url), methodNotAllowed: true, rateLimitFamily: 'default' },
      handler: async () => {
        throw new MethodNotAllowed(allow);
      },
    });
  }
}
