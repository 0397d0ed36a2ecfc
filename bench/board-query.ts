// `npx tsx bench/board-query.ts [--postgres]` — the triage board's page: 50 reports with their
// attachments, author, project and promoted issue, against `{ __typename }` in the same run,
// with the response cache (target ≥ 25%) and without it (GRAPHQL_CACHE_TTL_MS=0: every request
// executes and queries the database; targets ≥ 10% on PostgreSQL, ≥ 5% and p99 < 500 ms on PGlite).
import { pngBytes } from '../test/fixtures/images.ts';
import { load, report, seedProject, startIntake, type Figures } from './lib.ts';

/** BENCH_ROUNDS: rounds per phase, each one slice of `{ __typename }` and one of the board (default 6). */
const ROUNDS = Number(process.env.BENCH_ROUNDS || 6);
/** BENCH_SLICE_SECONDS: the length of each slice (default 5). */
const SLICE_SECONDS = Number(process.env.BENCH_SLICE_SECONDS || 5);

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

  // This machine's speed drifts by up to a half between minutes, and measuring the baseline for
  // 10 s and then the board for 10 s put that drift into the ratio (6–16% for one build). The two
  // run in short alternating slices instead (baseline first in odd rounds, board first in even
  // ones), and the ratio is of their totals: drift slower than a round cancels out.
  const hello = post('{ __typename }');
  const board = post(BOARD, { project: String(projectId) });
  await measureSlice('warm-up', { ...hello, duration: 2 });
  await measureSlice('warm-up', { ...board, duration: 2 });
  const rounds: Array<{ hello: Figures; board: Figures }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const slice = async (kind: 'hello' | 'board') =>
      kind === 'hello'
        ? measureSlice(`{ __typename } (${intake.database}, ${cache}, round ${round})`, { ...hello, duration: SLICE_SECONDS })
        : measureSlice(`50-report board (${intake.database}, ${cache}, round ${round})`, { ...board, duration: SLICE_SECONDS });
    if (round % 2 === 1) {
      const first = await slice('hello');
      rounds.push({ hello: first, board: await slice('board') });
    } else {
      const first = await slice('board');
      rounds.push({ board: first, hello: await slice('hello') });
    }
  }
  const rss = intake.peakRssMb();
  await intake.close();
  const total = (figures: Figures[]) => figures.reduce((sum, f) => sum + f.total, 0);
  const boards = rounds.map((r) => r.board);
  return {
    rounds,
    rss,
    ratio: total(boards) / total(rounds.map((r) => r.hello)),
    p99: Math.max(...boards.map((f) => f.p99)),
    errors: boards.reduce((n, f) => n + f.errors + f.non2xx, 0),
  };
}

/** One slice, then a second's pause: the server finishes what autocannon left in flight (see `measure`). */
async function measureSlice(label: string, options: Parameters<typeof load>[1]) {
  const figures = await load(label, options);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return figures;
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const ratios = (run: Awaited<ReturnType<typeof boardRun>>) =>
  `${percent(run.ratio)} (per round: ${run.rounds.map((r) => percent(r.board.total / r.hello.total)).join(', ')})`;

// BENCH_UNCACHED_ONLY=1 skips the cached phase (for profiling the uncached one).
if (process.env.BENCH_UNCACHED_ONLY) {
  const run = await boardRun('uncached');
  report(run.rounds.flatMap((r) => [r.hello, r.board]), { 'uncached board / __typename (all rounds)': `${ratios(run)}, worst slice p99 ${run.p99} ms, errors ${run.errors}` });
  process.exit(0);
}
const cached = await boardRun('cached');
const uncached = await boardRun('uncached');
report([...cached.rounds, ...uncached.rounds].flatMap((r) => [r.hello, r.board]), {
  'cached board / __typename (all rounds)': `${ratios(cached)} (target ≥ 25%)`,
  'uncached board / __typename (all rounds)': `${ratios(uncached)} (targets: ≥ 10% PostgreSQL, ≥ 5% PGlite), worst slice p99 ${uncached.p99} ms, errors ${uncached.errors}`,
  'Intake peak RSS': `${cached.rss} MB cached, ${uncached.rss} MB uncached`,
});
