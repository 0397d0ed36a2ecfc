// The run report page in a real browser (Debian's chromium through playwright-core): it loads
// from its signed link, failing cases come first, a failing case expands, and its screenshot
// displays. Skips, saying so, where /usr/bin/chromium is missing (.ci/run installs it).
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, type TestApp } from './helpers.ts';
import { seedWorkspace } from './fixtures.ts';
import { caseId, kenshoRun } from './kensho-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIP test/report-page.test.ts: ${CHROMIUM} is missing (apt-get install -y chromium), the report page is not tested in a browser`);

/** A real 2×2 PNG, so the browser decodes it. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANBwEBX0b1mQAAAABJRU5ErkJggg==', 'base64');

describe.skipIf(!hasChromium)('the run report page in Chromium', () => {
  let t: TestApp;
  let reportUrl: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    t.app.services.config.publicUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const seed = await seedWorkspace(t.operator);
    const token = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ci', workspace: seed.workspace.slug })).secret;
    const headers = { ...bearer(token), 'content-type': 'application/json' };
    const run = kenshoRun({ project: seed.project.slug, cases: 12, statusOf: (i) => (i === 7 ? 'fail' : 'pass') });
    run.testCases[7]!.attachments = [{ id: 'shot', kind: 'screenshot', relativePath: 'attachments/shot.png', mimeType: 'image/png' }] as never;
    const sha256 = crypto.createHash('sha256').update(PNG).digest('hex');
    const init = await t.app.inject({
      method: 'POST', url: '/v1/ingest/kensho/init', headers,
      payload: JSON.stringify({ workspace: seed.workspace.slug, project: seed.project.slug, runId: run.id, attachments: [{ id: `${caseId(7)}::shot`, sha256, sizeBytes: PNG.length, contentType: 'image/png' }] }),
    });
    const upload = new URL(init.json().presignedUrls[0].url);
    expect((await t.app.inject({ method: 'PUT', url: upload.pathname + upload.search, headers: { 'content-type': 'image/png' }, payload: PNG })).statusCode).toBe(200);
    const finalized = await t.app.inject({ method: 'POST', url: '/v1/ingest/kensho/finalize', headers, payload: JSON.stringify({ uploadId: init.json().uploadId, run }) });
    expect(finalized.statusCode).toBe(201);
    reportUrl = finalized.json().kenshoReportUrl;
  });
  afterAll(() => t?.close());

  it('loads, lists the failing case first, expands it and displays its screenshot', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const failedRequests: string[] = [];
      page.on('requestfailed', (request) => failedRequests.push(request.url()));
      const response = await page.goto(reportUrl);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toContain('Run ');
      const first = page.locator('details.case').first();
      expect(await first.getAttribute('data-status')).toBe('fail');
      expect(await page.locator('details.case').count()).toBe(12);
      expect(await first.evaluate((element) => (element as HTMLDetailsElement).open)).toBe(false);
      await first.locator('summary').click();
      expect(await first.evaluate((element) => (element as HTMLDetailsElement).open)).toBe(true);
      await expect.poll(() => first.locator('.error').first().isVisible()).toBe(true);
      const image = first.locator('img');
      await expect.poll(() => image.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth)).toBe(2);
      expect(await image.isVisible()).toBe(true);
      // The status filter keeps the link's signature: only the failing case remains.
      await page.locator('nav a', { hasText: 'failed' }).click();
      expect(await page.locator('details.case').count()).toBe(1);
      expect(failedRequests).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
