// Generates kensho/v1 runs and kensho-results/ directories for the test-run tests and the
// finalize benchmark: `kenshoRun({cases: 10_000, steps: 3})`, `writeKenshoResults(dir, run, files)`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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
