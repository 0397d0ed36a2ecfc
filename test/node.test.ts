// Relay's Node: every board object has an opaque global id (`id`), refetchable with `node(id:)` and
// `nodes(ids:)`; the id the REST routes use stays readable as `databaseId`. Black box, through
// GraphQL (and REST to create what the board holds).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/graphql/node.ts';
import { bearer, createTestApp, graphql, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';
import { graphql as gql } from './gql/index.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
let other: Awaited<ReturnType<typeof seedWorkspace>>;
/** Database ids as REST (or, for error groups, the database) names them. */
const ids = { report: 0, issue: 0, errorGroup: 0, bugReport: '', project: 0, workspace: '', otherReport: 0 };

const submitReport = async (projectId: number, secret: string, title: string) => {
  const response = await t.app.inject({ method: 'POST', url: `/api/projects/${projectId}/reports`, headers: bearer(secret), payload: { title, description: 'd' } });
  expect(response.statusCode).toBe(201);
  return response.json().id as number;
};

beforeAll(async () => {
  t = await createTestApp();
  seed = await seedWorkspace(t.operator);
  other = await seedWorkspace(t.operator);
  const ingest = (await projectToken(t.operator, seed.project.id, ['report:create', 'error-events:write'])).secret;
  const theirIngest = (await projectToken(t.operator, other.project.id, ['report:create'])).secret;

  ids.report = await submitReport(seed.project.id, ingest, 'Node report');
  const promotedFrom = await submitReport(seed.project.id, ingest, 'Node issue');
  const promoted = await t.app.inject({
    method: 'POST', url: `/api/projects/${seed.project.id}/reports/promote`, headers: bearer(seed.adminToken), payload: { report_ids: [promotedFrom], title: 'Node issue' },
  });
  expect(promoted.statusCode).toBe(201);
  ids.issue = promoted.json().issue.id;

  const event = await t.app.inject({
    method: 'POST', url: `/api/projects/${seed.project.id}/error-events`, headers: bearer(ingest),
    payload: { environment: 'production', exception_class: 'NodeException', message: 'm', stack_trace: '' },
  });
  expect(event.statusCode).toBe(202);
  ids.errorGroup = (await t.db.prisma.errorGroup.findFirstOrThrow({ where: { projectId: seed.project.id, exceptionClass: 'NodeException' } })).id;

  const bug = await t.app.inject({
    method: 'POST', url: '/api/bug-reports/create', headers: bearer(seed.adminToken), payload: { title: 'Node bug', source: 'user:command', severity: 'high', workspaceId: seed.workspace.id },
  });
  expect(bug.statusCode).toBe(201);
  ids.bugReport = bug.json().data.id;

  ids.project = seed.project.id;
  ids.workspace = seed.workspace.id;
  ids.otherReport = await submitReport(other.project.id, theirIngest, 'Their report');
});
afterAll(() => t.close());

const GLOBAL_IDS = gql(`
  query NodeGlobalIds($report: ID!, $issue: ID!, $errorGroup: ID!, $bugReport: ID!, $project: ID!) {
    report(id: $report) { id }
    issue(id: $issue) { id }
    errorGroup(id: $errorGroup) { id }
    bugReport(id: $bugReport) { id }
    project(id: $project) { id }
    workspaces { id slug }
  }`);
const NODE = gql(`
  query NodeById($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Report { databaseId title }
      ... on Issue { databaseId title status }
      ... on ErrorGroup { databaseId exceptionClass }
      ... on BugReport { bugReportId: databaseId title severity }
      ... on Project { databaseId slug }
      ... on Workspace { workspaceId: databaseId slug }
    }
  }`);
const NODES = gql(`
  query NodesByIds($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Report { databaseId title }
      ... on Issue { databaseId title }
      ... on Project { databaseId slug }
    }
  }`);
const REPORT = gql(`query NodeReport($id: ID!) { report(id: $id) { id databaseId title } }`);

describe('node(id:)', () => {
  it('refetches a Report, Issue, ErrorGroup, BugReport, Project and Workspace by the global id each returns in `id`', async () => {
    const read = await graphql(t.app, GLOBAL_IDS, {
      report: String(ids.report), issue: String(ids.issue), errorGroup: String(ids.errorGroup), bugReport: ids.bugReport, project: String(ids.project),
    }, seed.adminToken);
    expect(read.errors).toBeUndefined();
    const workspace = read.data.workspaces!.find((w) => w.slug === seed.workspace.slug)!;
    const globalIds = {
      report: read.data.report!.id,
      issue: read.data.issue!.id,
      errorGroup: read.data.errorGroup!.id,
      bugReport: read.data.bugReport!.id,
      project: read.data.project!.id,
      workspace: workspace.id,
    };
    // Opaque, and one per object: never the database id itself.
    expect(globalIds).toEqual({
      report: encodeGlobalId('Report', ids.report),
      issue: encodeGlobalId('Issue', ids.issue),
      errorGroup: encodeGlobalId('ErrorGroup', ids.errorGroup),
      bugReport: encodeGlobalId('BugReport', ids.bugReport),
      project: encodeGlobalId('Project', ids.project),
      workspace: encodeGlobalId('Workspace', ids.workspace),
    });
    expect(new Set(Object.values(globalIds)).size).toBe(6);

    const node = async (id: string) => {
      const result = await graphql(t.app, NODE, { id }, seed.adminToken);
      expect(result.errors).toBeUndefined();
      return result.data.node;
    };
    expect(await node(globalIds.report)).toEqual({ __typename: 'Report', id: globalIds.report, databaseId: ids.report, title: 'Node report' });
    expect(await node(globalIds.issue)).toEqual({ __typename: 'Issue', id: globalIds.issue, databaseId: ids.issue, title: 'Node issue', status: 'OPEN' });
    expect(await node(globalIds.errorGroup)).toEqual({ __typename: 'ErrorGroup', id: globalIds.errorGroup, databaseId: ids.errorGroup, exceptionClass: 'NodeException' });
    expect(await node(globalIds.bugReport)).toEqual({ __typename: 'BugReport', id: globalIds.bugReport, bugReportId: ids.bugReport, title: 'Node bug', severity: 'HIGH' });
    expect(await node(globalIds.project)).toEqual({ __typename: 'Project', id: globalIds.project, databaseId: ids.project, slug: seed.project.slug });
    expect(await node(globalIds.workspace)).toEqual({ __typename: 'Workspace', id: globalIds.workspace, workspaceId: ids.workspace, slug: seed.workspace.slug });
    expect(ids.bugReport).toMatch(/^bug_/);
    expect(ids.workspace).toMatch(/^ws_/);
  });

  it('refuses an anonymous caller as unauthenticated', async () => {
    const anonymous = await graphql(t.app, NODE, { id: encodeGlobalId('Report', ids.report) });
    expect(anonymous.data.node).toBeNull();
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['unauthenticated']);
    expect(JSON.stringify(anonymous)).not.toContain('Node report');
  });

  // Like `project`, `workspaces` and `errorGroup`, a lookup by id needs a signed-in caller, whatever
  // kind the id names (or whether it names one at all), in `node` and in `nodes`.
  it('refuses an anonymous caller as unauthenticated for every kind of id, and in nodes', async () => {
    const asked = [
      encodeGlobalId('Report', ids.report),
      encodeGlobalId('Issue', ids.issue),
      encodeGlobalId('ErrorGroup', ids.errorGroup),
      encodeGlobalId('BugReport', ids.bugReport),
      encodeGlobalId('Project', ids.project),
      encodeGlobalId('Workspace', ids.workspace),
      'this is not an id!',
    ];
    const codes: Record<string, unknown> = {};
    for (const id of asked) {
      const anonymous = await graphql(t.app, NODE, { id });
      expect(anonymous.data.node).toBeNull();
      codes[id] = anonymous.errors?.map((e) => e.extensions?.code);
    }
    expect(codes).toEqual(Object.fromEntries(asked.map((id) => [id, ['unauthenticated']])));
    for (const id of asked) {
      const anonymous = await graphql(t.app, NODES, { ids: [id] });
      expect([id, anonymous.errors?.map((e) => e.extensions?.code)]).toEqual([id, ['unauthenticated']]);
    }
  });

  it("answers another tenant's object exactly as an id that does not exist (null, not_found)", async () => {
    const stranger = other.memberToken;
    const ask = (id: string) => graphql(t.app, NODE, { id }, stranger);
    const pairs: Array<[string, string]> = [
      [encodeGlobalId('Report', ids.report), encodeGlobalId('Report', 99_999_999)],
      [encodeGlobalId('Issue', ids.issue), encodeGlobalId('Issue', 99_999_999)],
      [encodeGlobalId('ErrorGroup', ids.errorGroup), encodeGlobalId('ErrorGroup', 99_999_999)],
      [encodeGlobalId('Project', ids.project), encodeGlobalId('Project', 99_999_999)],
      [encodeGlobalId('Workspace', ids.workspace), encodeGlobalId('Workspace', 'ws_doesnotexist')],
    ];
    for (const [theirs, unknown] of pairs) {
      const [hidden, missing] = [await ask(theirs), await ask(unknown)];
      expect(hidden.data.node).toBeNull();
      expect(missing.data.node).toBeNull();
      expect(hidden.errors?.map((e) => e.extensions?.code)).toEqual(['not_found']);
      expect(hidden.errors?.map((e) => e.extensions?.code)).toEqual(missing.errors?.map((e) => e.extensions?.code));
      expect((hidden.errors?.[0] as { path?: string[] } | undefined)?.path).toEqual(['node']);
      // Word for word the same answer, but for the id asked about.
      expect(hidden.errors?.[0]?.message.replace(theirs, '<id>')).toBe(missing.errors?.[0]?.message.replace(unknown, '<id>'));
    }
    // The same stranger does read their own report through node.
    const own = await ask(encodeGlobalId('Report', ids.otherReport));
    expect(own.errors).toBeUndefined();
    expect(own.data.node).toMatchObject({ __typename: 'Report', databaseId: ids.otherReport, title: 'Their report' });
  });
});

describe('nodes(ids:)', () => {
  it('answers in the order asked, with null for a malformed id, an unknown id and another tenant’s report', async () => {
    const asked = [
      encodeGlobalId('Issue', ids.issue),
      'this is not an id!',
      encodeGlobalId('Report', ids.report),
      encodeGlobalId('Report', 99_999_999),
      encodeGlobalId('Report', ids.otherReport), // other's project: the member cannot see it
      encodeGlobalId('Project', ids.project),
      encodeGlobalId('Report', ids.report), // asked twice, answered twice
    ];
    const result = await graphql(t.app, NODES, { ids: asked }, seed.memberToken);
    expect(result.errors).toBeUndefined();
    expect(result.data.nodes).toEqual([
      { __typename: 'Issue', id: asked[0], databaseId: ids.issue, title: 'Node issue' },
      null,
      { __typename: 'Report', id: asked[2], databaseId: ids.report, title: 'Node report' },
      null,
      null,
      { __typename: 'Project', id: asked[5], databaseId: ids.project, slug: seed.project.slug },
      { __typename: 'Report', id: asked[2], databaseId: ids.report, title: 'Node report' },
    ]);
    // The other tenant's own member reads that report: the null above was visibility, not a bad id.
    const theirs = await graphql(t.app, NODES, { ids: [asked[4]] }, other.memberToken);
    expect(theirs.data.nodes).toEqual([{ __typename: 'Report', id: asked[4], databaseId: ids.otherReport, title: 'Their report' }]);
  });

  it('answers 100 ids and refuses 101 with a validation error on ids', async () => {
    const report = encodeGlobalId('Report', ids.report);
    const hundred = await graphql(t.app, NODES, { ids: Array.from({ length: 100 }, () => report) }, seed.adminToken);
    expect(hundred.errors).toBeUndefined();
    expect(hundred.data.nodes).toHaveLength(100);
    expect(hundred.data.nodes.every((n) => n?.id === report)).toBe(true);

    const tooMany = await graphql(t.app, NODES, { ids: Array.from({ length: 101 }, () => report) }, seed.adminToken);
    expect(tooMany.data).toBeNull(); // nodes is non-null: nothing is answered
    expect(tooMany.errors).toHaveLength(1);
    expect(tooMany.errors![0]!.extensions).toMatchObject({ code: 'validation_failed', fields: { ids: [expect.stringMatching(/at most 100/)] } });
  });
});

describe('arguments that name an object', () => {
  it('refuse a global id of another type with a validation error naming the field, and still take a plain numeric id', async () => {
    const wrongType = await graphql(t.app, REPORT, { id: encodeGlobalId('Issue', ids.issue) }, seed.adminToken);
    expect(wrongType.data.report).toBeNull();
    expect(wrongType.errors).toHaveLength(1);
    expect((wrongType.errors![0] as { path?: string[] }).path).toEqual(['report']);
    expect(wrongType.errors![0]!.extensions).toMatchObject({ code: 'validation_failed', fields: { id: [expect.stringMatching(/Report/)] } });

    const expected = { id: encodeGlobalId('Report', ids.report), databaseId: ids.report, title: 'Node report' };
    const plain = await graphql(t.app, REPORT, { id: String(ids.report) }, seed.adminToken);
    expect(plain.errors).toBeUndefined();
    expect(plain.data.report).toEqual(expected);
    const asInt = await graphql(t.app, `{ report(id: ${ids.report}) { id databaseId title } }`, {}, seed.adminToken);
    expect(asInt.errors).toBeUndefined();
    expect(asInt.data.report).toEqual(expected);
    const global = await graphql(t.app, REPORT, { id: expected.id }, seed.adminToken);
    expect(global.data.report).toEqual(expected);
  });
});
