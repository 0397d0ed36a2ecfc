import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/auth/tokens.ts';
import { createSecondInstance, createTestApp, graphql, successData, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';
import { graphql as gql } from './gql/index.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
beforeAll(async () => {
  t = await createTestApp();
  seed = await seedWorkspace(t.operator);
});
afterAll(() => t.close());

const CREATE_PROJECT_TOKEN = gql(`
  mutation CreateProjectToken($project: ID!, $name: String!, $abilities: [ProjectAbility!]!, $expiresAt: DateTime) {
    createProjectToken(input: { project: $project, name: $name, abilities: $abilities, expiresAt: $expiresAt }) { secret token { id prefix abilities kind } userErrors { code message } }
  }`);
const REVOKE_TOKEN = gql(`
  mutation RevokeToken($id: ID!) {
    revokeToken(input: { id: $id }) { token { id revokedAt } userErrors { code message } }
  }`);
const VIEWER = gql(`query Viewer { viewer { email isAdmin } projects { databaseId slug } }`);
const CREATE_WORKSPACE = gql(`
  mutation CreateWorkspace($slug: String!, $name: String!) {
    createWorkspace(input: { slug: $slug, name: $name }) { workspace { slug features } userErrors { code message } }
  }`);

describe('tokens and principals', () => {
  it('mints a project token once and stores only its hash', async () => {
    const result = await graphql(t.app, CREATE_PROJECT_TOKEN, { project: String(seed.project.id), name: 'CI', abilities: ['REPORT_CREATE'] }, seed.adminToken);
    const { secret, token } = successData(result.data.createProjectToken);
    expect(secret).toMatch(/^intake_prj_/);
    expect(token).toMatchObject({ kind: 'PROJECT', abilities: ['report:create'] });
    expect(secret.startsWith(token.prefix)).toBe(true);
    const stored = await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(stored.secretHash).toBe(hashSecret(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('resolves a personal token to its person and scopes what they see', async () => {
    const admin = await graphql(t.app, VIEWER, {}, seed.adminToken);
    expect(admin.data.viewer).toEqual({ email: seed.admin.email, isAdmin: true });
    const member = await graphql(t.app, VIEWER, {}, seed.memberToken);
    expect(member.data.viewer?.isAdmin).toBe(false);
    expect(member.data.projects!.map((p) => p.databaseId)).toEqual([seed.project.id]);
    const anonymous = await graphql(t.app, '{ viewer { email } }');
    expect(anonymous.data.viewer).toBeNull();
  });

  it('records lastUsedAt when a token is used', async () => {
    const { token, secret } = await projectToken(t.operator, seed.project.id, ['report:create']);
    expect(token.lastUsedAt).toBeNull();
    await graphql(t.app, '{ __typename }', {}, secret);
    // Written in the background (bookkeeping never slows the request): poll until it lands.
    await expect.poll(async () => (await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt, { timeout: 5_000 }).not.toBeNull();
  });

  it('rejects a revoked token with 401', async () => {
    const { token, secret } = await projectToken(t.operator, seed.project.id, ['report:create']);
    expect((await graphql(t.app, '{ __typename }', {}, secret)).status).toBe(200);
    const revoked = await graphql(t.app, REVOKE_TOKEN, { id: token.id }, seed.adminToken);
    expect(successData(revoked.data.revokeToken).revokedAt).not.toBeNull();
    const after = await graphql(t.app, '{ __typename }', {}, secret);
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.message).toMatch(/revoked/);
  });

  it('rejects an expired token with 401', async () => {
    const { secret } = await projectToken(t.operator, seed.project.id, ['report:create'], { expiresAt: new Date(t.clock.now().getTime() + 60_000) });
    expect((await graphql(t.app, '{ __typename }', {}, secret)).status).toBe(200);
    t.clock.advance(61_000); // past the expiry, and past the principal cache's lifetime
    const after = await graphql(t.app, '{ __typename }', {}, secret);
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.message).toMatch(/expired/);
  });

  it('lets another instance serve a revoked token only until its principal cache expires (5 s by the clock)', async () => {
    const other = await createSecondInstance(t);
    try {
      const { token, secret } = await projectToken(t.operator, seed.project.id, ['report:create']);
      expect((await graphql(other, '{ __typename }', {}, secret)).status).toBe(200);
      successData((await graphql(t.app, REVOKE_TOKEN, { id: token.id }, seed.adminToken)).data.revokeToken);
      expect((await graphql(t.app, '{ __typename }', {}, secret)).status).toBe(401); // the revoking instance forgets at once
      t.clock.advance(4_900);
      expect((await graphql(other, '{ __typename }', {}, secret)).status).toBe(200);
      t.clock.advance(200);
      expect((await graphql(other, '{ __typename }', {}, secret)).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('refuses project tokens where their abilities do not reach', async () => {
    const { secret } = await projectToken(t.operator, seed.project.id, ['report:create']);
    const result = await graphql(t.app, CREATE_PROJECT_TOKEN, { project: String(seed.project.id), name: 'x', abilities: ['ERROR_EVENTS_WRITE'] }, secret);
    expect(result.data.createProjectToken?.userErrors).toMatchObject([{ code: 'FORBIDDEN' }]);
  });

  it('lets only administrators create workspaces, with typed errors', async () => {
    const denied = await graphql(t.app, CREATE_WORKSPACE, { slug: 'nope-ws', name: 'No' }, seed.memberToken);
    expect(denied.data.createWorkspace?.userErrors).toMatchObject([{ code: 'FORBIDDEN' }]);
    const created = await graphql(t.app, CREATE_WORKSPACE, { slug: 'yes-ws', name: 'Yes' }, seed.adminToken);
    expect(successData(created.data.createWorkspace).features).toEqual(['reports', 'error-tracking', 'test-reports', 'task-reports']);
    const duplicate = await graphql(t.app, CREATE_WORKSPACE, { slug: 'yes-ws', name: 'Again' }, seed.adminToken);
    expect(duplicate.data.createWorkspace?.userErrors).toMatchObject([{ code: 'CONFLICT' }]);
    const invalid = await graphql(t.app, CREATE_WORKSPACE, { slug: 'Not A Slug', name: 'x' }, seed.adminToken);
    expect(invalid.data.createWorkspace?.userErrors).toMatchObject([{ code: 'VALIDATION_FAILED' }]);
  });
});
