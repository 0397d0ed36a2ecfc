// `npx tsx bench/error-ingest.ts [--postgres]` — kendo error events through the whole stack,
// 50 connections, 80% repeats of 50 fingerprints and 20% new ones, against a bare Fastify route
// answering 202 in the same run. Targets: ≥ 3,000 events/s, p99 < 100 ms, RSS < 300 MB.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { measure, report, seedProject, startBareRoute, startIntake } from './lib.ts';

const FRAMES = ['app/Http/Controllers/OrderController.php', 'app/Services/Billing.php', 'app/Jobs/SyncUsage.php', 'vendor/laravel/framework/src/Pipeline.php'];
let sequence = 0;

/** A realistic event body: most are repeats of a known fault, some are new faults. */
function eventBody(): string {
  const known = Math.random() < 0.8;
  const fault = known ? crypto.randomInt(50) : `new-${process.pid}-${sequence++}`;
  const server = Math.random() < 0.5 ? '/var/www/' : '/home/forge/';
  const trace = FRAMES.map((file, i) => `#${i} ${server}${file}(${10 + i}): fault${fault}()`).join('\n');
  return JSON.stringify({
    environment: Math.random() < 0.9 ? 'production' : 'staging',
    release: `v1.${crypto.randomInt(5)}.0`,
    exception_class: `App\\Exceptions\\Fault${fault}Exception`,
    message: `Something failed for order ${crypto.randomInt(1_000_000)}`,
    stack_trace: `${trace}\n#${FRAMES.length} {main}`,
  });
}

const bare = await startBareRoute(202, '');
const baseline = await measure('bare Fastify route (202)', {
  url: `${bare.url}/api/projects/1/error-events`,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  requests: [{ setupRequest: (request) => ({ ...request, body: eventBody() }) }],
});
await bare.close();

const intake = await startIntake('errors', { WEBHOOKS_ALLOW_PRIVATE: '1', ...(process.env.QUEUE_WORKER ? { QUEUE_WORKER: process.env.QUEUE_WORKER } : {}) });
const { projectId, secret, slug } = await seedProject(intake, ['error-events:write']);
const ingest = await measure(`Intake error events (${intake.database})`, {
  url: `${intake.url}/api/projects/${projectId}/error-events`,
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
  requests: [{ setupRequest: (request) => ({ ...request, body: eventBody() }) }],
});
const rss = intake.peakRssMb();

// The same load with a webhook subscribed to error_group.created (a receiver answering 200 and
// counting): every new group enqueues its event inside the upsert statement. Target: within 10%.
// The queue worker yields while requests pour in, so the bench also reports how many deliveries
// arrived during the load and how long the rest took to drain after it.
let received = 0;
const receiverServer = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received += 1;
    response.end();
  });
});
await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
const receiver = { url: `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}`, close: () => new Promise((resolve) => receiverServer.close(resolve)) };
const { secret: admin } = await intake.cli('token', 'create', '--name', 'hooks', '--workspace', slug);
const hooked = await fetch(`${intake.url}/v1/projects/${slug}/webhooks`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
  body: JSON.stringify({ url: `${receiver.url}/hook`, events: ['error_group.created'] }),
});
if (hooked.status !== 201) throw new Error(`webhook registration answered ${hooked.status}: ${await hooked.text()}`);
const groupCount = async () => {
  const response = await fetch(`${intake.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({ query: `{ project(id: "${projectId}") { errorGroups(first: 1) { totalCount } } }` }),
  });
  return ((await response.json()) as { data: { project: { errorGroups: { totalCount: number } } } }).data.project.errorGroups.totalCount;
};
const groupsBefore = await groupCount();
const withWebhook = await measure(`… with a webhook on error_group.created`, {
  url: `${intake.url}/api/projects/${projectId}/error-events`,
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
  requests: [{ setupRequest: (request) => ({ ...request, body: eventBody() }) }],
});
const duringLoad = received;
const loadEnded = performance.now();
// Every group created during the load is owed one delivery: wait for all of them (at most 3 min).
const expected = (await groupCount()) - groupsBefore;
while (received < expected && performance.now() - loadEnded < 180_000) await new Promise((resolve) => setTimeout(resolve, 100));
const drainedAt = performance.now();
await intake.close();
await receiver.close();

report([baseline, ingest, withWebhook], {
  'Intake / bare': `${Math.round((ingest.requestsPerSecond / baseline.requestsPerSecond) * 100)}%`,
  'with webhook / without': `${Math.round((withWebhook.requestsPerSecond / ingest.requestsPerSecond) * 100)}% (target ≥ 90%)`,
  'webhook deliveries': `${received} of ${expected} (one per new group): ${duringLoad} during the load, all ${received >= expected ? 'delivered' : 'NOT delivered'} ${((drainedAt - loadEnded) / 1000).toFixed(1)} s after it`,
  'events/s': `${ingest.requestsPerSecond} (target ≥ 3000), p99 ${ingest.p99} ms (target < 100)`,
  'Intake peak RSS': `${rss} MB (target ≤ ${intake.database === 'PGlite' ? 450 : 300}, issue 9)`,
});
