// `intake push` end to end: the CLI driven in-process through main(), talking HTTP to a real
// server on an ephemeral port: a kensho-results/ directory (run.json + cases/*.json +
// attachments/) in, a stored run readable through REST out, and the documented exit codes.
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, type TestApp } from './helpers.ts';
import { projectToken, seedWorkspace } from './fixtures.ts';
import { caseId, kenshoRun, screenshotBytes, sha256, writeKenshoResults } from './kensho-fixture.ts';

let t: TestApp;
let server: string;
const tmpDirs: string[] = [];

beforeAll(async () => {
  t = await createTestApp({ graphqlCacheTtlMs: 0 });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  server = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  // Signed PUT and download URLs are built from publicUrl: point it at the port we got.
  (t.app.services.config as { publicUrl: string }).publicUrl = server;
});
afterAll(async () => {
  await t?.close();
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A workspace of its own with a workspace token, so every test runs alone. */
async function tenant() {
  const seed = await seedWorkspace(t.operator);
  const token = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ci', workspace: seed.workspace.slug })).secret;
  return { ...seed, token, slug: seed.project.slug };
}
type Tenant = Awaited<ReturnType<typeof tenant>>;

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-push-'));
  tmpDirs.push(dir);
  return dir;
}

/** A kensho-results/ directory for this run (run.json, cases/*.json, attachments/). */
function resultsDir(run: ReturnType<typeof kenshoRun>): string {
  const dir = path.join(tmpDir(), 'kensho-results');
  writeKenshoResults(dir, run);
  return dir;
}

/** `intake push …` in-process; stdout and stderr lines collected. */
async function push(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['push', ...args], {
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    execute: () => {
      throw new Error('not used');
    },
  });
  return { code, out, err, json: () => JSON.parse(out.at(-1)!) };
}

/** The usual target flags for a tenant (no token: tests pass it their own way). */
const target = (who: Tenant) => ['--workspace', who.workspace.slug, '--project', who.slug, '--server', server];

/** The run id from the human summary line `✓ run run_…: …`. */
const runIdOf = (out: string[]) => {
  const line = out.find((l) => l.startsWith('✓ run '));
  expect(line, out.join('\n')).toBeDefined();
  return /^✓ run (\S+):/.exec(line!)![1]!;
};

const get = (url: string, token: string) => t.app.inject({ method: 'GET', url, headers: bearer(token) });

/** A port nothing listens on: one a server had a moment ago. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('intake push of a kensho-results directory', () => {
  const SCREENSHOTS = [2, 11, 25];

  it('uploads run.json merged with cases/*.json, the screenshots and the labels; a re-push is the same run with nothing to upload', async () => {
    const who = await tenant();
    const run = kenshoRun({ project: who.slug, cases: 30, screenshots: SCREENSHOTS });
    const dir = resultsDir(run);
    // writeKenshoResults splits the cases: half in run.json, half in cases/*.json.
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).testCases).toHaveLength(15);
    expect(fs.readdirSync(path.join(dir, 'cases'))).toHaveLength(15);

    const first = await push([dir, ...target(who), '--token', who.token, '--label', 'build=42']);
    expect(first.code, first.err.join('\n')).toBe(0);
    expect(first.err).toEqual([]);
    expect(first.out[0]).toMatch(/^validated 30 case\(s\), 3 attachment\(s\)/);
    expect(first.out.some((line) => /^uploaded 3\/3 /.test(line))).toBe(true);
    expect(first.out.some((line) => /already stored/.test(line))).toBe(false);
    const runId = runIdOf(first.out);
    expect(first.out.find((l) => l.startsWith('✓ run '))).toContain('26 pass · 3 fail · 0 broken · 1 skipped');

    // The run through REST: all 30 cases, from both halves.
    const stored = await get(`/v1/runs/${runId}`, who.token);
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toMatchObject({ id: runId, externalRunId: run.id, project: { slug: who.slug }, branch: 'main', totals: { passed: 26, failed: 3, skipped: 1, broken: 0 } });
    const cases = (await get(`/v1/runs/${runId}/cases`, who.token)).json();
    expect(cases.nextCursor).toBeNull();
    expect(cases.items.map((item: { id: string }) => item.id).sort()).toEqual(Array.from({ length: 30 }, (_, i) => caseId(i)).sort());
    const byId = new Map(cases.items.map((item: { id: string; status: string }) => [item.id, item.status]));
    expect(byId.get(caseId(9))).toBe('fail'); // run.json half
    expect(byId.get(caseId(29))).toBe('fail'); // cases/*.json half
    expect(byId.get(caseId(24))).toBe('skip');

    // Each screenshot is downloadable, byte for byte, over HTTP.
    for (const index of SCREENSHOTS) {
      const detail = (await get(`/v1/runs/${runId}/cases/${caseId(index)}`, who.token)).json();
      expect(detail.attachments, `case ${index}`).toHaveLength(1);
      expect(detail.attachments[0]).toMatchObject({ id: 'shot', kind: 'screenshot', mimeType: 'image/png', sha256: sha256(screenshotBytes(index)), size: screenshotBytes(index).length });
      const download = await fetch(detail.attachments[0].url);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(screenshotBytes(index))).toBe(true);
    }
    const plain = (await get(`/v1/runs/${runId}/cases/${caseId(3)}`, who.token)).json();
    expect(plain.attachments).toEqual([]);

    // --label build=42 is stored in the run's env vars.
    const row = await t.app.services.prisma.testRun.findFirst({ where: { id: runId } });
    expect((row!.meta as { env: { vars: Record<string, string>; branch: string } }).env).toMatchObject({ vars: { build: '42' }, branch: 'main' });

    // The same directory again: the same run, every attachment already stored, no PUT.
    const again = await push([dir, ...target(who), '--token', who.token, '--label', 'build=42']);
    expect(again.code, again.err.join('\n')).toBe(0);
    expect(again.out).toContain('3 attachment(s) already stored');
    expect(again.out.some((line) => /^uploaded /.test(line))).toBe(false);
    expect(runIdOf(again.out)).toBe(runId);
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id } })).toBe(1);
    expect(await t.app.services.prisma.runAttachment.count({ where: { projectId: who.project.id } })).toBe(3);
  });

  it('--json prints one JSON object with the stored run', async () => {
    const who = await tenant();
    const dir = resultsDir(kenshoRun({ project: who.slug, cases: 4, screenshots: [1] }));
    const result = await push([dir, ...target(who), '--token', who.token, '--json']);
    expect(result.code).toBe(0);
    expect(result.out).toHaveLength(1);
    expect(result.json()).toMatchObject({
      ok: true,
      internalRunId: expect.stringMatching(/^run_/),
      runUrl: expect.any(String),
      summary: { total: 4, pass: 4, fail: 0, broken: 0, skip: 0, regressions: 0, recoveries: 0 },
      regression: { newFailures: 0, fixed: 0, stillFailing: 0 },
    });
  });

  it('--strict exits with the number of regressions against the previous run of the branch', async () => {
    const who = await tenant();
    const base = (i: number) => (i % 10 === 9 ? 'fail' : 'pass') as 'fail' | 'pass';
    const earlier = resultsDir(kenshoRun({ project: who.slug, cases: 30, branch: 'main', startedAt: '2026-11-30T12:00:00.000Z', statusOf: base }));
    const first = await push([earlier, ...target(who), '--token', who.token, '--strict']);
    expect(first.code, first.err.join('\n')).toBe(0);

    // Cases 3 and 4 newly fail; 9, 19, 29 still fail.
    const later = resultsDir(
      kenshoRun({ project: who.slug, cases: 30, branch: 'main', startedAt: '2026-11-30T13:00:00.000Z', statusOf: (i) => (i === 3 || i === 4 ? 'fail' : base(i)) }),
    );
    const second = await push([later, ...target(who), '--token', who.token, '--strict', '--json']);
    expect(second.code).toBe(2);
    expect(second.json()).toMatchObject({ ok: true, summary: { fail: 5, regressions: 2 }, regression: { newFailures: 2, fixed: 0, stillFailing: 3 } });

    // Without --strict the same outcome is a success.
    const relaxed = await push([later, ...target(who), '--token', who.token]);
    expect(relaxed.code).toBe(0);
    expect(relaxed.out.find((l) => l.startsWith('✓ run '))).toContain('2 newly failing');
  });
});

describe('intake push exit codes', () => {
  it('2 without a token, and nothing is sent', async () => {
    const who = await tenant();
    const dir = resultsDir(kenshoRun({ project: who.slug, cases: 3 }));
    const result = await push([dir, ...target(who)]);
    expect(result.code).toBe(2);
    expect(result.err.join('\n')).toMatch(/no token/);
    const json = await push([dir, ...target(who), '--json']);
    expect(json.code).toBe(2);
    expect(json.json()).toMatchObject({ ok: false, error: { exitCode: 2, message: expect.stringMatching(/no token/) } });
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id } })).toBe(0);
  });

  it('2 for a token the server does not know (401) and for one without the push ability (403)', async () => {
    const who = await tenant();
    const dir = resultsDir(kenshoRun({ project: who.slug, cases: 3 }));
    const unknown = await push([dir, ...target(who), '--token', 'not-a-real-token']);
    expect(unknown.code).toBe(2);
    expect(unknown.err.join('\n')).toMatch(/401/);
    const reportsOnly = (await projectToken(t.operator, who.project.id, ['report:create'])).secret;
    const forbidden = await push([dir, ...target(who), '--token', reportsOnly]);
    expect(forbidden.code).toBe(2);
    expect(forbidden.err.join('\n')).toMatch(/403/);
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id } })).toBe(0);
  });

  it('3 when the server is not there', async () => {
    const who = await tenant();
    const dir = resultsDir(kenshoRun({ project: who.slug, cases: 3 }));
    const result = await push([dir, '--workspace', who.workspace.slug, '--project', who.slug, '--server', `http://127.0.0.1:${await closedPort()}`, '--token', who.token]);
    expect(result.code).toBe(3);
    expect(result.err.join('\n')).toMatch(/\/v1\/ingest\/kensho\/init/);
  });

  it('1 for a directory without run.json', async () => {
    const who = await tenant();
    const empty = tmpDir();
    const result = await push([empty, ...target(who), '--token', who.token]);
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toMatch(/no run\.json/);
  });

  it('1 for a run that is not kensho/v1, naming the field', async () => {
    const who = await tenant();
    const run = kenshoRun({ project: who.slug, cases: 30 });
    const dir = resultsDir(run);
    // Case 20 lives in cases/*.json; after the merge it is testCases[20].
    const file = path.join(dir, 'cases', `${caseId(20)}.json`);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), status: 'exploded' }));
    const result = await push([dir, ...target(who), '--token', who.token]);
    expect(result.code).toBe(1);
    const stderr = result.err.join('\n');
    expect(stderr).toMatch(/not valid kensho\/v1/);
    expect(stderr).toContain('testCases.20.status');
    const json = await push([dir, ...target(who), '--token', who.token, '--json']);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ ok: false, error: { exitCode: 1, details: { 'testCases.20.status': expect.any(Array) } } });
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id } })).toBe(0);
  });

  it('1 when the server answers 400', async () => {
    const who = await tenant();
    const dir = resultsDir(kenshoRun({ project: who.slug, cases: 2 }));
    // Valid kensho locally; init refuses a project reference over 200 characters.
    const result = await push([dir, '--workspace', who.workspace.slug, '--project', 'p'.repeat(300), '--server', server, '--token', who.token]);
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toMatch(/answered 400/);
  });

  it('1 for a label that is not k=v', async () => {
    const who = await tenant();
    const dir = resultsDir(kenshoRun({ project: who.slug, cases: 2 }));
    const result = await push([dir, ...target(who), '--token', who.token, '--label', 'nope']);
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toMatch(/--label "nope" is not k=v/);
  });

  it('0 for --dry-run, storing nothing', async () => {
    const who = await tenant();
    // Screenshots no other test pushes (the blob store is shared by the file's tests).
    const run = kenshoRun({ project: who.slug, cases: 30, screenshots: [13, 17, 21] });
    const dir = resultsDir(run);
    const result = await push([dir, ...target(who), '--token', who.token, '--dry-run']);
    expect(result.code, result.err.join('\n')).toBe(0);
    expect(result.out[0]).toMatch(/^validated 30 case\(s\), 3 attachment\(s\)/);
    expect(result.out.join('\n')).toContain(`dry run: would push run ${run.id}`);
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id } })).toBe(0);
    for (const index of [13, 17, 21]) expect(t.app.services.blobs.exists(sha256(screenshotBytes(index)))).toBe(false);
  });

  it('0 for --no-attachments, the run stored without attachments', async () => {
    const who = await tenant();
    const run = kenshoRun({ project: who.slug, cases: 30, screenshots: [5, 6, 7] });
    const dir = resultsDir(run);
    const result = await push([dir, ...target(who), '--token', who.token, '--no-attachments', '--json']);
    expect(result.code, result.out.join('\n')).toBe(0);
    const { internalRunId } = result.json();
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id } })).toBe(1);
    expect(await t.app.services.prisma.runAttachment.count({ where: { caseRun: { runId: internalRunId } } })).toBe(0);
    const detail = (await get(`/v1/runs/${internalRunId}/cases/${caseId(5)}`, who.token)).json();
    expect(detail.attachments).toEqual([]);
    expect((await get(`/v1/runs/${internalRunId}/cases`, who.token)).json().items).toHaveLength(30);
    const human = await push([resultsDir(kenshoRun({ project: who.slug, cases: 3, screenshots: [1] })), ...target(who), '--token', who.token, '--no-attachments']);
    expect(human.code).toBe(0);
    expect(human.out[0]).toMatch(/^validated 3 case\(s\), 0 attachment\(s\)/);
  });
});

describe('intake push token from the environment', () => {
  for (const name of ['KENSHO_TOKEN', 'KAIZEN_TOKEN', 'INTAKE_TOKEN']) {
    it(`takes ${name} when --token is absent`, async () => {
      const who = await tenant();
      const dir = resultsDir(kenshoRun({ project: who.slug, cases: 3 }));
      const result = await push([dir, ...target(who), '--json'], { [name]: who.token });
      expect(result.code, result.out.join('\n')).toBe(0);
      expect(result.json()).toMatchObject({ ok: true, summary: { total: 3 } });
      expect(await t.app.services.prisma.testRun.count({ where: { projectId: who.project.id } })).toBe(1);
    });
  }

  it('prefers --token over the environment, and INTAKE_TOKEN over KENSHO_TOKEN and KAIZEN_TOKEN', async () => {
    const who = await tenant();
    const dir = resultsDir(kenshoRun({ project: who.slug, cases: 2 }));
    expect((await push([dir, ...target(who), '--token', 'wrong'], { INTAKE_TOKEN: who.token })).code).toBe(2);
    expect((await push([dir, ...target(who)], { INTAKE_TOKEN: who.token, KENSHO_TOKEN: 'wrong', KAIZEN_TOKEN: 'wrong' })).code).toBe(0);
  });
});
