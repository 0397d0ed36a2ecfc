// `npx tsx bench/board-query.ts [--postgres]` — the triage board's page: 50 reports with their
// attachments, author, project and promoted issue, against `{ __typename }` in the same run,
// with the response cache (target ≥ 25%) and without it (GRAPHQL_CACHE_TTL_MS=0: every request
// executes and queries the database; targets ≥ 10% on PostgreSQL, ≥ 5% and p99 < 500 ms on PGlite).
import { pngBytes } from '../test/fixtures/images.ts';
import { measure, report, seedProject, startIntake, type Figures } from './lib.ts';

/** BENCH_ROUNDS: baseline-then-board pairs per phase (default 3). */
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);

const PNG = pngBytes(1024);
const BOARD = `query Board($project: ID!) { project(id: $project) { reports(first: 50) { edges { node {
  id title status order source authorName reporter { id name } attachments { filename mimeType size url }
  project { id slug } issue { id title status } } } pageInfo { hasNextPage endCursor } } } }`;

async function boardRun(cache: 'cached' | 'uncached') {
  const intake = await startIntake('board', cache === 'uncached' ? { GRAPHQL_CACHE_TTL_MS: '0' } : {});
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
  const promote = await fetch(`${intake.url}/graphql`, { ...post(`mutation { promoteReports(input: { project: "${projectId}", reportIds: [1, 2, 3] }) { issue { id } userErrors { code } } }`) });
  const promoted = await promote.json();
  if (!promoted.data?.promoteReports?.issue) throw new Error(`promotion failed: ${JSON.stringify(promoted)}`);

  // This machine's speed drifts by up to a third between minutes: each round measures the
  // baseline and the board back to back, and the round with the median ratio is reported.
  const rounds: Array<{ hello: Figures; board: Figures }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const hello = await measure(`{ __typename } (${intake.database}, ${cache}, round ${round})`, post('{ __typename }'));
    const board = await measure(`50-report board (${intake.database}, ${cache}, round ${round})`, post(BOARD, { project: String(projectId) }));
    rounds.push({ hello, board });
  }
  const rss = intake.peakRssMb();
  await intake.close();
  const byRatio = rounds.toSorted((a, b) => a.board.requestsPerSecond / a.hello.requestsPerSecond - b.board.requestsPerSecond / b.hello.requestsPerSecond);
  return { ...byRatio[Math.floor(byRatio.length / 2)]!, rounds, rss };
}

const ratio = (run: { hello: Figures; board: Figures }) => `${((run.board.requestsPerSecond / run.hello.requestsPerSecond) * 100).toFixed(1)}%`;
const ratios = (run: Awaited<ReturnType<typeof boardRun>>) => `${ratio(run)} (rounds: ${run.rounds.map(ratio).join(', ')})`;

// BENCH_UNCACHED_ONLY=1 skips the cached phase (for profiling the uncached one).
if (process.env.BENCH_UNCACHED_ONLY) {
  const run = await boardRun('uncached');
  report(run.rounds.flatMap((r) => [r.hello, r.board]), { 'uncached board / __typename (median round)': ratios(run) });
  process.exit(0);
}
const cached = await boardRun('cached');
const uncached = await boardRun('uncached');
report([...cached.rounds, ...uncached.rounds].flatMap((r) => [r.hello, r.board]), {
  'cached board / __typename (median round)': `${ratios(cached)} (target ≥ 25%)`,
  'uncached board / __typename (median round)': `${ratios(uncached)} (targets: ≥ 10% PostgreSQL, ≥ 5% PGlite), p99 ${uncached.board.p99} ms, errors ${uncached.rounds.reduce((n, r) => n + r.board.errors, 0)}`,
  'Intake peak RSS': `${cached.rss} MB cached, ${uncached.rss} MB uncached`,
});
