import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, graphql, type TestApp } from './helpers.ts';
import { seedWorkspace } from './fixtures.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ bodyLimitBytes: 64 * 1024 });
});
afterAll(() => t.close());

describe('the service skeleton', () => {
  it('reports database health', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', database: { status: 'ok', kind: t.db.kind } });
  });

  it('answers { __typename } through the whole GraphQL stack', async () => {
    const result = await graphql(t.app, '{ __typename }');
    expect(result).toMatchObject({ status: 200, data: { __typename: 'Query' } });
  });

  it('serves a self-contained GraphiQL page (no CDN)', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>Intake GraphiQL</title>');
    expect(response.body).not.toMatch(/<script[^>]+src="https?:\/\//);
  });

  it('gives every response a request id, keeping a sane client-supplied one', async () => {
    const given = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const minted = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\u0000' } });
    expect(minted.headers['x-request-id']).toMatch(/^req_/);
  });

  it('answers unknown routes with a 404 in the family envelope', async () => {
    const kendo = await t.app.inject({ method: 'GET', url: '/api/projects/1/nothing-here' });
    expect(kendo.statusCode).toBe(404);
    expect(kendo.json()).toEqual({ message: 'Route not found.' });
    const raven = await t.app.inject({ method: 'POST', url: '/api/bug-reports/nothing-here' });
    expect(raven.statusCode).toBe(404);
    expect(raven.json()).toMatchObject({ success: false, status: 404, error: { code: 'NOT_FOUND' } });
    const ours = await t.app.inject({ method: 'GET', url: '/nothing' });
    expect(ours.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('rejects malformed JSON with 400 and a message, never a 500', async () => {
    const response = await t.app.inject({
      method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: '{"query": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].extensions.code).toBe('bad_request');
  });

  it('rejects oversize bodies with 413', async () => {
    const response = await t.app.inject({
      method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ query: `{ __typename } #${'x'.repeat(70 * 1024)}` }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().errors[0].extensions.code).toBe('payload_too_large');
  });

  it('refuses queries deeper than the limit', async () => {
    const deep = `{ workspaces { ${'projects { workspace { '.repeat(7)}id${' } }'.repeat(7)} } }`;
    const { adminToken } = await seedWorkspace(t.operator);
    const result = await graphql(t.app, deep, {}, adminToken);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]).toMatchObject({ message: expect.stringMatching(/depth limit of 12 exceeded/), extensions: { code: 'bad_request' } });
  });

  it('tells anonymous callers of protected fields they are unauthenticated', async () => {
    const result = await graphql(t.app, '{ workspaces { slug } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('unauthenticated');
  });

  it('answers a result with errors uncached and without writing to the console (the server logs through its logger only)', async () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      for (let i = 0; i < 2; i++) expect((await graphql(t.app, '{ workspaces { slug } }')).errors?.[0]?.extensions?.code).toBe('unauthenticated');
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('lists the projects a member sees, narrowed by workspace slug or id, and none of another tenant’s', async () => {
    const mine = await seedWorkspace(t.operator);
    const theirs = await seedWorkspace(t.operator);
    const projects = async (workspace?: string) =>
      ((await graphql(t.app, 'query($w: String) { projects(workspace: $w) { databaseId } }', { w: workspace }, mine.memberToken)).data.projects as Array<{ databaseId: number }>).map((p) => p.databaseId);
    expect(await projects()).toEqual([mine.project.id]);
    expect(await projects(mine.workspace.slug)).toEqual([mine.project.id]);
    expect(await projects(mine.workspace.id)).toEqual([mine.project.id]);
    expect(await projects(theirs.workspace.slug)).toEqual([]);
    const byId = (id: string, token: string) => graphql(t.app, 'query($id: ID!) { project(id: $id) { databaseId } }', { id }, token);
    expect((await byId(String(theirs.project.id), theirs.memberToken)).data.project).toEqual({ databaseId: theirs.project.id }); // now in the process's project cache
    expect((await byId(String(theirs.project.id), mine.memberToken)).data.project).toBeNull();
    for (const nothing of ['2147483647', '99999999999', '0']) expect((await byId(nothing, mine.memberToken)).data).toEqual({ project: null });
    const bySlug = await graphql(t.app, 'query($s: String!) { project(slug: $s) { databaseId } }', { s: `${mine.workspace.slug}/${mine.project.slug}` }, mine.memberToken);
    expect(bySlug.data.project).toEqual({ databaseId: mine.project.id });
  });

  it('rejects an unknown bearer token with 401 on every surface', async () => {
    const response = await t.app.inject({
      method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      payload: { query: '{ __typename }' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().errors[0].extensions.code).toBe('unauthenticated');
  });

  it('applies every plugin on both paths: a limit refuses the same document on the fast path (JSON POST) and through Yoga whole (GET)', async () => {
    const { adminToken } = await seedWorkspace(t.operator);
    const query = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const headers = { authorization: `Bearer ${adminToken}` };
    const post = await t.app.inject({ method: 'POST', url: '/graphql', headers: { ...headers, 'content-type': 'application/json' }, payload: { query } });
    const get = await t.app.inject({ method: 'GET', url: '/graphql', headers, query: { query } });
    expect([post.statusCode, get.statusCode]).toEqual([400, 400]);
    expect(post.json()).toEqual(get.json());
    expect(post.json().errors[0].message).toMatch(/Aliases limit of 30 exceeded/);
  });

  it('answers a JSON POST exactly as Yoga answers the same operation sent as GET', async () => {
    const { adminToken } = await seedWorkspace(t.operator);
    // `secret: null` is an anonymous caller (no Authorization header at all).
    const cases: Array<{ query: string; operationName?: string; secret: string | null }> = [
      { query: 'query Mine { viewer { email } workspaces { slug } }', operationName: 'Mine', secret: adminToken },
      { query: '{ workspaces { slug } }', secret: null },
      { query: '{ noSuchField }', secret: adminToken },
      { query: '{ workspaces { ', secret: adminToken },
    ];
    for (const { query, operationName, secret } of cases) {
      const headers: Record<string, string> = { accept: 'application/graphql-response+json', ...(secret ? { authorization: `Bearer ${secret}` } : {}) };
      const post = await t.app.inject({ method: 'POST', url: '/graphql', headers: { ...headers, 'content-type': 'application/json' }, payload: { query, operationName } });
      const get = await t.app.inject({ method: 'GET', url: '/graphql', headers, query: { query, ...(operationName ? { operationName } : {}) } });
      if (secret === null) expect(post.json().errors[0].extensions.code).toBe('unauthenticated'); // the anonymous branch really ran
      expect({ status: post.statusCode, type: post.headers['content-type'], body: post.json() }).toEqual({
        status: get.statusCode,
        type: get.headers['content-type'],
        body: get.json(),
      });
    }
  });
});
