// With REDIS_URL, several instances share rate-limit counters and pub/sub events. Runs when
// TEST_REDIS_URL points at a Redis server (.ci/run sets it when one answers); skips, saying so,
// otherwise.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/modules/workspaces/service.ts';
import { createSecondInstance, createTestApp, type TestApp } from './helpers.ts';
import { seedWorkspace } from './fixtures.ts';
import { kenshoRun, pushAcrossInstances } from './kensho-fixture.ts';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.warn('SKIP test/redis.test.ts: TEST_REDIS_URL is not set, Redis-backed rate limits and pub/sub are not tested');

describe.skipIf(!redisUrl)('two instances sharing Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const overrides = { redisUrl, rateLimits: { graphql: 3 } };
    a = await createTestApp(overrides);
    b = await createTestApp(overrides);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('keep a push’s upload state in Redis, so init, uploads and finalize may reach different instances', async () => {
    const seed = await seedWorkspace(a.operator);
    const token = (await createToken(a.operator, { kind: 'WORKSPACE', name: 'ci', workspace: seed.workspace.slug })).secret;
    const second = await createSecondInstance(a, { redisUrl });
    try {
      const run = kenshoRun({ project: seed.project.slug, cases: 3, screenshots: [0] });
      const finalized = await pushAcrossInstances([a.app, second, a.app], { token, workspace: seed.workspace.slug, project: seed.project.slug }, run, [0]);
      expect(finalized.statusCode).toBe(201);
      // The state lives in Redis, not in the database.
      expect(await a.app.services.prisma.testUpload.count()).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('count one client against one limit across instances', async () => {
    // Limits apply before the token is checked: a credential that does not verify spends its
    // client address's budget. A fresh address per run: Redis outlives runs, and keeps counts.
    const remoteAddress = `10.${crypto.randomInt(256)}.${crypto.randomInt(256)}.${crypto.randomInt(1, 255)}`;
    const headers = { authorization: `Bearer intake_pat_${crypto.randomBytes(16).toString('hex')}`, 'content-type': 'application/json' };
    const ask = (app: TestApp) => app.app.inject({ method: 'POST', url: '/graphql', headers, remoteAddress, payload: { query: '{ __typename }' } });
    expect((await ask(a)).statusCode).toBe(401);
    expect((await ask(b)).statusCode).toBe(401);
    expect((await ask(a)).statusCode).toBe(401);
    const limited = await ask(b);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('deliver an event published on one instance to a subscriber on the other', async () => {
    const projectId = crypto.randomInt(1_000_000, 2_000_000);
    const events = b.app.services.pubsub.subscribe('reportQueueChanged', projectId)[Symbol.asyncIterator]();
    const next = events.next();
    let received: IteratorResult<unknown> | undefined;
    void next.then((result) => (received = result));
    // Redis SUBSCRIBE lands asynchronously: publish until the other instance hears it.
    for (let attempt = 0; attempt < 20 && !received; attempt++) {
      a.app.services.pubsub.publish('reportQueueChanged', projectId, { projectId, reportId: 7, change: 'created' });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await next).value).toEqual({ projectId, reportId: 7, change: 'created' });
    await events.return?.();
  });
});
