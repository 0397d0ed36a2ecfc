// The kendo Reports API (every curl of the sending-reports guide), triage, and the GraphQL board.
import fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getNamedType, isLeafType, type GraphQLObjectType } from 'graphql';
import { encodeGlobalId } from '../src/graphql/node.ts';
import { schema } from '../src/graphql/schema.ts';
import { bearer, createTestApp, graphql, successData, type TestApp } from './helpers.ts';
import { grant, projectToken, seedWorkspace } from './fixtures.ts';
import { graphql as gql } from './gql/index.ts';
import { pngBytes } from './fixtures/images.ts';

let t: TestApp;
let seed: Awaited<ReturnType<typeof seedWorkspace>>;
let token: string;

beforeAll(async () => {
  t = await createTestApp({});
  seed = await seedWorkspace(t.operator);
  token = (await projectToken(t.operator, seed.project.id, ['report:create'])).secret;
});
afterAll(() => t.close());

const PNG = pngBytes;
const url = (projectId = seed.project.id, rest = '') => `/api/projects/${projectId}/reports${rest}`;

function postJson(body: unknown, secret: string | null = token, projectId = seed.project.id) {
  return t.app.inject({ method: 'POST', url: url(projectId), headers: { 'content-type': 'application/json', ...(secret ? bearer(secret) : {}) }, payload: JSON.stringify(body) });
}

function postMultipart(fields: Record<string, string>, files: Array<[string, Buffer, string]>, secret = token) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const [name, bytes, filename] of files) form.append(name, new Blob([new Uint8Array(bytes)]), filename);
  return t.app.inject({ method: 'POST', url: url(), headers: bearer(secret), payload: form });
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('POST /api/projects/{projectId}/reports', () => {
  it('creates the documented JSON report with a project token: 201, source 1, created_by null', async () => {
    const own = await seedWorkspace(t.operator); // its first report: order 1
    const ownToken = (await projectToken(t.operator, own.project.id, ['report:create'])).secret;
    const response = await postJson({ title: 'Deployment failed', description: 'Build #1234 failed with exit code 1. See logs at https://ci.example.com/1234', author_name: 'CI Pipeline' }, ownToken, own.project.id);
    expect(response.statusCode).toBe(201);
    const report = response.json();
    expect(report).toEqual({
      id: expect.any(Number), title: 'Deployment failed', description: 'Build #1234 failed with exit code 1. See logs at https://ci.example.com/1234',
      source: 1, author_name: 'CI Pipeline', project_id: own.project.id, created_by: null, promoted_issue_id: null, promoted_at: null,
      dismissed_at: null, order: 1, attachments_count: 0, created_at: expect.stringMatching(TIMESTAMP), updated_at: expect.stringMatching(TIMESTAMP),
    });
  });

  it('creates a multipart report with screenshots (files[0], files[]), storing identical bytes once', async () => {
    const shot = PNG(2048, 7);
    const response = await postMultipart({ title: 'Login button misaligned on mobile', description: 'See attached screenshot.', author_name: 'Feedback widget' }, [
      ['files[0]', shot, 'screenshot.png'],
      ['files[]', shot, 'same-again.png'],
    ]);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ title: 'Login button misaligned on mobile', attachments_count: 2, source: 1 });
    const attachments = await t.db.prisma.attachment.findMany({ where: { reportId: response.json().id } });
    expect(attachments.map((a) => a.mimeType)).toEqual(['image/png', 'image/png']);
    expect(new Set(attachments.map((a) => a.sha256)).size).toBe(1);
    expect(fs.readFileSync(t.app.services.blobs.pathOf(attachments[0]!.sha256))).toEqual(shot);
  });

  it('refuses a bad file type, a 3 MB + 1 file, or 6 files — and stores nothing', async () => {
    // Files, not directories: the first upload of a run creates the store's staging directory.
    const blobFiles = () => fs.readdirSync(t.config.storageDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
    const before = { reports: await t.db.prisma.report.count(), blobs: blobFiles() };
    const fresh = PNG(512, 42); // new bytes: would be a new blob
    const cases: Array<[Array<[string, Buffer, string]>, string, RegExp]> = [
      [[['files[0]', fresh, 'ok.png'], ['files[1]', Buffer.from('%PDF-1.7 not an image'), 'image.png']], 'files.1', /must be a file of type/],
      [[['files[0]', fresh, 'ok.png'], ['files[1]', PNG(3 * 1024 * 1024 + 1), 'huge.png']], 'files.1', /greater than 3072 kilobytes/],
      [Array.from({ length: 6 }, (_, i) => ['files[]', PNG(100, i + 100), `${i}.png`] as [string, Buffer, string]), 'files', /more than 5/],
    ];
    for (const [files, field, message] of cases) {
      const response = await postMultipart({ title: 'With files', description: 'x' }, files);
      expect(response.statusCode).toBe(422);
      expect(response.json().errors[field][0]).toMatch(message);
    }
    expect(await t.db.prisma.report.count()).toBe(before.reports);
    expect(blobFiles()).toBe(before.blobs);
  });

  it('validates fields the Laravel way', async () => {
    const missing = await postJson({ description: 'x' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json()).toEqual({ message: 'The title field is required.', errors: { title: ['The title field is required.'] } });
    const long = await postJson({ title: 'x'.repeat(256), description: 'x' });
    expect(long.json().errors.title).toEqual(['The title field must not be greater than 255 characters.']);
    expect((await postJson({ title: 'ok', description: 'x'.repeat(65_536) })).json().errors.description).toBeDefined();
    expect((await postJson({ title: 'x'.repeat(255), description: 'x'.repeat(65_535) })).statusCode).toBe(201);
  });

  it('answers 401, 403, 422 and 403 feature_restricted as documented', async () => {
    expect((await postJson({ title: 'a', description: 'b' }, null)).statusCode).toBe(401);
    const revoked = await projectToken(t.operator, seed.project.id, ['report:create'], { expiresAt: new Date(Date.now() + 60_000) });
    await t.db.prisma.apiToken.update({ where: { id: revoked.token.id }, data: { revokedAt: new Date() } });
    t.app.services.principals.forget();
    expect((await postJson({ title: 'a', description: 'b' }, revoked.secret)).statusCode).toBe(401);
    const errorsOnly = await projectToken(t.operator, seed.project.id, ['error-events:write']);
    expect((await postJson({ title: 'a', description: 'b' }, errorsOnly.secret)).statusCode).toBe(403);
    const other = await seedWorkspace(t.operator);
    const wrongProject = await postJson({ title: 'a', description: 'b' }, token, other.project.id);
    expect(wrongProject.statusCode).toBe(422);
    expect(wrongProject.json().errors.token).toBeDefined();
    const off = await seedWorkspace(t.operator, { features: ['error-tracking'] });
    const offToken = await projectToken(t.operator, off.project.id, ['report:create']);
    const restricted = await postJson({ title: 'a', description: 'b' }, offToken.secret, off.project.id);
    expect(restricted.statusCode).toBe(403);
    expect(restricted.json()).toMatchObject({ feature_restricted: true });
  });

  it('lets tokens call only POST …/reports', async () => {
    const list = await t.app.inject({ method: 'GET', url: url(), headers: bearer(token) });
    expect(list.statusCode).toBe(403);
  });

  it('gives 40 concurrent submissions the positions 1..40, each once', async () => {
    const own = await seedWorkspace(t.operator);
    const secret = (await projectToken(t.operator, own.project.id, ['report:create'])).secret;
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => postJson({ title: `burst ${i}`, description: 'x' }, secret, own.project.id)));
    expect(responses.every((r) => r.statusCode === 201)).toBe(true);
    expect(responses.map((r) => r.json().order).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('answers 429 with Retry-After past the per-token limit', async () => {
    const limited = await createTestApp({ rateLimits: { reports: 1 } });
    try {
      const own = await seedWorkspace(limited.operator);
      const secret = (await projectToken(limited.operator, own.project.id, ['report:create'])).secret;
      const send = () => limited.app.inject({ method: 'POST', url: url(own.project.id), headers: { 'content-type': 'application/json', ...bearer(secret) }, payload: { title: 'a', description: 'b' } });
      expect((await send()).statusCode).toBe(201);
      const refused = await send();
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('triage over REST', () => {
  let board: Awaited<ReturnType<typeof seedWorkspace>>;
  let submit: (title: string) => Promise<number>;
  const as = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, secret = seed.adminToken) =>
    t.app.inject({ method, url: url(board.project.id, path), headers: { 'content-type': 'application/json', ...bearer(secret) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
  const orderOf = async () => (await as('GET', '')).json().map((r: { id: number; order: number }) => [r.id, r.order]);

  // Each test gets a board of its own, so any of them runs alone (`vitest -t`) or in any order.
  beforeEach(async () => {
    board = await seedWorkspace(t.operator);
    const secret = (await projectToken(t.operator, board.project.id, ['report:create'])).secret;
    submit = async (title) => (await postJson({ title, description: title }, secret, board.project.id)).json().id;
  });
  const queueOf = async (count: number) => {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(await submit(`report ${i + 1}`));
    return ids;
  };

  it('lists reports in board order, as a bare array, for people with reports:read', async () => {
    const ids = [await submit('one'), await submit('two'), await submit('three')];
    expect(await orderOf()).toEqual([[ids[0], 1], [ids[1], 2], [ids[2], 3]]);
    await grant(t.operator, seed.member.email, board.project.id, ['reports:read']);
    expect((await as('GET', '', undefined, seed.memberToken)).statusCode).toBe(200);
    expect((await as('POST', '/reorder', { report_ids: ids }, seed.memberToken)).statusCode).toBe(403);
  });

  it('reorders with a full or partial list, keeping positions dense and unique', async () => {
    const [a, b, c] = await queueOf(3);
    expect((await as('POST', '/reorder', { report_ids: [c, a, b] })).statusCode).toBe(200);
    expect(await orderOf()).toEqual([[c, 1], [a, 2], [b, 3]]);
    await as('POST', '/reorder', { report_ids: [b, c] }); // only these two swap places
    expect(await orderOf()).toEqual([[b, 1], [a, 2], [c, 3]]);
    expect((await as('POST', '/reorder', { report_ids: [a, a] })).statusCode).toBe(422);
    expect((await as('POST', '/reorder', { report_ids: [999_999] })).statusCode).toBe(422);
  });

  it('never produces duplicate positions under concurrent reorders and submissions', async () => {
    const ids = await queueOf(3);
    // Twelve different orders, the same every run: rotations of the list, half of them reversed.
    const shuffles = Array.from({ length: 12 }, (_, i) => {
      const rotated = [...ids.slice(i % ids.length), ...ids.slice(0, i % ids.length)];
      return i % 2 ? rotated.reverse() : rotated;
    });
    const responses = await Promise.all([...shuffles.map((order) => as('POST', '/reorder', { report_ids: order })), submit('four'), submit('five')]);
    expect(responses.slice(0, 12).every((r) => (r as { statusCode: number }).statusCode === 200)).toBe(true);
    const orders = (await orderOf()).map(([, order]: [number, number]) => order);
    expect(orders).toEqual([1, 2, 3, 4, 5]);
  });

  it('promotes reports into one issue in one step, refusing ones already promoted or dismissed', async () => {
    const [a, b, c, d] = await queueOf(5);
    const dismissed = await as('POST', `/${d}/dismiss`);
    expect(dismissed.json()).toMatchObject({ id: d, dismissed_at: expect.stringMatching(TIMESTAMP) });
    expect((await as('POST', `/${d}/dismiss`)).statusCode).toBe(422);

    const refused = await as('POST', '/promote', { report_ids: [a, d] });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors['report_ids.1'][0]).toMatch(/dismissed/);
    expect((await t.db.prisma.report.findUniqueOrThrow({ where: { id: a } })).promotedIssueId).toBeNull(); // nothing half-done

    const promoted = await as('POST', '/promote', { report_ids: [a, b], title: 'Fix the pipeline' });
    expect(promoted.statusCode).toBe(201);
    const { issue, reports } = promoted.json();
    expect(issue).toMatchObject({ title: 'Fix the pipeline', status: 'open', project_id: board.project.id });
    expect(reports.map((r: { promoted_issue_id: number; promoted_at: string }) => [r.promoted_issue_id, TIMESTAMP.test(r.promoted_at)])).toEqual([[issue.id, true], [issue.id, true]]);
    expect((await as('POST', '/promote', { report_ids: [a] })).statusCode).toBe(422);

    const into = await as('POST', '/promote', { report_ids: [c], issue_id: issue.id });
    expect(into.statusCode).toBe(200);
    expect(into.json().issue.id).toBe(issue.id);
    expect((await as('GET', '?status=0')).json()).toHaveLength(1);
    expect((await as('GET', '?status=1')).json()).toHaveLength(3);
  });

  it('deletes permanently and closes the gap in the order', async () => {
    await queueOf(3);
    const before = await orderOf();
    const [first] = before[0];
    expect((await as('DELETE', `/${first}`)).statusCode).toBe(204);
    expect((await as('DELETE', `/${first}`)).statusCode).toBe(404);
    expect((await orderOf()).map(([, order]: [number, number]) => order)).toEqual(before.slice(1).map((_: unknown, i: number) => i + 1));
  });
});

const BOARD = gql(`
  query Board($project: ID!, $filter: ReportFilter, $first: Int) {
    project(id: $project) {
      reports(filter: $filter, first: $first) {
        edges { node { id title status order source authorName reporter { id } attachments { filename mimeType size url } project { id databaseId } issue { id databaseId title } } }
      }
    }
  }`);
const SUBMIT = gql(`
  mutation Submit($project: ID!, $title: String!, $description: String!) {
    submitReport(input: { project: $project, title: $title, description: $description }) { report { id databaseId source reporter { id } } userErrors { code } }
  }`);
const PROMOTE = gql(`
  mutation PromoteReports($project: ID!, $reportIds: [ID!]!) {
    promoteReports(input: { project: $project, reportIds: $reportIds }) { issue { id } reports { status } userErrors { code field message } }
  }`);
const UPDATE_ISSUE = gql(`mutation UpdateIssue($id: ID!, $status: IssueStatus) { updateIssue(input: { id: $id, status: $status }) { issue { status } userErrors { code } } }`);

/** Files `count` reports by project token (multipart, each with its PNGs); their ids in filing order. */
async function submitCards(projectId: number, count: number, card: (i: number) => { title: string; description: string; files: ReadonlyArray<readonly [Buffer, string]> }): Promise<number[]> {
  const secret = (await projectToken(t.operator, projectId, ['report:create'])).secret;
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const { title, description, files } = card(i);
    const form = new FormData();
    form.append('title', title);
    form.append('description', description);
    for (const [bytes, filename] of files) form.append('files[]', new Blob([new Uint8Array(bytes)]), filename);
    const sent = await t.app.inject({ method: 'POST', url: url(projectId), headers: bearer(secret), payload: form });
    expect(sent.statusCode).toBe(201);
    ids.push(sent.json().id);
  }
  return ids;
}

describe('the GraphQL triage board', () => {
  let board: Awaited<ReturnType<typeof seedWorkspace>>;

  beforeAll(async () => {
    board = await seedWorkspace(t.operator);
    const secret = (await projectToken(t.operator, board.project.id, ['report:create'])).secret;
    for (let i = 0; i < 50; i++) {
      const files: Array<[string, Buffer, string]> = [['files[]', PNG(80, i), `s${i}.png`]];
      const form = new FormData();
      form.append('title', `report ${i}`);
      form.append('description', 'from the widget');
      for (const [name, bytes, filename] of files) form.append(name, new Blob([new Uint8Array(bytes)]), filename);
      await t.app.inject({ method: 'POST', url: url(board.project.id), headers: bearer(secret), payload: form });
    }
    const ids = (await t.db.prisma.report.findMany({ where: { projectId: board.project.id }, take: 2, orderBy: { id: 'asc' } })).map((r) => r.id);
    await graphql(t.app, PROMOTE, { project: String(board.project.id), reportIds: ids }, seed.adminToken);
  });

  it('loads a 50-report page with attachments, project and promoted issue in a constant number of statements', async () => {
    const count = async (first: number) => {
      // warm the token and project caches with another page size (an identical query would be a
      // response-cache hit, which runs no SQL at all)
      await graphql(t.app, BOARD, { project: String(board.project.id), first: first - 1 }, seed.adminToken);
      const before = await t.settledStatementCount();
      const result = await graphql(t.app, BOARD, { project: String(board.project.id), first }, seed.adminToken);
      return { statements: t.db.statementCount() - before, edges: result.data.project!.reports!.edges };
    };
    const small = await count(5);
    const full = await count(50);
    expect(full.edges).toHaveLength(50);
    expect(full.edges[0]!.node).toMatchObject({
      status: 'PROMOTED', issue: { databaseId: expect.any(Number) }, attachments: [{ mimeType: 'image/png', size: 80 }],
      project: { id: encodeGlobalId('Project', board.project.id), databaseId: board.project.id },
    });
    expect(full.statements).toBe(small.statements);
    expect(full.statements).toBe(1); // the project row and its scope are cached per process (project-scope.ts)
  });

  it('answers a card’s reporter, issue and attachments the same when the report is read on its own (nodes, a mutation’s payload)', async () => {
    const own = await seedWorkspace(t.operator);
    const project = String(own.project.id);
    const secret = (await projectToken(t.operator, own.project.id, ['report:create'])).secret;
    const form = new FormData();
    form.append('title', 'With a file');
    form.append('description', 'd');
    form.append('files[]', new Blob([new Uint8Array(PNG(80, 7))]), 'shot.png');
    const sent = await t.app.inject({ method: 'POST', url: url(own.project.id), headers: bearer(secret), payload: form });
    expect(sent.statusCode).toBe(201);
    successData((await graphql(t.app, PROMOTE, { project, reportIds: [String(sent.json().id)] }, own.adminToken)).data.promoteReports);
    const filed = successData((await graphql(t.app, SUBMIT, { project, title: 'Read alone', description: 'd' }, own.adminToken)).data.submitReport);

    const CARD = 'id createdAt updatedAt promotedAt dismissedAt reporter { id name } issue { id title status } attachments { filename mimeType size url }';
    const cards = (await graphql(t.app, `query ($p: ID!) { project(id: $p) { reports(first: 10) { nodes { ${CARD} } } } }`, { p: project }, own.adminToken)).data.project.reports.nodes;
    expect(cards).toMatchObject([
      { reporter: null, issue: { title: 'With a file', status: 'OPEN' }, attachments: [{ filename: 'shot.png', mimeType: 'image/png', size: 80 }] },
      { id: filed.id, reporter: { id: own.admin.id }, issue: null, attachments: [] },
    ]);
    const alone = await graphql(t.app, `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Report { ${CARD} } } }`, { ids: cards.map((card: { id: string }) => card.id) }, own.adminToken);
    expect(alone.errors).toBeUndefined();
    expect(alone.data.nodes).toEqual(cards);
    const promoted = successData((await graphql(t.app, `mutation ($p: ID!, $ids: [ID!]!) { promoteReports(input: { project: $p, reportIds: $ids }) { issue { id } reports { ${CARD} } userErrors { code } } }`, { p: project, ids: [filed.id] }, own.adminToken)).data.promoteReports);
    expect(promoted.reports).toEqual([{ ...cards[1], promotedAt: expect.stringMatching(/Z$/), updatedAt: expect.stringMatching(/Z$/), issue: { id: promoted.issue.id, title: 'Read alone', status: 'OPEN' } }]);
  });

  it('reads each field of a card the same as the report read whole, whatever the page selects and however', async () => {
    // The page reads only the columns its fields use (board-page.ts): every Report field, and every
    // field of what a card links to, answers on the board exactly as on the report read by `nodes`.
    const own = await seedWorkspace(t.operator);
    const project = String(own.project.id);
    const ids = await submitCards(own.project.id, 3, (i) => ({
      title: `full ${i}`,
      description: `description ${i}`,
      files: Array.from({ length: i }, (_, f) => [PNG(70 + f, 300 + 10 * i + f), `full${i}-${f}.png`] as const),
    }));
    successData((await graphql(t.app, SUBMIT, { project, title: 'by a person', description: 'd' }, own.adminToken)).data.submitReport);
    successData((await graphql(t.app, PROMOTE, { project, reportIds: [String(ids[1])] }, own.adminToken)).data.promoteReports);
    const dismissed = await t.app.inject({ method: 'POST', url: url(own.project.id, `/${ids[2]}/dismiss`), headers: bearer(own.adminToken) });
    expect(dismissed.statusCode).toBe(200);

    // Every field without arguments, one level into each object it links to.
    const type = (name: string) => schema.getType(name) as GraphQLObjectType;
    const leaves = (of: GraphQLObjectType) => Object.values(of.getFields()).filter((f) => f.args.length === 0 && isLeafType(getNamedType(f.type))).map((f) => f.name);
    const selection = Object.values(type('Report').getFields())
      .filter((f) => f.args.length === 0)
      .map((f) => {
        const named = getNamedType(f.type);
        return isLeafType(named) ? f.name : `${f.name} { ${leaves(named as GraphQLObjectType).join(' ')} }`;
      })
      .join(' ');
    expect(selection).toContain('reporter {');
    const board = async (card: string, fragments = '') =>
      (await graphql(t.app, `query ($p: ID!) { project(id: $p) { reports(first: 10) { nodes { ${card} } } } } ${fragments}`, { p: project }, own.adminToken)).data.project.reports.nodes;
    const alone = async (card: string, ids: string[], fragments = '') => {
      const read = await graphql(t.app, `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Report { ${card} } } } ${fragments}`, { ids }, own.adminToken);
      expect(read.errors).toBeUndefined();
      return read.data.nodes;
    };
    const full = await board(`id ${selection}`);
    expect(full).toHaveLength(4);
    expect(full.map((card: { status: string }) => card.status).sort()).toEqual(['DISMISSED', 'PENDING', 'PENDING', 'PROMOTED']);
    expect(full.some((card: { reporter: unknown }) => card.reporter !== null)).toBe(true);
    const cardIds = full.map((card: { id: string }) => card.id);
    expect(full).toEqual(await alone(`id ${selection}`, cardIds));

    // Few fields, through fragments and aliases, each asking a different part of the same relation.
    const few = 'first: attachments { size } second: attachments { filename url } ... on Node { id } ...Card';
    const fragment = 'fragment Card on Report { status issue { title } reporter { name } viewerCanDelete }';
    const narrow = await board(few, fragment);
    expect(narrow).toEqual(await alone(few, cardIds, fragment));
    expect(narrow.find((card: { status: string }) => card.status === 'PROMOTED').issue).toEqual({ title: 'full 1' });

    // An author and an issue asked for their ids alone are the report's foreign keys: no join.
    const keysOnly = 'id reporter { id } issue { id databaseId }';
    expect(await board(keysOnly)).toEqual(await alone(keysOnly, cardIds));

    // The cards reached through a fragment on the connection and on its edges.
    const spread = await graphql(
      t.app,
      `query ($p: ID!) { project(id: $p) { reports(first: 10) { ...Page } } }
       fragment Page on ProjectReportsConnection { edges { ... on ProjectReportsConnectionEdge { node { id status reporter { name } } } } }`,
      { p: project },
      own.adminToken,
    );
    expect(spread.errors).toBeUndefined();
    expect(spread.data.project.reports.edges.map((edge: { node: unknown }) => edge.node)).toEqual(await alone('id status reporter { name }', cardIds));
  });

  it('pages forwards and backwards in board order, under status filters, each card with all its attachments', async () => {
    const own = await seedWorkspace(t.operator);
    const project = String(own.project.id);
    const ids = await submitCards(own.project.id, 7, (i) => ({
      title: `card ${i}`,
      description: 'd',
      files: Array.from({ length: i % 4 }, (_, f) => [PNG(60 + f, 100 * i + f), `card${i}-${f}.png`] as const),
    }));
    const rest = (method: 'GET' | 'POST', path: string, body?: unknown) =>
      t.app.inject({ method, url: url(own.project.id, path), headers: { 'content-type': 'application/json', ...bearer(own.adminToken) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
    expect((await rest('POST', '/reorder', { report_ids: [ids[4], ids[1], ids[6], ids[0], ids[5], ids[3], ids[2]] })).statusCode).toBe(200);
    expect((await rest('POST', '/promote', { report_ids: [ids[6], ids[3]] })).statusCode).toBeLessThan(300);
    expect((await rest('POST', `/${ids[1]}/dismiss`)).statusCode).toBe(200);
    const restOrder = async (status?: string) => (await rest('GET', status ? `?status=${status}` : '')).json().map((r: { id: number }) => r.id);

    const CARD = 'databaseId status attachments { filename size }';
    const PAGE = `query ($p: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: ReportFilter) {
      project(id: $p) { reports(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
        nodes { ${CARD} } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
    type Page = { nodes: Array<{ databaseId: number; status: string; attachments: Array<{ filename: string; size: number }> }>; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } };
    const page = async (variables: Record<string, unknown>): Promise<Page> => {
      const result = await graphql(t.app, PAGE, { p: project, ...variables }, own.adminToken);
      expect(result.errors).toBeUndefined();
      return result.data.project.reports;
    };
    const walk = async (direction: 'forwards' | 'backwards', filter?: { status: string[] }) => {
      const seen: Page['nodes'] = [];
      let cursor: string | null | undefined;
      for (;;) {
        const next = direction === 'forwards' ? await page({ first: 2, after: cursor, filter }) : await page({ last: 2, before: cursor, filter });
        if (direction === 'forwards') seen.push(...next.nodes);
        else seen.unshift(...next.nodes);
        const more = direction === 'forwards' ? next.pageInfo.hasNextPage : next.pageInfo.hasPreviousPage;
        if (!more) return seen;
        cursor = direction === 'forwards' ? next.pageInfo.endCursor : next.pageInfo.startCursor;
      }
    };

    const everything = await walk('forwards');
    expect(everything.map((card) => card.databaseId)).toEqual(await restOrder());
    expect(everything.map((card) => card.databaseId)).toEqual([ids[4], ids[1], ids[6], ids[0], ids[5], ids[3], ids[2]]);
    expect((await walk('backwards')).map((card) => card.databaseId)).toEqual(await restOrder());
    // Cards with several attachments are one card each, their files in upload order.
    const card = (id: number) => everything.find((c) => c.databaseId === id)!;
    expect(card(ids[3]!).attachments).toEqual([{ filename: 'card3-0.png', size: 60 }, { filename: 'card3-1.png', size: 61 }, { filename: 'card3-2.png', size: 62 }]);
    expect(card(ids[4]!).attachments).toEqual([]);
    expect(everything.map((c) => c.status)).toEqual(['PENDING', 'DISMISSED', 'PROMOTED', 'PENDING', 'PENDING', 'PROMOTED', 'PENDING']);
    for (const status of [['PENDING'], ['PROMOTED', 'DISMISSED']]) {
      const expected = (await Promise.all(status.map((s) => restOrder(String(['PENDING', 'PROMOTED', 'DISMISSED'].indexOf(s)))))).flat();
      const forwards = (await walk('forwards', { status })).map((c) => c.databaseId);
      expect(forwards.toSorted()).toEqual(expected.toSorted());
      expect(forwards).toEqual(everything.map((c) => c.databaseId).filter((id) => expected.includes(id)));
      expect((await walk('backwards', { status })).map((c) => c.databaseId)).toEqual(forwards);
    }
    // The last two, and nothing past either end.
    expect((await page({ last: 2 })).nodes.map((c) => c.databaseId)).toEqual([ids[3], ids[2]]);
    const end = await page({ first: 7 });
    expect(end.pageInfo.hasNextPage).toBe(false);
    expect((await page({ first: 2, after: end.pageInfo.endCursor })).nodes).toEqual([]);
    expect((await page({ last: 2, before: end.pageInfo.startCursor })).nodes).toEqual([]);

    // A page that selects no card still pages.
    const bare = await graphql(t.app, 'query ($p: ID!) { project(id: $p) { reports(first: 2) { edges { cursor } pageInfo { hasNextPage } } } }', { p: project }, own.adminToken);
    expect(bare.errors).toBeUndefined();
    expect(bare.data.project.reports).toEqual({ edges: [{ cursor: expect.any(String) }, { cursor: expect.any(String) }], pageInfo: { hasNextPage: true } });
    // Cursors the board never gave out (another type, a fraction, past int4, null) are refused as the client's mistake.
    for (const chunk of ['S:abc', 'N:1.5', 'N:99999999999', 'Z:', 'N:-1']) {
      const forged = await graphql(t.app, PAGE, { p: project, first: 2, after: Buffer.from(`GPC:${chunk}`).toString('base64') }, own.adminToken);
      expect(forged.errors?.[0]?.extensions?.code, chunk).not.toBe('internal');
      expect(forged.data.project.reports, chunk).toBeNull();
    }
  });

  it('answers every stored time exactly, whatever its fraction of a second (PostgreSQL trims trailing zeros)', async () => {
    const own = await seedWorkspace(t.operator);
    const times = ['2026-01-02T03:04:05.000Z', '2026-01-02T03:04:05.100Z', '2026-01-02T03:04:05.120Z', '2026-01-02T03:04:05.123Z', '1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z'];
    for (const [i, at] of times.entries()) {
      await t.db.prisma.report.create({ data: { projectId: own.project.id, title: `t${i}`, description: 'd', source: 1, order: i + 1, createdAt: new Date(at), updatedAt: new Date(at), dismissedAt: new Date(at) } });
    }
    const board = await graphql(t.app, 'query ($p: ID!) { project(id: $p) { reports(first: 10) { nodes { createdAt updatedAt dismissedAt } } } }', { p: String(own.project.id) }, own.adminToken);
    expect(board.data.project.reports.nodes).toEqual(times.map((at) => ({ createdAt: at, updatedAt: at, dismissedAt: at })));
  });

  it('serves attachment bytes at their URL, only to callers who may read the project', async () => {
    const { edges } = (await graphql(t.app, BOARD, { project: String(board.project.id), first: 3 }, seed.adminToken)).data.project!.reports!;
    const attachmentUrl = new URL(edges[2]!.node.attachments[0]!.url);
    const bytes = await t.app.inject({ method: 'GET', url: attachmentUrl.pathname, headers: bearer(seed.adminToken) });
    expect(bytes.statusCode).toBe(200);
    expect(bytes.headers['content-type']).toBe('image/png');
    expect(bytes.rawPayload).toEqual(PNG(80, 2));
    const stranger = await seedWorkspace(t.operator);
    expect((await t.app.inject({ method: 'GET', url: attachmentUrl.pathname, headers: bearer(stranger.memberToken) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: attachmentUrl.pathname })).statusCode).toBe(401);
  });

  it('files a person’s report as source PERSON with its author, and filters the board by status', async () => {
    const filed = successData((await graphql(t.app, SUBMIT, { project: String(board.project.id), title: 'From the board', description: 'typo' }, seed.adminToken)).data.submitReport);
    expect(filed).toMatchObject({ source: 'PERSON', reporter: { id: seed.admin.id } });
    const promoted = (await graphql(t.app, BOARD, { project: String(board.project.id), filter: { status: ['PROMOTED'] }, first: 50 }, seed.adminToken)).data.project!.reports!.edges;
    expect(promoted).toHaveLength(2);
    const again = (await graphql(t.app, PROMOTE, { project: String(board.project.id), reportIds: [promoted[0]!.node.id] }, seed.adminToken)).data.promoteReports;
    expect(again?.userErrors).toMatchObject([{ code: 'VALIDATION_FAILED' }]);
    const issueId = promoted[0]!.node.issue!.id;
    expect(successData((await graphql(t.app, UPDATE_ISSUE, { id: issueId, status: 'IN_PROGRESS' }, seed.adminToken)).data.updateIssue).status).toBe('IN_PROGRESS');
    expect((await graphql(t.app, UPDATE_ISSUE, { id: issueId, status: 'DONE' }, seed.memberToken)).data.updateIssue?.userErrors).toMatchObject([{ code: 'NOT_FOUND' }]);
  });

  it('streams reportQueueChanged to a subscriber over SSE when a report arrives', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const response = await fetch(`${address}/graphql`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${seed.adminToken}` },
      body: JSON.stringify({ query: `subscription { reportQueueChanged(projectId: ${board.project.id}) { projectId reportId change report { databaseId title status } } }` }),
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    // The subscription is live once the server has set it up; until an event arrives, keep
    // submitting (a slow machine must not make this test flaky).
    const submitted: number[] = [];
    let text = '';
    const reading = (async () => {
      while (!text.includes('"change"')) text += new TextDecoder().decode((await reader.read()).value);
    })();
    for (let attempt = 0; attempt < 20 && !text.includes('"change"'); attempt++) {
      const created = (await graphql(t.app, SUBMIT, { project: String(board.project.id), title: 'Live', description: 'x' }, seed.adminToken)).data.submitReport;
      submitted.push(successData(created).databaseId);
      await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 250))]);
    }
    await reading;
    controller.abort();
    const event = JSON.parse(/data: (.*)/.exec(text)![1]!);
    expect(submitted).toContain(event.data.reportQueueChanged.reportId);
    expect(event.data.reportQueueChanged).toMatchObject({ projectId: board.project.id, change: 'CREATED', report: { databaseId: event.data.reportQueueChanged.reportId, title: 'Live', status: 'PENDING' } });
  });
});

describe('GraphQL uploads', () => {
  it('submits a report with files through the GraphQL multipart request spec, checked like REST', async () => {
    const upload = (files: Buffer[]) => {
      const form = new FormData();
      form.append('operations', JSON.stringify({
        query: 'mutation ($project: ID!, $files: [File!]) { submitReport(input: { project: $project, title: "Shot", description: "via GraphQL", files: $files }) { report { attachments { mimeType size } } userErrors { code field message } } }',
        variables: { project: String(seed.project.id), files: files.map(() => null) },
      }));
      form.append('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.files.${i}`]]))));
      files.forEach((bytes, i) => form.append(String(i), new Blob([new Uint8Array(bytes)]), `f${i}.png`));
      return t.app.inject({ method: 'POST', url: '/graphql', headers: bearer(seed.adminToken), payload: form });
    };
    const ok = await upload([PNG(300, 9)]);
    expect(ok.json().data.submitReport).toEqual({ report: { attachments: [{ mimeType: 'image/png', size: 300 }] }, userErrors: [] });
    const bad = await upload([PNG(300, 9), Buffer.from('plain text, not an image')]);
    expect(bad.json().data.submitReport).toMatchObject({ report: null, userErrors: [{ code: 'VALIDATION_FAILED', field: ['files', '1'] }] });
  });
});

describe('single-record lookups', () => {
  it('read a report once (no second read after authorizing) and answer a stranger exactly as for an id that does not exist', async () => {
    const own = await seedWorkspace(t.operator);
    const secret = (await projectToken(t.operator, own.project.id, ['report:create'])).secret;
    const id = (await postJson({ title: 'look me up', description: 'x' }, secret, own.project.id)).json().id as number;
    const lookup = (reportId: number, who: string) => graphql(t.app, `query ($id: ID!) { report(id: $id) { id databaseId title project { id } } }`, { id: reportId }, who);
    await lookup(id + 100_000, own.adminToken); // warms the token cache (an identical query would be a cache hit)
    const before = await t.settledStatementCount();
    expect((await lookup(id, own.adminToken)).data.report).toMatchObject({ id: encodeGlobalId('Report', id), databaseId: id, title: 'look me up' });
    expect(t.db.statementCount() - before).toBeLessThanOrEqual(2); // the report (project joined in); the project scope is cached
    const stranger = await lookup(id, seed.memberToken);
    const missing = await lookup(99_999_999, seed.memberToken);
    expect(stranger.errors).toEqual(missing.errors);
    expect(stranger.errors?.[0]?.message).toBe('Report not found.');
  });
});

describe('the board response cache', () => {
  it('answers a repeated board query without SQL, per credential, and drops it when the queue changes', async () => {
    const own = await seedWorkspace(t.operator);
    const secret = (await projectToken(t.operator, own.project.id, ['report:create'])).secret;
    await postJson({ title: 'first', description: 'x' }, secret, own.project.id);
    const variables = { project: String(own.project.id), first: 10 };
    const titles = async (who: string) => (await graphql(t.app, BOARD, variables, who)).data.project?.reports?.edges.map((e) => e.node.title);

    expect(await titles(seed.adminToken)).toEqual(['first']);
    const before = await t.settledStatementCount();
    expect(await titles(seed.adminToken)).toEqual(['first']);
    expect(t.db.statementCount() - before).toBe(0);

    expect(await titles(own.memberToken)).toEqual(['first']); // another credential: its own entry
    expect(await titles(seed.memberToken)).toBeUndefined(); // never someone else's

    await postJson({ title: 'second', description: 'x' }, secret, own.project.id); // through REST
    expect(await titles(seed.adminToken)).toEqual(['first', 'second']);
  });

  it("drops only the changed project's pages: another tenant's submission leaves a cached board alone", async () => {
    const mine = await seedWorkspace(t.operator);
    const theirs = await seedWorkspace(t.operator);
    const mySecret = (await projectToken(t.operator, mine.project.id, ['report:create'])).secret;
    const theirSecret = (await projectToken(t.operator, theirs.project.id, ['report:create'])).secret;
    await postJson({ title: 'mine', description: 'x' }, mySecret, mine.project.id);
    const board = () => graphql(t.app, BOARD, { project: String(mine.project.id), first: 10 }, mine.adminToken);
    await board();
    await postJson({ title: 'theirs', description: 'x' }, theirSecret, theirs.project.id);
    const before = await t.settledStatementCount();
    expect((await board()).data.project?.reports?.edges.map((e) => e.node.title)).toEqual(['mine']);
    expect(t.db.statementCount() - before).toBe(0); // still served from the cache
  });
});
