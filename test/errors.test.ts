// The kendo Error Events API and error-group triage, through HTTP and GraphQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createToken } from '../src/modules/workspaces/service.ts';
import { RECURRING_JOBS } from '../src/modules/index.ts';
import { ensureRecurringJobs, runDueRecurringJobs } from '../src/jobs/recurring.ts';
import { bearer, createTestApp, graphql, successData, type TestApp } from './helpers.ts';
import { grant, projectToken, seedWorkspace } from './fixtures.ts';
import { graphql as gql } from './gql/index.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
let ingestToken: string;
const DAY = 24 * 60 * 60 * 1000;
const RETENTION = RECURRING_JOBS.filter((job) => job.name === 'error-groups.retention');

beforeAll(async () => {
  t = await createTestApp();
  seed = await seedWorkspace(t.operator);
  ingestToken = (await projectToken(t.operator, seed.project.id, ['error-events:write'])).secret;
});
afterAll(() => t.close());

const SEED_EVENT = {
  environment: 'production',
  release: 'v1.4.2',
  exception_class: 'RuntimeException',
  message: 'Undefined array key "user_id"',
  stack_trace: '#0 /var/www/app/Http/Controllers/OrderController.php(42): handle()\n#1 {main}',
};

function postEvent(body: unknown, secret: string | null = ingestToken, projectId: number = seed.project.id) {
  return t.app.inject({
    method: 'POST',
    url: `/api/projects/${projectId}/error-events`,
    headers: { 'content-type': 'application/json', ...(secret ? bearer(secret) : {}) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const groupsOf = (projectId = seed.project.id) => t.db.prisma.errorGroup.findMany({ where: { projectId }, orderBy: { id: 'asc' } });

/** A project of the calling test's own with an ingest token, so its groups are its own: tests run alone, in any order. */
async function ownProject() {
  const own = await seedWorkspace(t.operator);
  const secret = (await projectToken(t.operator, own.project.id, ['error-events:write'])).secret;
  return { post: (body: unknown) => postEvent(body, secret, own.project.id), groups: () => groupsOf(own.project.id) };
}

describe('POST /api/projects/{projectId}/error-events', () => {
  it('accepts the documented example with 202 and an empty body, opening a group', async () => {
    const own = await ownProject();
    const response = await own.post(SEED_EVENT);
    expect(response.statusCode).toBe(202);
    expect(response.body).toBe('');
    const [group, ...rest] = await own.groups();
    expect(rest).toEqual([]);
    expect(group).toMatchObject({ environment: 'production', exceptionClass: 'RuntimeException', release: 'v1.4.2', occurrenceCount: 1, status: 'UNRESOLVED' });
    expect(group!.firstSeenAt).toEqual(group!.lastSeenAt);
  });

  it('folds a repeat from another server and release into the group, keeping the latest details', async () => {
    const own = await ownProject();
    expect((await own.post(SEED_EVENT)).statusCode).toBe(202);
    const [before] = await own.groups();
    t.clock.advance(60_000);
    const repeat = { ...SEED_EVENT, release: 'v1.4.3', message: 'Undefined array key "order_id"', stack_trace: SEED_EVENT.stack_trace.replace('/var/www/', '/home/forge/').replace('(42)', '(44)') };
    expect((await own.post(repeat)).statusCode).toBe(202);
    const groups = await own.groups();
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ occurrenceCount: 2, release: 'v1.4.3', message: 'Undefined array key "order_id"', firstSeenAt: before!.firstSeenAt });
    expect(groups[0]!.lastSeenAt.getTime()).toBe(before!.lastSeenAt.getTime() + 60_000);
  });

  it('splits groups by environment', async () => {
    const own = await ownProject();
    for (const environment of ['production', 'production', 'staging']) expect((await own.post({ ...SEED_EVENT, environment })).statusCode).toBe(202);
    expect((await own.groups()).map((g) => [g.environment, g.occurrenceCount])).toEqual([['production', 2], ['staging', 1]]);
  });

  it('accepts empty message and trace, but not missing ones', async () => {
    expect((await postEvent({ ...SEED_EVENT, message: '', stack_trace: '' })).statusCode).toBe(202);
    for (const field of ['environment', 'exception_class', 'message', 'stack_trace']) {
      const body: Record<string, unknown> = { ...SEED_EVENT };
      delete body[field];
      const response = await postEvent(body);
      expect(response.statusCode).toBe(422);
      const attribute = field.replace('_', ' '); // Laravel's attribute name
      expect(response.json()).toEqual({ message: `The ${attribute} field is required.`, errors: { [field]: [`The ${attribute} field is required.`] } });
    }
    expect((await postEvent({ ...SEED_EVENT, environment: '' })).json().errors.environment).toEqual(['The environment field is required.']);
  });

  it.each([
    ['environment', 255],
    ['exception_class', 255],
    ['message', 65_535],
    ['stack_trace', 131_072],
  ])('enforces the %s limit of %i characters exactly', async (field, limit) => {
    expect((await postEvent({ ...SEED_EVENT, [field]: 'x'.repeat(limit) })).statusCode).toBe(202);
    const over = await postEvent({ ...SEED_EVENT, [field]: 'x'.repeat(limit + 1) });
    expect(over.statusCode).toBe(422);
    // Laravel's attribute names: `exception_class` reads "exception class" in its messages.
    expect(over.json().errors[field]).toEqual([`The ${field.replace('_', ' ')} field must not be greater than ${limit} characters.`]);
  });

  it('counts characters, not UTF-16 units, as Laravel does', async () => {
    expect((await postEvent({ ...SEED_EVENT, environment: '🚀'.repeat(255) })).statusCode).toBe(202);
    expect((await postEvent({ ...SEED_EVENT, environment: '🚀'.repeat(256) })).statusCode).toBe(422);
  });

  it('rejects wrong types and malformed JSON with clear messages', async () => {
    const typed = await postEvent({ ...SEED_EVENT, environment: 42 });
    expect(typed.statusCode).toBe(422);
    expect(typed.json().errors.environment).toEqual(['The environment field must be a string.']);
    // Laravel reads malformed JSON as no input: the required fields are named.
    const malformed = await postEvent('{"environment": ');
    expect(malformed.statusCode).toBe(422);
    expect(Object.keys(malformed.json().errors).sort()).toEqual(['environment', 'exception_class', 'message', 'stack_trace']);
    expect((await postEvent([SEED_EVENT])).statusCode).toBe(422);
  });

  it('never stores fields outside the documented set', async () => {
    const secretish = 'user-4711-ssn-123-45-6789';
    const body = { ...SEED_EVENT, exception_class: 'ExtraFieldsException', context: { kind: 'route', name: secretish }, user_hash: secretish, host: secretish };
    expect((await postEvent(body)).statusCode).toBe(202);
    const group = await t.db.prisma.errorGroup.findFirstOrThrow({ where: { exceptionClass: 'ExtraFieldsException' } });
    expect(JSON.stringify(group)).not.toContain(secretish);
  });

  it('answers 401 without a valid token', async () => {
    expect((await postEvent(SEED_EVENT, null)).statusCode).toBe(401);
    const invalid = await postEvent(SEED_EVENT, 'intake_prj_not-a-real-token');
    expect(invalid.statusCode).toBe(401);
    expect(invalid.json().message).toBeTruthy();
  });

  it('refuses personal tokens, tokens without the ability, and token owners who may not create groups (403)', async () => {
    expect((await postEvent(SEED_EVENT, seed.adminToken)).statusCode).toBe(403);
    const reportsOnly = await projectToken(t.operator, seed.project.id, ['report:create']);
    expect((await postEvent(SEED_EVENT, reportsOnly.secret)).statusCode).toBe(403);

    await grant(t.operator, seed.member.email, seed.project.id, ['projects:manage']);
    const member = await t.app.services.principals.resolve(seed.memberToken);
    const ownedByMember = await createToken({ services: t.app.services, principal: member }, { kind: 'PROJECT', name: 'member CI', project: seed.project.id, abilities: ['error-events:write'] });
    const refused = await postEvent(SEED_EVENT, ownedByMember.secret);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/error-groups:create/);
  });

  it('answers 422 on the token field for a token of another project, and 404 for an unknown project', async () => {
    const other = await seedWorkspace(t.operator);
    const response = await postEvent(SEED_EVENT, ingestToken, other.project.id);
    expect(response.statusCode).toBe(422);
    expect(response.json().errors.token).toBeDefined();
    expect((await postEvent(SEED_EVENT, ingestToken, 999_999)).statusCode).toBe(404);
  });

  it('answers 403 with feature_restricted when error tracking is off', async () => {
    const off = await seedWorkspace(t.operator, { features: ['reports'] });
    const token = await projectToken(t.operator, off.project.id, ['error-events:write']);
    const response = await postEvent(SEED_EVENT, token.secret, off.project.id);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ feature_restricted: true });
  });

  it('merges 1,000 concurrent identical events into one group counted exactly 1,000 times', async () => {
    const burst = await seedWorkspace(t.operator);
    const token = await projectToken(t.operator, burst.project.id, ['error-events:write']);
    const event = { ...SEED_EVENT, exception_class: 'BurstException' };
    const responses = await Promise.all(Array.from({ length: 1000 }, () => postEvent(event, token.secret, burst.project.id)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(1000).fill(202));
    const groups = await groupsOf(burst.project.id);
    expect(groups.map((g) => g.occurrenceCount)).toEqual([1000]);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the per-token limit', async () => {
    const limited = await createTestApp({ rateLimits: { error_events: 2 } });
    try {
      const own = await seedWorkspace(limited.operator);
      const token = await projectToken(limited.operator, own.project.id, ['error-events:write']);
      const send = () =>
        limited.app.inject({ method: 'POST', url: `/api/projects/${own.project.id}/error-events`, headers: { 'content-type': 'application/json', ...bearer(token.secret) }, payload: SEED_EVENT });
      expect((await send()).statusCode).toBe(202);
      expect((await send()).statusCode).toBe(202);
      const refused = await send();
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.json().message).toBeTruthy();
    } finally {
      await limited.close();
    }
  });
});

describe('retention', () => {
  it('prunes groups not seen for the window, never ones still occurring, once per due run', async () => {
    const own = await seedWorkspace(t.operator);
    const token = await projectToken(t.operator, own.project.id, ['error-events:write']);
    const send = (exceptionClass: string) => postEvent({ ...SEED_EVENT, exception_class: exceptionClass }, token.secret, own.project.id);
    await send('GoneQuietException');
    await send('StillHappeningException');
    t.clock.advance(60 * DAY);
    await send('StillHappeningException');
    t.clock.advance(31 * DAY); // quiet one: 91 days; still happening: 31 days

    expect(await runDueRecurringJobs(t.app.services, RETENTION)).toEqual(['error-groups.retention']);
    expect((await groupsOf(own.project.id)).map((g) => g.exceptionClass)).toEqual(['StillHappeningException']);
    expect(await runDueRecurringJobs(t.app.services, RETENTION)).toEqual([]); // not due again for an hour
    const job = await t.db.prisma.job.findFirstOrThrow({ where: { kind: 'recurring:error-groups.retention', status: 'done' } });
    expect(job.result).toMatch(/^pruned \d+ error group/);
    // Its next occurrence, one however many instances start: the singleton key holds it.
    await ensureRecurringJobs(t.app.services, RETENTION);
    await ensureRecurringJobs(t.app.services, RETENTION);
    const pending = await t.db.prisma.job.findMany({ where: { kind: 'recurring:error-groups.retention', status: 'pending' } });
    expect(pending.map((next) => next.runAt.getTime())).toEqual([t.clock.now().getTime() + 60 * 60 * 1000]);
    t.clock.advance(60 * 60 * 1000);
    expect(await runDueRecurringJobs(t.app.services, RETENTION)).toEqual(['error-groups.retention']);
  });
});

const ERROR_GROUPS = gql(`
  query ErrorGroups($project: ID!, $filter: ErrorGroupFilter, $orderBy: ErrorGroupOrder, $first: Int, $after: String) {
    project(id: $project) {
      errorGroups(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
        edges { node { id databaseId exceptionClass environment occurrenceCount status isRegression issue { id } } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }`);
const RESOLVE = gql(`mutation Resolve($id: ID!) { resolveErrorGroup(input: { id: $id }) { errorGroup { id status resolvedAt } userErrors { code message } } }`);
const IGNORE = gql(`mutation Ignore($id: ID!) { ignoreErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }`);
const REOPEN = gql(`mutation Reopen($id: ID!) { reopenErrorGroup(input: { id: $id }) { errorGroup { status } userErrors { code } } }`);
const PROMOTE = gql(`
  mutation Promote($id: ID!, $title: String) {
    promoteErrorGroup(input: { id: $id, title: $title }) { errorGroup { id issue { id } } issue { id title status } userErrors { code message } }
  }`);
const ERROR_GROUP = gql(`query ErrorGroup($id: ID!) { errorGroup(id: $id) { id exceptionClass regressedAt isRegression } }`);

describe('GraphQL triage of error groups', () => {
  /** Each test's own board: PaymentDeclined once, TimeoutError three times in production and once in staging. */
  async function seedBoard() {
    const board = await seedWorkspace(t.operator);
    const token = (await projectToken(t.operator, board.project.id, ['error-events:write'])).secret;
    const send = (body: Partial<typeof SEED_EVENT>) => postEvent({ ...SEED_EVENT, ...body }, token, board.project.id);
    await send({ exception_class: 'PaymentDeclined', message: 'card declined' });
    for (let i = 0; i < 3; i++) await send({ exception_class: 'TimeoutError', message: 'upstream timed out' });
    await send({ exception_class: 'TimeoutError', environment: 'staging' });
    return { board, send };
  }

  it('lists groups with filters, search, ordering and pagination', async () => {
    const { board } = await seedBoard();
    const list = async (variables: Record<string, unknown>) =>
      (await graphql(t.app, ERROR_GROUPS, { project: String(board.project.id), ...variables }, seed.adminToken)).data.project!.errorGroups!;
    expect((await list({ orderBy: { field: 'COUNT' } })).edges.map((e) => [e.node.exceptionClass, e.node.environment, e.node.occurrenceCount])).toEqual([
      ['TimeoutError', 'production', 3],
      ['TimeoutError', 'staging', 1],
      ['PaymentDeclined', 'production', 1],
    ]);
    expect((await list({ orderBy: { field: 'COUNT', direction: 'ASC' } })).edges.map((e) => e.node.occurrenceCount)).toEqual([1, 1, 3]);
    expect((await list({ filter: { environment: 'staging' } })).edges).toHaveLength(1);
    expect((await list({ filter: { search: 'DECLINED' } })).edges.map((e) => e.node.exceptionClass)).toEqual(['PaymentDeclined']);
    expect((await list({ filter: { status: ['UNRESOLVED', 'IGNORED'] } })).edges).toHaveLength(3);
    expect((await list({ filter: { status: ['RESOLVED'] } })).edges).toHaveLength(0);
    const first = await list({ first: 2 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await list({ first: 2, after: first.pageInfo.endCursor });
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect([...first.edges, ...rest.edges].map((e) => e.node.id).sort()).toEqual((await list({})).edges.map((e) => e.node.id).sort());
  });

  it('reopens a resolved group that occurs again, and says it regressed', async () => {
    const { board, send } = await seedBoard();
    const groups = (await graphql(t.app, ERROR_GROUPS, { project: String(board.project.id), filter: { search: 'PaymentDeclined' } }, seed.adminToken)).data.project!.errorGroups!;
    const { id, databaseId } = groups.edges[0]!.node;
    const resolved = successData((await graphql(t.app, RESOLVE, { id }, seed.adminToken)).data.resolveErrorGroup);
    expect(resolved).toMatchObject({ status: 'RESOLVED', resolvedAt: expect.any(String) });
    expect((await graphql(t.app, RESOLVE, { id }, seed.adminToken)).data.resolveErrorGroup?.userErrors).toMatchObject([{ code: 'VALIDATION_FAILED' }]);

    await send({ exception_class: 'PaymentDeclined', message: 'card declined again' });
    const after = (await graphql(t.app, ERROR_GROUP, { id }, seed.adminToken)).data.errorGroup;
    expect(after).toMatchObject({ isRegression: true, regressedAt: expect.any(String) });
    const row = await t.db.prisma.errorGroup.findUniqueOrThrow({ where: { id: databaseId } });
    expect(row).toMatchObject({ status: 'UNRESOLVED', resolvedAt: null, occurrenceCount: 2 });
    const history = (await graphql(t.app, `query ($id: ID!) { errorGroup(id: $id) { history { action from to actor { kind name } } } }`, { id }, seed.adminToken)).data.errorGroup.history;
    expect(history.slice(0, 2)).toEqual([
      { action: 'status_changed', from: 'RESOLVED', to: 'UNRESOLVED', actor: { kind: 'system', name: 'Intake (it occurred again)' } },
      { action: 'status_changed', from: 'UNRESOLVED', to: 'RESOLVED', actor: { kind: 'user', name: seed.admin.name } },
    ]);
  });

  it('keeps ignored groups ignored when they occur again, until reopened', async () => {
    const { board, send } = await seedBoard();
    const groups = (await graphql(t.app, ERROR_GROUPS, { project: String(board.project.id), filter: { environment: 'staging' } }, seed.adminToken)).data.project!.errorGroups!;
    const { id, databaseId } = groups.edges[0]!.node;
    expect(successData((await graphql(t.app, IGNORE, { id }, seed.adminToken)).data.ignoreErrorGroup).status).toBe('IGNORED');
    await send({ exception_class: 'TimeoutError', environment: 'staging' });
    expect((await t.db.prisma.errorGroup.findUniqueOrThrow({ where: { id: databaseId } })).status).toBe('IGNORED');
    expect(successData((await graphql(t.app, REOPEN, { id }, seed.adminToken)).data.reopenErrorGroup).status).toBe('UNRESOLVED');
  });

  it('promotes a group into an issue once', async () => {
    const { board } = await seedBoard();
    const groups = (await graphql(t.app, ERROR_GROUPS, { project: String(board.project.id), orderBy: { field: 'COUNT' }, first: 1 }, seed.adminToken)).data.project!.errorGroups!;
    const id = groups.edges[0]!.node.id;
    const promoted = successData((await graphql(t.app, PROMOTE, { id }, seed.adminToken)).data.promoteErrorGroup);
    expect(promoted.issue).toMatchObject({ title: 'TimeoutError: upstream timed out', status: 'OPEN' });
    expect(promoted.errorGroup.issue?.id).toBe(promoted.issue.id);
    expect((await graphql(t.app, PROMOTE, { id }, seed.adminToken)).data.promoteErrorGroup?.userErrors).toMatchObject([{ code: 'VALIDATION_FAILED' }]);
  });

  it('lets members read but not triage, and hides groups of projects they cannot see', async () => {
    const { board } = await seedBoard();
    await grant(t.operator, seed.member.email, board.project.id, ['error-groups:read']);
    const groups = (await graphql(t.app, ERROR_GROUPS, { project: String(board.project.id) }, seed.memberToken)).data.project!.errorGroups!;
    const id = groups.edges[0]!.node.id;
    expect((await graphql(t.app, RESOLVE, { id }, seed.memberToken)).data.resolveErrorGroup?.userErrors).toMatchObject([{ code: 'FORBIDDEN' }]);
    const stranger = await seedWorkspace(t.operator);
    const hidden = await graphql(t.app, ERROR_GROUP, { id }, stranger.memberToken);
    expect(hidden.errors?.[0]?.extensions?.code).toBe('not_found');
  });
});
