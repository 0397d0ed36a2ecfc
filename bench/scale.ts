// `npx tsx bench/scale.ts --postgres` (BENCH_ROWS, default 200,000) — cost must stay flat as
// stored data grows. Fills one small project (1,000 rows of each kind) and one large one (N rows)
// through SQL, then times every list and filter a client can call on both, in the same run, and
// prints the ratio large/small (target ≤ 3×). Then streams the large project's whole kendo report
// list while polling /healthz, and reports the worst /healthz wait and the server's RSS growth
// (targets: < 100 ms, ≤ 150 MB; a page of 100 < 50 ms p50). The response cache is off.
import pg from 'pg';
import { startIntake, type BenchServer } from './lib.ts';

const N = Number(process.env.BENCH_ROWS ?? 200_000);
const SMALL = 1_000;
const REPEAT = 20;

const intake = await startIntake('scale', { GRAPHQL_CACHE_TTL_MS: '0' });
await intake.cli('user', 'create', '--email', 'scale@example.com', '--name', 'Scale Admin', '--admin');
const admin = (await intake.cli('token', 'create', '--name', 'scale', '--user', 'scale@example.com')).secret as string;
const small = await project(intake, 'small');
const large = await project(intake, 'large');

if (!intake.databaseUrl.startsWith('postgres')) throw new Error('bench/scale.ts fills the database by SQL from a second connection: run it with --postgres');
const db = new pg.Client({ connectionString: intake.databaseUrl });
await db.connect();
for (const [p, rows] of [[small, SMALL], [large, N]] as const) {
  const started = Date.now();
  await fill(p, rows);
  console.log(`filled ${p.slug}: ${rows.toLocaleString()} reports, error groups and bug reports in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
await db.query('ANALYZE');

const get = (path: string) => fetch(`${intake.url}${path}`, { headers: { authorization: `Bearer ${admin}` } });
const gql = (query: string, variables: object) =>
  fetch(`${intake.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });

type Probe = [label: string, call: (p: typeof small) => Promise<Response>];
const probes: Probe[] = [
  ['kendo reports ?per_page=100', (p) => get(`/api/projects/${p.id}/reports?per_page=100`)],
  ['kendo reports ?per_page=100&page=50', (p) => get(`/api/projects/${p.id}/reports?per_page=100&page=50`)],
  ['board: reports(first: 50)', (p) => gql(`query($p: ID!) { project(id: $p) { reports(first: 50) { edges { node { id title } } } } }`, { p: String(p.id) })],
  ['errorGroups first page', (p) => gql(`query($p: ID!) { project(id: $p) { errorGroups(first: 50) { edges { node { id } } } } }`, { p: String(p.id) })],
  ['errorGroups(search: rare term)', (p) => gql(`query($p: ID!) { project(id: $p) { errorGroups(filter: { search: "zebracorn" }) { edges { node { id } } } } }`, { p: String(p.id) })],
  ['errorGroups(environment: staging)', (p) => gql(`query($p: ID!) { project(id: $p) { errorGroups(filter: { environment: "staging" }, first: 50) { edges { node { id } } } } }`, { p: String(p.id) })],
  ['bugReports default page', (p) => gql(`query($w: String) { bugReports(first: 20, filter: { workspaceId: $w }) { edges { node { id } } } }`, { w: p.workspaceId })],
  ['bugReports critical+in_progress (0 rows)', (p) => gql(`query($w: String) { bugReports(first: 20, filter: { workspaceId: $w, severity: CRITICAL, status: IN_PROGRESS }) { edges { node { id } } } }`, { w: p.workspaceId })],
  ['bugReports status: resolved', (p) => gql(`query($w: String) { bugReports(first: 20, filter: { workspaceId: $w, status: RESOLVED }) { edges { node { id } } } }`, { w: p.workspaceId })],
  ['bugReports source: AUTO_AGENT', (p) => gql(`query($w: String) { bugReports(first: 20, filter: { workspaceId: $w, source: AUTO_AGENT }) { edges { node { id } } } }`, { w: p.workspaceId })],
];

const rows: Record<string, string | number>[] = [];
for (const [label, call] of probes) {
  const [a, b] = [await p50(() => call(small)), await p50(() => call(large))];
  rows.push({ list: label, [`${SMALL} ms p50`]: a, [`${N} ms p50`]: b, ratio: `${(b / Math.max(a, 0.1)).toFixed(1)}×` });
}
console.table(rows);

// The whole list of the large project, streamed, while /healthz is polled every 10 ms.
const rssBefore = intake.currentRssMb();
let worstHealth = 0;
let streaming = true;
const poll = (async () => {
  while (streaming) {
    const started = performance.now();
    await fetch(`${intake.url}/healthz`);
    worstHealth = Math.max(worstHealth, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
})();
const started = performance.now();
const response = await get(`/api/projects/${large.id}/reports`);
let bytes = 0;
const reader = response.body!.getReader();
for (let read = await reader.read(); !read.done; read = await reader.read()) bytes += read.value.length;
const seconds = (performance.now() - started) / 1000;
streaming = false;
await poll;
console.log(`full kendo list of ${N.toLocaleString()} reports: ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s (${intake.database})`);
console.log(`worst /healthz wait meanwhile: ${worstHealth.toFixed(0)} ms (target < 100 ms)`);
console.log(`server RSS: ${rssBefore} MB before, peak ${intake.peakRssMb()} MB (target: +150 MB at most)`);

await db.end();
await intake.close();

async function project(server: BenchServer, name: string) {
  const slug = `scale-${name}-${Date.now().toString(36)}`;
  const workspace = await server.cli('workspace', 'create', '--slug', slug, '--name', name);
  const { project } = await server.cli('project', 'create', '--workspace', slug, '--slug', slug, '--name', name);
  return { id: project.id as number, slug, workspaceId: (workspace.workspace?.id ?? workspace.id) as string };
}

/** N rows of each kind in one project, written by SQL (what years of use leave behind). */
async function fill(p: typeof small, rows: number) {
  await db.query(`
    INSERT INTO "Report" ("projectId", title, description, source, "order", "createdAt", "updatedAt")
    SELECT $1, 'Report ' || n, 'Feedback body ' || n, 1, n, now(), now() FROM generate_series(1, $2::int) AS n`, [p.id, rows]);
  // Words recombined per row; one group holds the rare term.
  await db.query(`
    INSERT INTO "ErrorGroup" ("projectId", environment, fingerprint, "exceptionClass", message, "stackTrace", "firstSeenAt", "lastSeenAt")
    SELECT $1, CASE WHEN n % 10 = 0 THEN 'staging' ELSE 'production' END, md5(n::text),
      (ARRAY['RuntimeException','TypeError','ValueError','NullPointerException'])[1 + n % 4] || n % 997,
      CASE WHEN n = $2::int / 2 THEN 'zebracorn overflow' ELSE (ARRAY['undefined index','connection reset','timeout after','invalid state'])[1 + n % 4] || ' ' || md5(n::text) END,
      '#0 app/Foo.php(1): f()', now() - (n || ' seconds')::interval, now() - (n || ' seconds')::interval
    FROM generate_series(1, $2::int) AS n`, [p.id, rows]);
  // No report is both critical and in progress: the empty filter of the issue.
  await db.query(`
    INSERT INTO "BugReport" (id, "workspaceId", source, severity, status, title, "occurredAt", "createdAt", "updatedAt")
    SELECT $1 || '-' || n, $1,
      (ARRAY['auto:server','auto:client','auto:agent','user:command'])[1 + n % 4]::"BugReportSource",
      (ARRAY['low','medium','high','critical'])[1 + n % 4],
      (CASE WHEN n % 4 = 3 AND (n / 4) % 5 = 2 THEN 'open' ELSE (ARRAY['open','triaged','in_progress','resolved','closed'])[1 + (n / 4) % 5] END),
      'Bug ' || n, now() - (n || ' seconds')::interval, now(), now()
    FROM generate_series(1, $2::int) AS n`, [p.workspaceId, rows]);
}

async function p50(call: () => Promise<Response>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEAT + 3; i++) {
    const started = performance.now();
    const response = await call();
    const body = await response.text();
    if (response.status !== 200 || body.includes('"errors"')) throw new Error(`${response.status} ${body.slice(0, 300)}`);
    if (i >= 3) times.push(performance.now() - started);
  }
  times.sort((x, y) => x - y);
  return Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
}

