// `intake push`: upload a kensho-results/ directory (or JUnit XML, converted on the fly) to an
// Intake server, as `kensho push` does: init → parallel PUTs → finalize. Exit codes are the
// reference's: 0 done, 1 invalid input, 2 authentication, 3 upload failure; with --strict the
// code is the number of regressions (new failures).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseKenshoRun, type KenshoCase } from '../modules/test-runs/kensho.ts';
import { junitToKensho } from '../modules/test-runs/junit.ts';
import { ValidationFailed } from '../errors.ts';
import { PUSH_USAGE } from './parse.ts';

export const EXIT = { OK: 0, INPUT: 1, AUTH: 2, UPLOAD: 3 } as const;
const PARALLEL_UPLOADS = 8;

export interface PushIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
  /** A terminal gets a redrawn progress bar; anything else plain lines. */
  isTTY: boolean;
  write?(text: string): void;
}


class PushFailure extends Error {
  constructor(readonly exitCode: number, message: string, readonly details?: unknown) {
    super(message);
  }
}

interface ManifestItem {
  id: string;
  caseId: string;
  attachmentId: string;
  relativePath: string;
  sizeBytes: number;
  sha256: string;
  contentType: string;
  file: string;
}

export async function push(argv: string[], io: PushIo): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        workspace: { type: 'string' }, project: { type: 'string' }, token: { type: 'string' }, server: { type: 'string' },
        label: { type: 'string', multiple: true }, junit: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' },
        'no-attachments': { type: 'boolean' }, strict: { type: 'boolean' }, quiet: { type: 'boolean' }, json: { type: 'boolean' },
      },
    });
  } catch (error) {
    io.err(`intake push: ${(error as Error).message}\nusage: ${PUSH_USAGE}`);
    return EXIT.INPUT;
  }
  const { values, positionals } = options;
  const say = (line: string) => {
    if (!values.quiet && !values.json) io.out(line);
  };
  try {
    const result = await pushRun({ values, dir: positionals[0] ?? 'kensho-results', io, say });
    if (values.json) io.out(JSON.stringify({ ok: true, ...result }));
    if (values.strict && 'summary' in result) return Math.min(255, (result.summary as { regressions?: number }).regressions ?? 0);
    return EXIT.OK;
  } catch (error) {
    if (!(error instanceof PushFailure)) throw error;
    if (values.json) io.out(JSON.stringify({ ok: false, error: { message: error.message, exitCode: error.exitCode, details: error.details } }));
    else io.err(`intake push: ${error.message}`);
    return error.exitCode;
  }
}

type Values = {
  workspace?: string; project?: string; token?: string; server?: string; label?: string[]; junit?: string[];
  'dry-run'?: boolean; 'no-attachments'?: boolean; quiet?: boolean;
};

async function pushRun({ values, dir, io, say }: { values: Values; dir: string; io: PushIo; say: (line: string) => void }) {
  const { run, root } = values.junit?.length ? { run: readJunit(values.junit), root: process.cwd() } : { run: readResults(dir), root: path.resolve(dir) };
  if (values.junit?.length && values.project) run.project = { name: values.project, slug: values.project };
  applyLabels(run, values.label ?? []);
  let valid;
  try {
    valid = parseKenshoRun(run);
  } catch (error) {
    if (!(error instanceof ValidationFailed)) throw error;
    const lines = Object.entries(error.fields).slice(0, 20).map(([field, messages]) => `  - ${field}: ${messages.join(' ')}`);
    throw new PushFailure(EXIT.INPUT, `the run is not valid kensho/v1:\n${lines.join('\n')}`, error.fields);
  }
  const workspace = values.workspace ?? io.env.KAIZEN_WORKSPACE ?? io.env.INTAKE_WORKSPACE;
  const project = values.project ?? io.env.KAIZEN_PROJECT ?? valid.project.slug;
  const token = values.token ?? io.env.INTAKE_TOKEN ?? io.env.KENSHO_TOKEN ?? io.env.KAIZEN_TOKEN;
  const server = (values.server ?? io.env.INTAKE_SERVER ?? io.env.KAIZEN_SERVER ?? `http://127.0.0.1:${io.env.PORT ?? 4000}`).replace(/\/+$/, '');
  const manifest = values['no-attachments'] ? [] : buildManifest(root, valid.testCases);
  say(`validated ${valid.testCases.length} case(s), ${manifest.length} attachment(s) (${formatBytes(manifest.reduce((sum, item) => sum + item.sizeBytes, 0))})`);
  if (values['dry-run']) {
    say(`dry run: would push run ${valid.id} to ${server} (workspace ${workspace ?? '(token’s)'}, project ${project})`);
    return { dryRun: true, runId: valid.id, cases: valid.testCases.length, attachments: manifest.length };
  }
  if (!token) throw new PushFailure(EXIT.AUTH, 'no token: pass --token or set INTAKE_TOKEN (or KENSHO_TOKEN / KAIZEN_TOKEN)');

  const init = (await call(server, token, '/v1/ingest/kensho/init', {
    workspace, project, runId: valid.id, schemaVersion: valid.schemaVersion,
    attachments: manifest.map(({ file: _file, ...item }) => item),
  })) as { uploadId: string; presignedUrls: Array<{ id: string; url: string; headers?: Record<string, string> }>; deduplicated: Array<{ id: string }> };
  const urls = new Map(init.presignedUrls.map((entry) => [entry.id, entry]));
  const pending = manifest.filter((item) => urls.has(item.id));
  if (manifest.length > pending.length) say(`${manifest.length - pending.length} attachment(s) already stored`);
  await uploadAll(pending, urls, io, say);

  say('finalizing …');
  const finalized = (await call(server, token, '/v1/ingest/kensho/finalize', { uploadId: init.uploadId, workspace, run: { ...run, testCases: valid.testCases } })) as {
    internalRunId: string; runUrl: string; summary: { pass: number; fail: number; broken: number; skip: number; regressions: number; recoveries: number };
  };
  const s = finalized.summary;
  say(`✓ run ${finalized.internalRunId}: ${s.pass} pass · ${s.fail} fail · ${s.broken} broken · ${s.skip} skipped · ${s.regressions} newly failing · ${s.recoveries} newly passing`);
  say(`  ${finalized.runUrl}`);
  return finalized;
}

/** run.json with cases/*.json merged over run.testCases by id; totals recomputed from the cases. */
function readResults(dir: string): Record<string, unknown> & { testCases: KenshoCase[] } {
  const runFile = path.join(dir, 'run.json');
  if (!fs.existsSync(runFile)) throw new PushFailure(EXIT.INPUT, `no run.json in ${dir}`);
  const run = readJson(runFile) as Record<string, unknown> & { testCases?: KenshoCase[] };
  const byId = new Map((Array.isArray(run.testCases) ? run.testCases : []).map((item) => [item.id, item]));
  const casesDir = path.join(dir, 'cases');
  if (fs.existsSync(casesDir)) {
    for (const name of fs.readdirSync(casesDir).filter((file) => file.endsWith('.json')).sort()) {
      const item = readJson(path.join(casesDir, name)) as KenshoCase;
      byId.set(item.id, item);
    }
  }
  const testCases = [...byId.values()];
  const count = (status: string) => testCases.filter((item) => item.status === status).length;
  return { ...run, testCases, totals: { pass: count('pass'), fail: count('fail'), broken: count('broken'), skip: count('skip') } };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PushFailure(EXIT.INPUT, `${file}: ${(error as Error).message}`);
  }
}

/** JUnit files (globs allowed: `reports/*.xml`) as one kensho run. */
function readJunit(patterns: string[]) {
  const files = patterns.flatMap((pattern) => (/[*?[]/.test(pattern) ? expandGlob(pattern) : [pattern])).sort();
  if (files.length === 0) throw new PushFailure(EXIT.INPUT, `no JUnit file matches ${patterns.join(', ')}`);
  try {
    return junitToKensho(files.map((file) => ({ name: file, xml: fs.readFileSync(file, 'utf8') })));
  } catch (error) {
    throw new PushFailure(EXIT.INPUT, (error as Error).message);
  }
}

/** fs.globSync where Node has it (22+); on Node 20 a wildcard in the file name only (`reports/*.xml`). */
function expandGlob(pattern: string): string[] {
  const glob = (fs as { globSync?: (pattern: string) => string[] }).globSync;
  if (glob) return glob(pattern);
  const dir = path.dirname(pattern);
  const name = new RegExp(`^${path.basename(pattern).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((file) => name.test(file)).map((file) => path.join(dir, file)) : [];
}

function applyLabels(run: Record<string, unknown>, labels: string[]): void {
  if (labels.length === 0) return;
  const env = ((run.env as Record<string, unknown> | undefined) ?? {}) as { vars?: Record<string, string> };
  const vars = { ...(env.vars ?? {}) };
  for (const label of labels) {
    const eq = label.indexOf('=');
    if (eq < 1) throw new PushFailure(EXIT.INPUT, `--label "${label}" is not k=v`);
    vars[label.slice(0, eq)] = label.slice(eq + 1);
  }
  run.env = { ...env, vars };
}

/** Every case attachment whose file exists under the results directory (never outside it). */
function buildManifest(root: string, cases: KenshoCase[]): ManifestItem[] {
  const items: ManifestItem[] = [];
  for (const item of cases) {
    for (const attachment of item.attachments ?? []) {
      const file = path.resolve(root, attachment.relativePath);
      if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) continue;
      const bytes = fs.readFileSync(file);
      items.push({
        id: `${item.id}::${attachment.id}`, caseId: item.id, attachmentId: attachment.id, relativePath: attachment.relativePath,
        sizeBytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), contentType: attachment.mimeType, file,
      });
    }
  }
  return items;
}

async function call(server: string, token: string, route: string, body: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${server}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  } catch (error) {
    throw new PushFailure(EXIT.UPLOAD, `${server}${route}: ${(error as Error).cause ? String((error as Error).cause) : (error as Error).message}`);
  }
  const text = await response.text();
  if (response.ok) return JSON.parse(text);
  const answer = (() => {
    try {
      return JSON.parse(text) as { error?: { message?: string; details?: unknown } };
    } catch {
      return { error: { message: text.slice(0, 400) } };
    }
  })();
  const message = `${route} answered ${response.status}: ${answer.error?.message ?? ''}`;
  if (response.status === 401 || response.status === 403) throw new PushFailure(EXIT.AUTH, message, answer.error?.details);
  if (response.status === 400) throw new PushFailure(EXIT.INPUT, message, answer.error?.details);
  throw new PushFailure(EXIT.UPLOAD, message, answer.error?.details);
}

/** PUTs, 8 at a time, each retried once on a network error or a 5xx. */
async function uploadAll(items: ManifestItem[], urls: Map<string, { url: string; headers?: Record<string, string> }>, io: PushIo, say: (line: string) => void) {
  if (items.length === 0) return;
  const total = items.reduce((sum, item) => sum + item.sizeBytes, 0);
  let done = 0;
  let sent = 0;
  const report = () => {
    if (io.isTTY && io.write) {
      const width = 30;
      const filled = Math.round((sent / Math.max(total, 1)) * width);
      io.write(`\ruploading [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${items.length} · ${formatBytes(sent)}`);
    } else {
      say(`uploaded ${done}/${items.length} (${formatBytes(sent)} of ${formatBytes(total)})`);
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await uploadOne(item, urls.get(item.id)!);
      done++;
      sent += item.sizeBytes;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, items.length) }, worker));
  if (io.isTTY && io.write) io.write('\n');
}

async function uploadOne(item: ManifestItem, target: { url: string; headers?: Record<string, string> }): Promise<void> {
  const body = fs.readFileSync(item.file);
  for (let attempt = 0; ; attempt++) {
    let status: number;
    let detail = '';
    try {
      const response = await fetch(target.url, { method: 'PUT', headers: target.headers ?? {}, body });
      if (response.ok) return;
      status = response.status;
      detail = (await response.text()).slice(0, 400);
    } catch (error) {
      status = 0;
      detail = (error as Error).message;
    }
    if (attempt === 0 && (status === 0 || status >= 500)) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    throw new PushFailure(EXIT.UPLOAD, `PUT ${item.relativePath} answered ${status || 'no response'}: ${detail}`);
  }
}

const formatBytes = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${(n / 1024 ** 3).toFixed(2)} GB`;
