// `npx tsx bench/finalize.ts [--postgres]` — a generated kensho run of 10,000 cases × 3 steps
// finalized three times (three runs on one branch, so the later ones compute regressions against
// a full previous run), then the run's cases read in pages of 1,000. The baseline is the same
// body POSTed to a bare Fastify route in the same run (transfer + JSON parse only).
// Targets: finalize < 3 s, server peak RSS < 400 MB, a page of 1,000 cases < 200 ms.
import { performance } from 'node:perf_hooks';
import { kenshoRun } from '../test/kensho-fixture.ts';
import { startBareRoute, startIntake } from './lib.ts';

const CASES = 10_000;
const slug = `bench-${Date.now().toString(36)}`;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: Math.round(performance.now() - started), value };
}

const bodies = [0, 1, 2].map((i) =>
  JSON.stringify({
    run: kenshoRun({
      id: `bench-${i}`,
      project: slug,
      cases: CASES,
      steps: 3,
      startedAt: new Date(Date.UTC(2026, 10, 30, 12, i)).toISOString(),
      statusOf: (c) => ((c + i) % 10 === 0 ? 'fail' : c % 25 === 24 ? 'skip' : 'pass'),
    }),
  }),
);
console.log(`body: ${(bodies[0]!.length / 1024 / 1024).toFixed(1)} MB, ${CASES} cases × 3 steps`);

const bare = await startBareRoute(201, '{}');
const baseline = await timed(() => fetch(`${bare.url}/v1/ingest/kensho/finalize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[0] }).then((r) => r.text()));
await bare.close();

const intake = await startIntake('finalize');
await intake.cli('workspace', 'create', '--slug', slug, '--name', 'Bench');
await intake.cli('project', 'create', '--workspace', slug, '--slug', slug, '--name', 'Bench');
const { secret } = await intake.cli('token', 'create', '--name', 'bench', '--workspace', slug);
const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };

const finalizes: number[] = [];
let runId = '';
for (const body of bodies) {
  const { ms, value } = await timed(async () => {
    const response = await fetch(`${intake.url}/v1/ingest/kensho/finalize`, { method: 'POST', headers, body });
    if (response.status !== 201) throw new Error(`finalize answered ${response.status}: ${(await response.text()).slice(0, 400)}`);
    return response.json() as Promise<{ internalRunId: string; regression: unknown }>;
  });
  finalizes.push(ms);
  runId = value.internalRunId;
  console.log(`finalize ${finalizes.length}: ${ms} ms, regression ${JSON.stringify(value.regression)}`);
}

const pages: number[] = [];
for (let round = 0; round < 3; round++) {
  let cursor: string | null = null;
  do {
    const { ms, value } = await timed(async () => {
      const response = await fetch(`${intake.url}/v1/runs/${runId}/cases${cursor ? `?cursor=${cursor}` : ''}`, { headers });
      return response.json() as Promise<{ items: unknown[]; nextCursor: string | null }>;
    });
    pages.push(ms);
    cursor = value.nextCursor;
  } while (cursor);
}
pages.sort((a, b) => a - b);
const rss = intake.peakRssMb();
await intake.close();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`database: ${intake.database}`);
console.log(`baseline (bare route, same body): ${baseline.ms} ms`);
console.log(`finalize: ${finalizes.join(' / ')} ms (median ${median(finalizes)} ms, ${(median(finalizes) / Math.max(1, baseline.ms)).toFixed(1)}× baseline; target < 3000)`);
console.log(`cases pages of 1,000: p50 ${median(pages)} ms, max ${pages.at(-1)} ms over ${pages.length} pages (target < 200)`);
console.log(`Intake peak RSS: ${rss} MB (target < 400)`);
