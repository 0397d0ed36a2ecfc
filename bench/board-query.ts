// `npx tsx bench/board-query.ts [--postgres]` — the triage board's page: 50 reports with their
// attachments, author, project and promoted issue, against `{ __typename }` in the same run.
// Target: ≥ 25% of the `{ __typename }` rate. GRAPHQL_CACHE_TTL_MS=0 measures it without the
// response cache (every request executes and queries the database).
import { measure, report, seedProject, startIntake } from './lib.ts';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(1024, 1)]);
const BOARD = `query Board($project: ID!) { project(id: $project) { reports(first: 50) { edges { node {
  id title status order source authorName author { id name } attachments { filename mimeType size url }
  project { id slug } promotedIssue { id title status } } } pageInfo { hasNextPage endCursor } } } }`;

const intake = await startIntake('board');
const { projectId, secret } = await seedProject(intake, ['report:create']);
await intake.cli('user', 'create', '--email', 'bench@example.com', '--name', 'Bench Admin', '--admin');
const admin = (await intake.cli('token', 'create', '--name', 'board', '--user', 'bench@example.com')).secret as string;
for (let i = 0; i < 50; i++) {
  const form = new FormData();
  form.append('title', `Report ${i}`);
  form.append('description', 'From the feedback widget.');
  form.append('files[]', new Blob([new Uint8Array(PNG)]), `shot-${i}.png`);
  const response = await fetch(`${intake.url}/api/projects/${projectId}/reports`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: form });
  if (response.status !== 201) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
}
const post = (query: string, variables = {}) => ({
  url: `${intake.url}/graphql`,
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
  body: JSON.stringify({ query, variables }),
});
const promote = await fetch(`${intake.url}/graphql`, { ...post(`mutation { promoteReports(project: "${projectId}", reportIds: [1, 2, 3]) { __typename } }`) });
if (!(await promote.text()).includes('Success')) throw new Error('promotion failed');

const hello = await measure(`{ __typename } (${intake.database})`, post('{ __typename }'));
const board = await measure(`50-report board (${intake.database})`, post(BOARD, { project: String(projectId) }));
const rss = intake.peakRssMb();
await intake.close();
report([hello, board], { 'board / __typename': `${Math.round((board.requestsPerSecond / hello.requestsPerSecond) * 100)}% (target ≥ 25%)`, 'Intake peak RSS': `${rss} MB` });
