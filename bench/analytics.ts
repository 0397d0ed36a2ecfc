// `npx tsx bench/analytics.ts [--postgres]` — 200 runs × 2,000 cases spread over 90 days, then:
// the 90-day pass-rate analytics (20 requests), and the flaky job after one more 2,000-case
// finalize (finalized → flakyCheckedAt, the server's own clock). Baseline: GET /healthz in the
// same run. Targets: analytics < 300 ms; the flaky job < 1 s.
import { performance } from 'node:perf_hooks';
import { kenshoRun } from '../test/kensho-fixture.ts';
import { startIntake } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const CASES = 2_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const slug = `bench-${Date.now().toString(36)}`;

const intake = await startIntake('analytics');
await intake.cli('workspace', 'create', '--slug', slug, '--name', 'Bench');
await intake.cli('project', 'create', '--workspace', slug, '--slug', slug, '--name', 'Bench');
const { secret } = await intake.cli('token', 'create', '--name', 'bench', '--workspace', slug);
const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };

const start = Date.now() - 89 * DAY_MS;
const finalize = async (i: number) => {
  // Every 50th case flips each run; the rest are stable (a few fail).
  const run = kenshoRun({ id: `r${i}`, project: slug, cases: CASES, steps: 1, startedAt: new Date(start + (i * 89 * DAY_MS) / RUNS).toISOString(), statusOf: (c) => (c % 50 === 0 ? (i % 2 ? 'fail' : 'pass') : c % 97 === 0 ? 'fail' : 'pass') });
  const response = await fetch(`${intake.url}/v1/ingest/kensho/finalize`, { method: 'POST', headers, body: JSON.stringify({ run }) });
  if (response.status !== 201) {
    const body = await response.text();
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the server's log line reaches stderr first
    throw new Error(`finalize ${i}: ${response.status} ${body}`);
  }
  return (await response.json()) as { internalRunId: string };
};
const loadStarted = performance.now();
// BENCH_PARALLEL finalizes at a time (4 by default, as a CI fleet pushes).
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);
for (let i = 0; i < RUNS; i += PARALLEL) await Promise.all(Array.from({ length: PARALLEL }, (_, k) => i + k).filter((n) => n < RUNS).map(finalize));
console.log(`loaded ${RUNS} runs × ${CASES} cases in ${Math.round((performance.now() - loadStarted) / 1000)} s`);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function time(url: string, count = 20) {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    await response.text();
    times.push(performance.now() - started);
  }
  return { p50: Math.round(median(times)), max: Math.round(Math.max(...times)) };
}
const health = await time(`${intake.url}/healthz`);
const analytics = await time(`${intake.url}/v1/projects/${slug}/analytics?metric=passrate&window=90d`);
const analyticsBody = await (await fetch(`${intake.url}/v1/projects/${slug}/analytics?metric=passrate&window=90d`, { headers })).json();

// The flaky job after one more finalize, as the server's clock saw it.
const { internalRunId } = await finalize(RUNS);
let checked: { createdAt: string; flakyCheckedAt: string | null; totals: { flaky: number } } | null = null;
for (let i = 0; i < 200 && !checked?.flakyCheckedAt; i++) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const response = await fetch(`${intake.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: `{ run(id: "${internalRunId}") { createdAt flakyCheckedAt totals { flaky } } }` }) });
  checked = (await response.json()).data.run;
}
const rss = intake.peakRssMb();
await intake.close();

console.log(`database: ${intake.database}`);
console.log(`baseline GET /healthz: p50 ${health.p50} ms`);
console.log(`analytics passrate 90d (${analyticsBody.aggregate.runs} runs): p50 ${analytics.p50} ms, max ${analytics.max} ms (target < 300)`);
console.log(`flaky job after a ${CASES}-case finalize: ${checked?.flakyCheckedAt ? Date.parse(checked.flakyCheckedAt) - Date.parse(checked.createdAt) : 'not done'} ms from finalized to checked, ${checked?.totals.flaky} flaky (target < 1000)`);
console.log(`Intake peak RSS: ${rss} MB`);
