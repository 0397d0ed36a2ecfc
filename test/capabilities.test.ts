// GitHub's viewerCan… (GRAPHQL.md "Capabilities"): every board card says what the viewer may do,
// from the same rule tables the mutations check, so the board hides what would be refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, createUser } from '../src/modules/workspaces/service.ts';
import { createTestApp, graphql, successData, uniqueSlug, type TestApp } from './helpers.ts';
import { grant, seedWorkspace } from './fixtures.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
beforeAll(async () => {
  t = await createTestApp();
  seed = await seedWorkspace(t.operator);
});
afterAll(async () => {
  await t.close();
});

async function person(permissions: Parameters<typeof grant>[3]) {
  const user = await createUser(t.operator, { email: `${uniqueSlug('p')}@example.com`, name: 'Pat', workspace: seed.workspace.slug });
  await grant(t.operator, user.email, seed.project.id, permissions);
  return (await createToken(t.operator, { kind: 'PERSONAL', name: 'pat', user: user.email })).secret;
}

const SUBMIT = `mutation ($project: ID!, $title: String!) { submitReport(input: { project: $project, title: $title, description: "d" }) { report { id } userErrors { code } } }`;
const BOARD = `query ($project: ID!) { project(id: $project) { reports(first: 10) { nodes { title viewerCanUpdate viewerCanDelete issue { viewerCanUpdate } } } } }`;

describe('viewerCan… on board cards', () => {
  it('tells each viewer what they may do to each report and issue, as the mutations would answer', async () => {
    const author = await person(['reports:read', 'reports:create', 'reports:delete:own']);
    const project = String(seed.project.id);
    successData((await graphql(t.app, SUBMIT, { project, title: 'Mine' }, author)).data.submitReport);
    const theirs = successData((await graphql(t.app, SUBMIT, { project, title: 'Theirs' }, seed.adminToken)).data.submitReport);
    await graphql(t.app, `mutation ($p: ID!, $ids: [ID!]!) { promoteReports(input: { project: $p, reportIds: $ids }) { issue { id } userErrors { code } } }`, { p: project, ids: [theirs.id] }, seed.adminToken);

    const board = async (secret: string) =>
      Object.fromEntries(((await graphql(t.app, BOARD, { project }, secret)).data.project.reports.nodes as Array<{ title: string }>).map(({ title, ...rest }) => [title, rest]));
    expect(await board(seed.adminToken)).toEqual({
      Mine: { viewerCanUpdate: true, viewerCanDelete: true, issue: null },
      Theirs: { viewerCanUpdate: true, viewerCanDelete: true, issue: { viewerCanUpdate: true } },
    });
    expect(await board(author)).toEqual({
      Mine: { viewerCanUpdate: false, viewerCanDelete: true, issue: null },
      Theirs: { viewerCanUpdate: false, viewerCanDelete: false, issue: { viewerCanUpdate: false } },
    });

    // What the card said is what the mutations do.
    const mine = (await graphql(t.app, BOARD.replace('title viewerCanUpdate', 'id title viewerCanUpdate'), { project }, author)).data.project.reports.nodes as Array<{ id: string; title: string }>;
    const deleteReport = (id: string) => graphql(t.app, `mutation ($id: ID!) { deleteReport(input: { id: $id }) { deletedReportId userErrors { code } } }`, { id }, author);
    expect((await deleteReport(mine.find((r) => r.title === 'Theirs')!.id)).data.deleteReport.userErrors).toEqual([{ code: 'FORBIDDEN' }]);
    expect((await deleteReport(mine.find((r) => r.title === 'Mine')!.id)).data.deleteReport.userErrors).toEqual([]);
    const dismiss = await graphql(t.app, `mutation ($id: ID!) { dismissReport(input: { id: $id }) { report { id } userErrors { code } } }`, { id: mine.find((r) => r.title === 'Theirs')!.id }, author);
    expect(dismiss.data.dismissReport.userErrors).toEqual([{ code: 'FORBIDDEN' }]);
  });

  it('answers false, not an error, for a bug report seen by a read-only administrator token', async () => {
    const readOnly = (await createToken(t.operator, { kind: 'PERSONAL', name: 'ro', user: seed.admin.email, abilities: ['read'] })).secret;
    const created = successData(
      (await graphql(t.app, `mutation { createBugReport(input: { title: "Crash" }) { bugReport { id } userErrors { code } } }`, {}, seed.adminToken)).data.createBugReport,
    );
    const read = (secret: string) => graphql(t.app, `query ($id: ID!) { bugReport(id: $id) { viewerCanUpdate } }`, { id: created.id }, secret);
    expect((await read(seed.adminToken)).data.bugReport).toEqual({ viewerCanUpdate: true });
    const seen = await read(readOnly);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.bugReport).toEqual({ viewerCanUpdate: false });
  });
});
