// Outbound webhooks through the public surface, with a receiver in the test process: signed
// deliveries (verified by the README's own example), retries with the same event id, a lapsed
// claim (a runner killed mid-job) running again, nothing for a rolled-back change, filters, Slack
// format, 410 Gone, private addresses refused, tenants kept apart.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueQueuedJobs } from '../src/jobs/queue.ts';
import { runDueRecurringJobs } from '../src/jobs/recurring.ts';
import { JOB_KINDS, RECURRING_JOBS } from '../src/modules/index.ts';
import { emitEvents } from '../src/modules/webhooks/events.ts';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, graphql, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';
import { kenshoRun } from './kensho-fixture.ts';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver answering each request of a path with the next scripted status (then 200). */
function startReceiver() {
  const received: Received[] = [];
  const scripts = new Map<string, number[]>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      response.statusCode = scripts.get(request.url ?? '')?.shift() ?? 200;
      response.end('ok');
    });
  });
  return {
    received,
    script: (pathName: string, statuses: number[]) => scripts.set(pathName, statuses),
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let t: TestApp;
const receiver = startReceiver();
let base: string;
let verifyIntakeSignature: (header: string, body: string, secret: string, toleranceSeconds?: number) => boolean;

beforeAll(async () => {
  t = await createTestApp({ webhooksAllowPrivate: true, graphqlCacheTtlMs: 0 });
  base = await receiver.listen();
  // The README's verification example, run as written.
  const readme = fs.readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const code = /<!-- verify-signature -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verify-')), 'verify.mjs');
  fs.writeFileSync(file, code!);
  ({ verifyIntakeSignature } = await import(file));
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});

/** Runs the queue until nothing is due. */
async function drainQueue() {
  while ((await runDueQueuedJobs(t.app.services, JOB_KINDS)) > 0);
}

async function tenant() {
  const seed = await seedWorkspace(t.operator);
  const token = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ops', workspace: seed.workspace.slug })).secret;
  return { ...seed, token };
}

const register = (who: Awaited<ReturnType<typeof tenant>>, body: object) =>
  t.app.inject({ method: 'POST', url: `/v1/projects/${who.project.slug}/webhooks`, headers: { ...bearer(who.token), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
const deliveriesTo = (pathName: string) => receiver.received.filter((request) => request.path === pathName);

describe('webhooks', () => {
  it('stores a lone surrogate or a NUL in a branch or environment filter as U+FFFD', async () => {
    const who = await tenant();
    const created = await register(who, { url: `${base}/odd`, events: ['run.finalized'], branches: ['main\ud800', 'x\u0000'], environments: ['\udfffprod'] });
    expect(created.statusCode).toBe(201);
    const stored = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.json().id } });
    expect([stored.branches, stored.environments]).toEqual([['main\uFFFD', 'x\uFFFD'], ['\uFFFDprod']]);
  });

  it('delivers a signed report.created that the README’s code verifies; lists without the secret', async () => {
    const who = await tenant();
    const created = await register(who, { url: `${base}/reports`, events: ['report.created'] });
    expect(created.statusCode).toBe(201);
    const { secret, id } = created.json();
    expect(secret).toMatch(/^whsec_/);
    const listed = await t.app.inject({ method: 'GET', url: `/v1/projects/${who.project.slug}/webhooks`, headers: bearer(who.token) });
    expect(listed.json()).toEqual([expect.objectContaining({ id, url: `${base}/reports`, events: ['report.created'], format: 'json', active: true })]);
    expect(JSON.stringify(listed.json())).not.toContain(secret);

    const ingest = (await projectToken(t.operator, who.project.id, ['report:create'])).secret;
    const report = await t.app.inject({ method: 'POST', url: `/api/projects/${who.project.id}/reports`, headers: bearer(ingest), payload: { title: 'Broken button', description: 'd' } });
    expect(report.statusCode).toBe(201);
    await drainQueue();
    const [delivery] = deliveriesTo('/reports');
    expect(deliveriesTo('/reports')).toHaveLength(1);
    const body = JSON.parse(delivery!.body);
    expect(body).toEqual({
      id: expect.stringMatching(/^evt_/), type: 'report.created', createdAt: expect.any(String),
      project: { id: who.project.publicId, slug: who.project.slug }, data: expect.objectContaining({ id: report.json().id, title: 'Broken button' }),
    });
    expect(delivery!.headers['x-intake-event']).toBe('report.created');
    expect(delivery!.headers['x-intake-delivery']).toBe(body.id);
    expect(verifyIntakeSignature(String(delivery!.headers['x-intake-signature']), delivery!.body, secret)).toBe(true);
    expect(verifyIntakeSignature(String(delivery!.headers['x-intake-signature']), delivery!.body.replace('Broken', 'Fixed'), secret)).toBe(false);
    expect(verifyIntakeSignature(String(delivery!.headers['x-intake-signature']), delivery!.body, 'whsec_wrong')).toBe(false);
    const old = `t=${Math.floor(Date.now() / 1000) - 3600},v1=${String(delivery!.headers['x-intake-signature']).split('v1=')[1]}`;
    expect(verifyIntakeSignature(old, delivery!.body, secret)).toBe(false);
  });

  it('retries a 500 with backoff and delivers once, with the same event id; a dead delivery shows as dead', async () => {
    const who = await tenant();
    await register(who, { url: `${base}/flaky`, events: ['run.finalized'] });
    receiver.script('/flaky', [500]);
    const run = await t.app.inject({ method: 'POST', url: '/v1/ingest/kensho/finalize', headers: { ...bearer(who.token), 'content-type': 'application/json' }, payload: JSON.stringify({ run: kenshoRun({ project: who.project.slug }) }) });
    expect(run.statusCode).toBe(201);
    await drainQueue();
    expect(deliveriesTo('/flaky')).toHaveLength(1);
    const gql = `query ($p: ID!) { project(id: $p) { webhooks { deliveries(first: 5) { nodes { id status attempts lastStatusCode nextAttemptAt eventId } } } } }`;
    const failed = (await graphql(t.app, gql, { p: String(who.project.id) }, who.adminToken)).data.project.webhooks[0].deliveries.nodes[0];
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 1, lastStatusCode: 500 });
    expect(Date.parse(failed.nextAttemptAt)).toBeGreaterThan(t.clock.now().getTime());
    await drainQueue();
    expect(deliveriesTo('/flaky')).toHaveLength(1); // not due yet
    t.clock.advance(60_000);
    await drainQueue();
    const attempts = deliveriesTo('/flaky');
    expect(attempts).toHaveLength(2);
    expect(JSON.parse(attempts[1]!.body).id).toBe(JSON.parse(attempts[0]!.body).id);
    const delivered = (await graphql(t.app, gql, { p: String(who.project.id) }, who.adminToken)).data.project.webhooks[0].deliveries.nodes[0];
    expect(delivered).toMatchObject({ status: 'DELIVERED', attempts: 2, lastStatusCode: 200, nextAttemptAt: null });
    await drainQueue();
    t.clock.advance(24 * 60 * 60 * 1000);
    await drainQueue();
    expect(deliveriesTo('/flaky')).toHaveLength(2); // delivered means done

    // Redelivery on request: the same event again.
    const again = await graphql(t.app, `mutation ($id: ID!) { redeliverWebhookDelivery(input: { id: $id }) { delivery { status } userErrors { code } } }`, { id: delivered.id }, who.adminToken);
    expect(again.data.redeliverWebhookDelivery.delivery.status).toBe('PENDING');
    await drainQueue();
    expect(deliveriesTo('/flaky').map((r) => JSON.parse(r.body).id)).toEqual(Array(3).fill(delivered.eventId));

    // Always failing: dead after the last attempt, visible to administrators.
    await register(who, { url: `${base}/down`, events: ['report.created'] });
    receiver.script('/down', Array(20).fill(503));
    const ingest = (await projectToken(t.operator, who.project.id, ['report:create'])).secret;
    await t.app.inject({ method: 'POST', url: `/api/projects/${who.project.id}/reports`, headers: bearer(ingest), payload: { title: 'x', description: 'd' } });
    for (let i = 0; i < 14; i++) {
      await drainQueue();
      t.clock.advance(25 * 60 * 60 * 1000);
    }
    expect(deliveriesTo('/down')).toHaveLength(12);
    const dead = await graphql(t.app, `{ jobs(first: 50, filter: { status: [DEAD] }) { nodes { kind attempts lastError } } }`, {}, who.adminToken);
    expect(dead.data.jobs.nodes).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'webhook.deliver', attempts: 12, lastError: 'the receiver answered 503' })]));
    expect((await graphql(t.app, `{ jobs(first: 1) { nodes { id } } }`, {}, who.memberToken)).data.jobs).toBeNull();
  });

  it('runs a job again when its runner died holding it (the claim lapses)', async () => {
    const who = await tenant();
    await register(who, { url: `${base}/lapse`, events: ['report.created'] });
    const ingest = (await projectToken(t.operator, who.project.id, ['report:create'])).secret;
    await t.app.inject({ method: 'POST', url: `/api/projects/${who.project.id}/reports`, headers: bearer(ingest), payload: { title: 'x', description: 'd' } });
    // A runner claims the due jobs as claimJobs does, and is killed (kill -9) before finishing any.
    await t.app.services.prisma.job.updateMany({
      where: { status: 'pending' },
      data: { status: 'running', attempts: { increment: 1 }, lockedUntil: new Date(t.clock.now().getTime() + 5 * 60 * 1000) },
    });
    await drainQueue();
    expect(deliveriesTo('/lapse')).toHaveLength(0); // still claimed by the dead runner
    t.clock.advance(6 * 60 * 1000);
    await drainQueue();
    expect(deliveriesTo('/lapse')).toHaveLength(1);
  }, 20_000);

  it('sends nothing for a change whose transaction rolled back', async () => {
    const who = await tenant();
    await register(who, { url: `${base}/rollback`, events: ['report.created'] });
    await expect(
      t.app.services.prisma.$transaction(async (tx) => {
        await emitEvents(tx, [{ projectId: who.project.id, type: 'report.created', occurredAt: new Date(), data: { id: 1 } }]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await drainQueue();
    expect(deliveriesTo('/rollback')).toHaveLength(0);
  });

  it('filters error events by environment and run events by branch; Slack format; 410 disables', async () => {
    const who = await tenant();
    await register(who, { url: `${base}/prod-errors`, events: ['error_group.created', 'error_group.regressed'], environments: ['production'] });
    await register(who, { url: `${base}/slack`, events: ['run.finalized'], branches: ['main'], format: 'slack' });
    const gone = (await register(who, { url: `${base}/gone`, events: ['error_group.created'] })).json();
    receiver.script('/gone', [410]);
    const errors = (await projectToken(t.operator, who.project.id, ['error-events:write'])).secret;
    const event = (environment: string) => ({ environment, exception_class: 'App\\Boom', message: 'boom', stack_trace: '#0 app.php(1)' });
    for (const environment of ['production', 'staging', 'production']) {
      const sent = await t.app.inject({ method: 'POST', url: `/api/projects/${who.project.id}/error-events`, headers: bearer(errors), payload: event(environment) });
      expect(sent.statusCode).toBe(202);
    }
    const headers = { ...bearer(who.token), 'content-type': 'application/json' };
    for (const [id, branch] of [['on-main', 'main'], ['on-feature', 'feature/x']]) {
      await t.app.inject({ method: 'POST', url: '/v1/ingest/kensho/finalize', headers, payload: JSON.stringify({ run: kenshoRun({ id, project: who.project.slug, branch }) }) });
    }
    await drainQueue();
    const production = deliveriesTo('/prod-errors').map((r) => JSON.parse(r.body));
    expect(production).toHaveLength(1); // one new group in production; staging filtered; the repeat is not new
    expect(production[0]).toMatchObject({ type: 'error_group.created', data: { environment: 'production', exceptionClass: 'App\\Boom' } });
    const slack = deliveriesTo('/slack').map((r) => JSON.parse(r.body));
    expect(slack).toHaveLength(1);
    expect(slack[0].text).toContain('run.finalized');
    expect(slack[0].text).toContain('main');
    expect(slack[0].blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    expect(deliveriesTo('/gone')).toHaveLength(2); // created in production and in staging, then gone
    const listed = (await t.app.inject({ method: 'GET', url: `/v1/projects/${who.project.slug}/webhooks`, headers: bearer(who.token) })).json();
    expect(listed.find((hook: { id: string }) => hook.id === gone.id)).toMatchObject({ active: false, disabledReason: expect.stringContaining('410') });
  });

  it('refuses private destinations unless allowed, bad input with 400, and other tenants with 404', async () => {
    const strict = await createTestApp({ webhooksAllowPrivate: false });
    try {
      const seed = await seedWorkspace(strict.operator);
      const token = (await createToken(strict.operator, { kind: 'WORKSPACE', name: 'ops', workspace: seed.workspace.slug })).secret;
      for (const url of ['http://127.0.0.1:9/hook', 'http://localhost/hook', 'http://10.1.2.3/hook', 'http://169.254.169.254/latest', 'http://[::1]/hook']) {
        const refused = await strict.app.inject({ method: 'POST', url: `/v1/projects/${seed.project.slug}/webhooks`, headers: { ...bearer(token), 'content-type': 'application/json' }, payload: JSON.stringify({ url, events: ['report.created'] }) });
        expect(refused.statusCode, url).toBe(400);
        expect(refused.json().error.details[0].path).toBe('$.url');
      }
    } finally {
      await strict.close();
    }
    const who = await tenant();
    for (const body of [{ url: 'ftp://example.com', events: ['report.created'] }, { url: `${base}/x`, events: [] }, { url: `${base}/x`, events: ['nope'] }, { url: `${base}/x\u0000`, events: ['report.created'] }, [], { url: 7 }]) {
      const response = await register(who, body as object);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    const hook = (await register(who, { url: `${base}/mine`, events: ['report.created'] })).json();
    const other = await tenant();
    expect((await t.app.inject({ method: 'GET', url: `/v1/projects/${who.project.slug}/webhooks`, headers: bearer(other.token) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/projects/${other.project.slug}/webhooks/${hook.id}`, headers: bearer(other.token) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/v1/projects/${who.project.slug}/webhooks` })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: `/v1/projects/${who.project.slug}/webhooks`, headers: bearer(who.memberToken) })).statusCode).toBe(403);
    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/projects/${who.project.slug}/webhooks/${hook.id}`, headers: bearer(who.token) });
    expect(deleted.statusCode).toBe(204);
  });
});

describe('the queue', () => {
  it('prunes finished jobs past their retention (done after 7 days, dead after 30), never pending or recent ones', async () => {
    const day = 24 * 60 * 60 * 1000;
    const now = t.clock.now().getTime();
    const job = (status: string, finishedDaysAgo: number | null) =>
      t.db.prisma.job.create({ data: { kind: 'test.prune', payload: {}, status, finishedAt: finishedDaysAgo === null ? null : new Date(now - finishedDaysAgo * day) }, select: { id: true } });
    const kept = [await job('done', 1), await job('dead', 8), await job('pending', null), await job('running', null)];
    const gone = [await job('done', 8), await job('dead', 31)];
    const ran = await runDueRecurringJobs(t.app.services, RECURRING_JOBS.filter((recurring) => recurring.name === 'queue.prune'));
    expect(ran).toEqual(['queue.prune']);
    const left = new Set((await t.db.prisma.job.findMany({ where: { kind: 'test.prune' }, select: { id: true } })).map((row) => row.id));
    expect(kept.every((row) => left.has(row.id))).toBe(true);
    expect(gone.some((row) => left.has(row.id))).toBe(false);
    const done = await t.db.prisma.job.findFirstOrThrow({ where: { kind: 'recurring:queue.prune', status: 'done' } });
    expect(done.result).toMatch(/^removed \d+ finished job/);
  });
});
