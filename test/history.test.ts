// Triage history: every triage action is recorded with who, what, from → to, in the transaction
// of the change; `history` on a board page costs one statement whatever the page size.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, graphql, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
let ingest: string;

beforeAll(async () => {
  t = await createTestApp({ graphqlCacheTtlMs: 0 });
  seed = await seedWorkspace(t.operator);
  ingest = (await projectToken(t.operator, seed.project.id, ['report:create', 'error-events:write'])).secret;
});
afterAll(() => t.close());

const submit = async (title: string, projectId = seed.project.id, token = ingest) =>
  (await t.app.inject({ method: 'POST', url: `/api/projects/${projectId}/reports`, headers: bearer(token), payload: { title, description: 'd' } })).json().id as number;

const BOARD = `query Board($project: ID!, $first: Int) {
  project(id: $project) { reports(first: $first) { edges { node { databaseId history { action from to actor { kind name } at } } } } }
}`;

describe('triage history', () => {
  it('shows each subject its own newest 50 events, newest first, when a page asks for several', async () => {
    const own = await seedWorkspace(t.operator);
    const ownIngest = (await projectToken(t.operator, own.project.id, ['report:create'])).secret;
    const [long, short] = [await submit('long history', own.project.id, ownIngest), await submit('short history', own.project.id, ownIngest)];
    const at = new Date('2026-12-01T00:00:00Z');
    const event = (id: number, n: number) => ({ subjectType: 'Report', subjectId: String(id), action: 'reordered', fromValue: String(n), toValue: String(n + 1), actorKind: 'operator', actorName: 'ops', at });
    await t.db.prisma.triageEvent.createMany({ data: Array.from({ length: 70 }, (_, n) => event(long, n)) });
    await t.db.prisma.triageEvent.createMany({ data: [event(short, 0), event(short, 1)] });
    const page = await graphql(t.app, BOARD, { project: String(own.project.id), first: 10 }, seed.adminToken);
    const historyOf = (id: number) => page.data.project.reports.edges.find((edge: { node: { databaseId: number } }) => edge.node.databaseId === id).node.history;
    expect(historyOf(long)).toHaveLength(50);
    expect(historyOf(long).map((e: { from: string }) => Number(e.from))).toEqual(Array.from({ length: 50 }, (_, i) => 69 - i));
    expect(historyOf(short).map((e: { action: string; from: string | null }) => [e.action, e.from])).toEqual([['reordered', '1'], ['reordered', '0'], ['submitted', null]]);
  });

  it('records submission, reorder, promotion, dismissal and issue status changes with actor, from and to', async () => {
    // A project of its own: its first three reports (orders 1–3), whatever ran before.
    const own = await seedWorkspace(t.operator);
    const ownIngest = (await projectToken(t.operator, own.project.id, ['report:create'])).secret;
    const [a, b, c] = [await submit('first', own.project.id, ownIngest), await submit('second', own.project.id, ownIngest), await submit('third', own.project.id, ownIngest)];
    const api = (path: string, body: unknown) =>
      t.app.inject({ method: 'POST', url: `/api/projects/${own.project.id}/reports${path}`, headers: bearer(seed.adminToken), payload: body as object });
    expect((await api('/reorder', { report_ids: [c, a] })).statusCode).toBe(200);
    const promoted = await api('/promote', { report_ids: [a] });
    expect(promoted.statusCode).toBe(201);
    expect((await api(`/${b}/dismiss`, {})).statusCode).toBe(200);
    const issueId = promoted.json().issue.id as number;
    const status = await graphql(t.app, `mutation { updateIssue(input: { id: ${issueId}, status: DONE }) { userErrors { code } } }`, {}, seed.adminToken);
    expect(status.errors).toBeUndefined();

    const page = await graphql(t.app, BOARD, { project: String(own.project.id), first: 10 }, seed.adminToken);
    const history = (id: number) => page.data.project.reports.edges.find((e: { node: { databaseId: number } }) => e.node.databaseId === id).node.history;
    expect(history(a).map((e: { action: string }) => e.action)).toEqual(['promoted', 'reordered', 'submitted']);
    expect(history(a)[0]).toMatchObject({ from: 'PENDING', to: `issue ${issueId}`, actor: { kind: 'user', name: 'Ada Admin' } });
    expect(history(a)[1]).toMatchObject({ action: 'reordered', from: '1', to: '3' });
    expect(history(a)[2]).toMatchObject({ action: 'submitted', actor: { kind: 'project-token', name: 'CI' } });
    expect(history(b)[0]).toMatchObject({ action: 'dismissed', from: 'PENDING', to: 'DISMISSED' });
    const links = await graphql(t.app, `{ issue(id: ${issueId}) { reports { databaseId } errorGroups { databaseId } bugReports { databaseId } } }`, {}, own.memberToken);
    expect(links.data.issue).toEqual({ reports: [{ databaseId: a }], errorGroups: [], bugReports: null }); // bug reports: administrators only
    expect((links.errors as Array<{ path?: string[] }> | undefined)?.map((e) => e.path?.join('.'))).toEqual(['issue.bugReports']);
    const restored = await graphql(t.app, `mutation { restoreReport(input: { id: ${b} }) { report { status } userErrors { code } } }`, {}, seed.adminToken);
    expect(restored.data.restoreReport).toEqual({ report: { status: 'PENDING' }, userErrors: [] });
    const issue = await graphql(t.app, `{ issue(id: ${issueId}) { history { action from to } } }`, {}, seed.adminToken);
    expect(issue.data.issue.history).toEqual([
      { action: 'status_changed', from: 'OPEN', to: 'DONE' },
      { action: 'linked', from: null, to: `report ${a}` },
      { action: 'opened', from: null, to: null },
    ]);
  });

  it('records nothing when the change is refused (same transaction)', async () => {
    const id = await submit('refused twice');
    const dismiss = () => t.app.inject({ method: 'POST', url: `/api/projects/${seed.project.id}/reports/${id}/dismiss`, headers: bearer(seed.adminToken) });
    expect((await dismiss()).statusCode).toBe(200);
    expect((await dismiss()).statusCode).toBe(422);
    const events = await t.db.prisma.triageEvent.findMany({ where: { subjectType: 'Report', subjectId: String(id) } });
    expect(events.map((e) => e.action).sort()).toEqual(['dismissed', 'submitted']);
  });

  it('records error-group and bug-report status changes', async () => {
    const sent = await t.app.inject({
      method: 'POST', url: `/api/projects/${seed.project.id}/error-events`, headers: bearer(ingest),
      payload: { environment: 'production', exception_class: 'HistoryException', message: 'm', stack_trace: '' },
    });
    expect(sent.statusCode).toBe(202);
    const group = await t.db.prisma.errorGroup.findFirstOrThrow({ where: { exceptionClass: 'HistoryException' } });
    await graphql(t.app, `mutation { resolveErrorGroup(input: { id: ${group.id} }) { userErrors { code } } }`, {}, seed.adminToken);
    const groupHistory = await graphql(t.app, `{ errorGroup(id: ${group.id}) { history { action from to } } }`, {}, seed.adminToken);
    expect(groupHistory.data.errorGroup.history).toEqual([{ action: 'status_changed', from: 'UNRESOLVED', to: 'RESOLVED' }]);

    const created = await t.app.inject({ method: 'POST', url: '/api/bug-reports/create', headers: bearer(seed.adminToken), payload: { title: 'Bug', source: 'user:command', workspaceId: seed.workspace.id } });
    const bugId = created.json().data.id as string;
    await t.app.inject({ method: 'POST', url: '/api/bug-reports/update', headers: bearer(seed.adminToken), payload: { bugReportId: bugId, status: 'triaged', severity: 'high' } });
    const bug = await graphql(t.app, `query ($id: ID!) { bugReport(id: $id) { history { action from to } } }`, { id: bugId }, seed.adminToken);
    expect(bug.data.bugReport.history).toEqual([
      { action: 'severity_changed', from: 'medium', to: 'high' },
      { action: 'status_changed', from: 'open', to: 'triaged' },
      { action: 'submitted', from: null, to: 'open' },
    ]);
  });

  it('loads every card’s history of a 50-card board in a constant number of statements', async () => {
    while ((await t.db.prisma.report.count({ where: { projectId: seed.project.id } })) < 55) await submit('filler');
    const statements = async (first: number) => {
      // Warmed right before each count: the token and project caches live 5 s, which a loaded
      // machine can spend between two counts.
      await graphql(t.app, BOARD, { project: String(seed.project.id), first }, seed.adminToken);
      const before = await t.settledStatementCount();
      const result = await graphql(t.app, BOARD, { project: String(seed.project.id), first }, seed.adminToken);
      expect(result.data.project.reports.edges).toHaveLength(first);
      expect(result.data.project.reports.edges.every((e: { node: { history: unknown[] } }) => e.node.history.length > 0)).toBe(true);
      return t.db.statementCount() - before;
    };
    expect(await statements(50)).toBe(await statements(5));
  });
});
