// Compiled execution (src/graphql/compiled-execution.ts) must never change an answer: a document
// runs interpreted on its first use and compiled from its second where graphql-jit answers as
// graphql-js does, so each case here sends the same request three times and expects the same
// status and body every time. The cases are those where graphql-jit alone answered differently
// (they pass only because such documents keep running interpreted), beside the board's page and
// a refused one that do run compiled. The response cache is off, so every request executes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';
import { compiledRuns } from '../src/graphql/compiled-execution.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
let issueId = '';

beforeAll(async () => {
  t = await createTestApp({ graphqlCacheTtlMs: 0, graphqlCompileAfterUses: 2 }); // first use interpreted, whatever the pass
  seed = await seedWorkspace(t.operator);
  const secret = (await projectToken(t.operator, seed.project.id, ['report:create', 'error-events:write'])).secret;
  for (const title of ['first', 'second']) {
    const sent = await t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports`, headers: bearer(secret), payload: { title, description: 'd' } });
    expect(sent.statusCode).toBe(201);
  }
  for (const exception_class of ['Rare', 'Common', 'Common']) {
    const sent = await t.app.inject({
      method: 'POST', url: `/api/projects/${seed.project.id}/error-events`, headers: bearer(secret),
      payload: { environment: 'production', exception_class, message: exception_class, stack_trace: '' },
    });
    expect(sent.statusCode).toBe(202);
  }
  const promoted = await t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports/promote`, headers: bearer(seed.adminToken), payload: { report_ids: [(await t.db.prisma.report.findFirstOrThrow({ where: { projectId: seed.project.id } })).id] } });
  expect(promoted.statusCode).toBe(201);
  issueId = String(promoted.json().issue.id);
});
afterAll(() => t.close());

async function thrice(query: string, variables: Record<string, unknown>, operationName?: string) {
  const answers = [];
  for (let i = 0; i < 3; i++) {
    const response = await t.app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...bearer(seed.adminToken) }, payload: { query, variables, operationName } });
    answers.push({ status: response.statusCode, body: response.body });
  }
  expect(answers[1]).toEqual(answers[0]);
  expect(answers[2]).toEqual(answers[0]);
  return { status: answers[0]!.status, body: JSON.parse(answers[0]!.body) };
}

describe('compiled execution answers as interpreted execution does', () => {
  it('the board’s page (which does run compiled)', async () => {
    const before = compiledRuns.count;
    const { body } = await thrice(
      `query ($p: ID!) { project(id: $p) { reports(first: 50) { edges { node { id title status source reporter { id } issue { id title } attachments { url } project { id slug } } } pageInfo { hasNextPage } } } }`,
      { p: String(seed.project.id) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.project.reports.edges).toHaveLength(2);
    expect(compiledRuns.count - before).toBe(2); // the second and third
  });

  it('with the response cache on, whose rewritten document runs compiled from its second use', async () => {
    const cached = await createTestApp({ graphqlCompileAfterUses: 2 });
    try {
      const own = await seedWorkspace(cached.operator);
      const secret = (await projectToken(cached.operator, own.project.id, ['report:create'])).secret;
      for (const title of ['a', 'b', 'c']) await cached.app.inject({ method: 'POST', url: `/api/projects/${own.project.id}/reports`, headers: bearer(secret), payload: { title, description: 'd' } });
      const page = async (first: number) =>
        (await cached.app.inject({
          method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...bearer(own.adminToken) },
          payload: { query: 'query ($p: ID!, $first: Int) { project(id: $p) { reports(first: $first) { nodes { id title issue { id } } } } }', variables: { p: String(own.project.id), first } },
        })).body;
      const before = compiledRuns.count;
      const pages = [await page(1), await page(2), await page(3)]; // no two alike: none is a cache hit
      expect(compiledRuns.count - before).toBe(2);
      expect(pages.map((body) => JSON.parse(body).data.project.reports.nodes.map((node: { title: string }) => node.title))).toEqual([['a'], ['a', 'b'], ['a', 'b', 'c']]);
      expect(pages.join()).not.toContain('__responseCache');
    } finally {
      await cached.close();
    }
  });

  it('a string literal never reaches generated code', async () => {
    // graphql-jit turned this marker inside a literal into code; such documents run interpreted.
    const injection = '__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d0)+(globalThis.compiledInjection=typeof process)+(0';
    const { body } = await thrice(`{ project(id: "${injection}") { slug } }`, {});
    expect(body.data).toEqual({ project: null });
    expect((globalThis as { compiledInjection?: unknown }).compiledInjection).toBeUndefined();
  });

  it('an operation name the document does not hold', async () => {
    const { status, body } = await thrice('query Name { viewer { name } }', {}, 'Other');
    expect(status).toBe(400);
    expect(body.errors[0].message).toMatch(/Could not determine what operation to execute/);
  });

  it('a refused argument: the same error, code and status', async () => {
    const { status, body } = await thrice(`query ($p: ID!, $first: Int) { project(id: $p) { slug reports(first: $first) { nodes { id } } } }`, { p: String(seed.project.id), first: -1 });
    expect(status).toBe(200); // the project's slug arrived beside the refused field
    expect(body.errors[0].extensions.code).toBe('bad_request');
    expect(body.data).toEqual({ project: { slug: seed.project.slug, reports: null } });
    const alone = await thrice(`query ($first: Int) { bugReports(first: $first) { nodes { id } } }`, { first: -1 });
    expect([alone.status, alone.body.errors[0].extensions.code]).toEqual([400, 'bad_request']); // nothing arrived
  });

  it('a document of several operations answers the one named', async () => {
    const query = `query Slug($p: ID!) { project(id: $p) { slug } } query Name { viewer { name } }`;
    for (const [operationName, expected] of [['Slug', { project: { slug: seed.project.slug } }], ['Name', { viewer: { name: seed.admin.name } }]] as const) {
      const answers = [];
      for (let i = 0; i < 3; i++) {
        const response = await t.app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...bearer(seed.adminToken) }, payload: { query, operationName, variables: { p: String(seed.project.id) } } });
        answers.push(response.json());
      }
      expect(answers).toEqual([{ data: expected }, { data: expected }, { data: expected }]);
    }
  });

  it('@include on one of two spreads of a fragment', async () => {
    const { body } = await thrice(`query ($p: ID!, $x: Boolean!) { a: project(id: $p) { ...F @include(if: $x) } b: project(id: $p) { ...F } } fragment F on Project { slug }`, { p: String(seed.project.id), x: false });
    expect(body.data).toEqual({ a: {}, b: { slug: seed.project.slug } });
  });

  it('response keys that join to the same path with `_`', async () => {
    const { body } = await thrice(`query ($i: ID!, $p: ID!) { x: issue(id: $i) { y_z: id } z_x: project(id: $p) { y: id } }`, { i: issueId, p: String(seed.project.id) });
    expect(Buffer.from(body.data.x.y_z, 'base64url').toString()).toMatch(/^Issue:/);
    expect(Buffer.from(body.data.z_x.y, 'base64url').toString()).toMatch(/^Project:/);
  });

  it('a variable omitted inside an input object literal takes the field’s default', async () => {
    const { body } = await thrice(
      `query ($p: ID!, $direction: OrderDirection) { project(id: $p) { errorGroups(orderBy: { field: COUNT, direction: $direction }) { nodes { exceptionClass } } } }`,
      { p: String(seed.project.id) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.project.errorGroups.nodes.map((node: { exceptionClass: string }) => node.exceptionClass)).toEqual(['Common', 'Rare']);
  });

  it('a variable the schema refuses: graphql-js’s error', async () => {
    const { status, body } = await thrice(`query ($p: ID!, $first: Int) { project(id: $p) { reports(first: $first) { nodes { id } } } }`, { p: String(seed.project.id), first: 2 ** 31 });
    expect(status).toBe(400);
    expect(body.errors[0].message).toMatch(/Int cannot represent non 32-bit signed integer value/);
  });
});
