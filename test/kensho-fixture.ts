// Generates kensho/v1 runs and kensho-results/ directories for the test-run tests and the
// finalize benchmark: `kenshoRun({cases: 10_000, steps: 3})`, `writeKenshoResults(dir, run, files)`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

export interface KenshoRunOptions {
  id?: string;
  project?: string;
  branch?: string | null;
  startedAt?: string;
  cases?: number;
  steps?: number;
  /** Status of case i (default: every 10th fails, every 25th is skipped, the rest pass). */
  statusOf?: (index: number) => 'pass' | 'fail' | 'broken' | 'skip';
  /** Case ids that carry a screenshot attachment. */
  screenshots?: number[];
}

export const caseId = (index: number) => `tc_${index.toString(16).padStart(16, '0')}`;

export function kenshoRun(options: KenshoRunOptions = {}) {
  const startedAt = options.startedAt ?? '2026-11-30T12:00:00.000Z';
  const statusOf = options.statusOf ?? ((i: number) => (i % 10 === 9 ? 'fail' : i % 25 === 24 ? 'skip' : 'pass'));
  const screenshots = new Set(options.screenshots ?? []);
  const testCases = Array.from({ length: options.cases ?? 5 }, (_, i) => {
    const status = statusOf(i);
    return {
      id: caseId(i),
      name: `case ${i}`,
      fullName: `suite ${i % 7} > case ${i}`,
      status,
      startedAt,
      duration: 10 + (i % 50),
      filePath: `tests/suite-${i % 7}.spec.ts`,
      suite: [`suite ${i % 7}`],
      steps: Array.from({ length: options.steps ?? 2 }, (_, s) => ({
        id: `s${s}`,
        title: `step ${s} of case ${i}`,
        status: status === 'fail' && s === (options.steps ?? 2) - 1 ? 'fail' : status === 'skip' ? 'skip' : 'pass',
        startedAt,
        duration: 3,
      })),
      ...(status === 'fail' ? { errors: [{ message: `expected ${i} to be ${i + 1}`, stack: `Error: expected ${i}\n    at tests/suite-${i % 7}.spec.ts:${i}:5` }] } : {}),
      ...(screenshots.has(i) ? { attachments: [{ id: 'shot', kind: 'screenshot', relativePath: `attachments/${caseId(i)}/shot.png`, mimeType: 'image/png' }] } : {}),
    };
  });
  const count = (status: string) => testCases.filter((c) => c.status === status).length;
  return {
    schemaVersion: 'kensho/v1',
    id: options.id ?? `run-${crypto.randomBytes(4).toString('hex')}`,
    project: { name: 'Acme Web', slug: options.project ?? 'acme-web' },
    framework: { name: 'playwright', version: '1.50.0' },
    startedAt,
    finishedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(),
    totals: { pass: count('pass'), fail: count('fail'), broken: count('broken'), skip: count('skip') },
    env: { ci: 'github-actions', ...(options.branch === null ? {} : { branch: options.branch ?? 'main' }), commit: 'a91c3e2' },
    testCases,
  };
}

/** A tiny valid PNG per case (distinct bytes), as a screenshot would be. */
export const screenshotBytes = (index: number) =>
  Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from(`case-${index}-pixels`)]);

export const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

/**
 * A kensho-results/ directory: run.json holding the first half of the cases, cases/<id>.json the
 * other half (push merges them), and attachments/<caseId>/shot.png for each screenshot.
 */
export function writeKenshoResults(dir: string, run: ReturnType<typeof kenshoRun>): void {
  fs.mkdirSync(path.join(dir, 'cases'), { recursive: true });
  const half = Math.ceil(run.testCases.length / 2);
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...run, testCases: run.testCases.slice(0, half) }));
  for (const item of run.testCases.slice(half)) fs.writeFileSync(path.join(dir, 'cases', `${item.id}.json`), JSON.stringify(item));
  run.testCases.forEach((item, index) => {
    for (const attachment of (item as { attachments?: Array<{ relativePath: string }> }).attachments ?? []) {
      fs.mkdirSync(path.dirname(path.join(dir, attachment.relativePath)), { recursive: true });
      fs.writeFileSync(path.join(dir, attachment.relativePath), screenshotBytes(index));
    }
  });
}

/**
 * A push whose three phases reach three instances: init on the first, each PUT on the second,
 * finalize on the third. Answers the finalize response.
 */
export async function pushAcrossInstances(
  instances: [FastifyInstance, FastifyInstance, FastifyInstance],
  who: { token: string; workspace: string; project: string },
  run: ReturnType<typeof kenshoRun>,
  screenshots: number[],
) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${who.token}` };
  const attachments = screenshots.map((i) => ({ id: `${caseId(i)}::shot`, sha256: sha256(screenshotBytes(i)), sizeBytes: screenshotBytes(i).length, contentType: 'image/png' }));
  const init = await instances[0].inject({ method: 'POST', url: '/v1/ingest/kensho/init', headers, payload: JSON.stringify({ workspace: who.workspace, project: who.project, runId: run.id, attachments }) });
  if (init.statusCode !== 200) throw new Error(`init answered ${init.statusCode}: ${init.body}`);
  for (const entry of init.json().presignedUrls as Array<{ id: string; url: string; headers: Record<string, string> }>) {
    const index = screenshots.find((i) => entry.id === `${caseId(i)}::shot`)!;
    const url = new URL(entry.url);
    const uploaded = await instances[1].inject({ method: 'PUT', url: url.pathname + url.search, headers: entry.headers, payload: screenshotBytes(index) });
    if (uploaded.statusCode !== 200) throw new Error(`PUT answered ${uploaded.statusCode}: ${uploaded.body}`);
  }
  return instances[2].inject({ method: 'POST', url: '/v1/ingest/kensho/finalize', headers, payload: JSON.stringify({ uploadId: init.json().uploadId, run }) });
}
