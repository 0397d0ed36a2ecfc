// Shared by the benchmarks: Intake (or a bare Fastify baseline) in a child process on a
// throw-away database, autocannon runs from this process, figures summarised one way, and the
// server's peak RSS read from /proc. Benchmarks print figures; they never assert.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import { npmStartNodeFlags } from '../test/npm-start.ts';

const root = path.resolve(import.meta.dirname, '..');

/** `--postgres` or BENCH_DATABASE_URL selects PostgreSQL (a scratch database, recreated). */
export function benchDatabaseUrl(name: string): string | undefined {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  return process.argv.includes('--postgres') ? `postgres://postgres@127.0.0.1:5432/intake_bench_${name}` : undefined;
}

async function recreatePostgres(url: string) {
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  const name = new URL(url).pathname.slice(1);
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
}

export interface BenchServer {
  url: string;
  database: string;
  databaseUrl: string;
  /** Runs an `intake` CLI command against this server's database; returns its --json output. */
  cli(...args: string[]): Promise<any>;
  /** Peak resident set size of the server process so far, in MB. */
  peakRssMb(): number;
  /** Its resident set size now, in MB. */
  currentRssMb(): number;
  close(): Promise<void>;
}

/**
 * Creates and migrates a PGlite data directory in a separate process first, as a restarted server
 * finds it: PGlite's first-run initdb leaves a process at ~0.8 GB RSS, an existing directory opens
 * at ~0.3 GB, and the server's footprint is what we measure.
 */
async function prepareDataDir(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-bench-'));
  await runCli(path.join(dir, 'pglite'), ['migrate']);
  return dir;
}

/**
 * The node flags of `npm start` (package.json), so benchmarks measure what users run;
 * BENCH_NODE_FLAGS replaces them to try others. Needs the build (`npm run build`).
 */
export function productionNodeFlags(): string[] {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
  return npmStartNodeFlags();
}

// A benchmark that fails must not leave its servers running (and itself waiting on them).
const liveServers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveServers) child.kill('SIGKILL');
});

function serve(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...productionNodeFlags(), path.join(root, 'bench/serve.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  liveServers.add(child);
  child.once('exit', () => liveServers.delete(child));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    // One line is the address ({ "url" }); the others are the server's log (BENCH_LOG_LEVEL),
    // which may start before it, passed on to stderr.
    const lines = readline.createInterface({ input: child.stdout! });
    let listening = false;
    lines.on('line', (line) => {
      const url = listening ? undefined : addressOf(line);
      if (url === undefined) return void process.stderr.write(`${line}\n`);
      listening = true;
      resolve({ child, url });
    });
  });
}

function addressOf(line: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as { url?: unknown; level?: unknown };
    return typeof parsed.url === 'string' && parsed.level === undefined ? parsed.url : undefined;
  } catch {
    return undefined;
  }
}

function runCli(databaseUrl: string, args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(root, 'bin/intake.mjs'), ...args, '--json'], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl } }, (error, stdout) =>
      error ? reject(new Error(`intake ${args.join(' ')}: ${stdout}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

function procStatusMb(child: ChildProcess, field: 'VmHWM' | 'VmRSS') {
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
}

function serverHandle(child: ChildProcess, url: string, database: string, databaseUrl: string): BenchServer {
  return {
    url,
    database,
    databaseUrl,
    cli: (...args) => runCli(databaseUrl, args),
    peakRssMb: () => procStatusMb(child, 'VmHWM'),
    currentRssMb: () => procStatusMb(child, 'VmRSS'),
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A listening Intake on a fresh database (PGlite, or PostgreSQL with --postgres), rate limits lifted. */
export async function startIntake(name: string, env: NodeJS.ProcessEnv = {}): Promise<BenchServer> {
  const postgres = benchDatabaseUrl(name);
  if (postgres) await recreatePostgres(postgres);
  const dir = postgres ? undefined : await prepareDataDir();
  const databaseUrl = postgres ?? path.join(dir!, 'pglite');
  const { child, url } = await serve(['intake'], { ...env, BENCH_DIR: dir, DATABASE_URL: databaseUrl });
  const server = serverHandle(child, url, postgres ? 'PostgreSQL' : 'PGlite', databaseUrl);
  return dir ? { ...server, close: () => server.close().finally(() => fs.rmSync(dir, { recursive: true, force: true })) } : server;
}

/** A bare Fastify server answering every request with a fixed status and body. */
export async function startBareRoute(statusCode: number, body: string): Promise<BenchServer> {
  const { child, url } = await serve(['bare'], { BARE_STATUS: String(statusCode), BARE_BODY: body });
  return serverHandle(child, url, 'none', 'memory://');
}

export interface Figures {
  label: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

export async function load(label: string, options: autocannon.Options): Promise<Figures> {
  const result = await autocannon({ connections: 50, duration: 10, ...options });
  return {
    label,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

/**
 * Warm the server up for two seconds, let it finish what the warm-up left in flight, then
 * measure. autocannon stops by closing its connections, and the server still completes the
 * requests it had begun (50 uncached boards are ~0.3 s of work): without the pause the measured
 * run's first 50 requests queued behind them, ~2% of a board run, which made its p99.
 */
export async function measure(label: string, options: autocannon.Options): Promise<Figures> {
  await load('warm-up', { ...options, duration: 2 });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return load(label, options);
}

export function report(figures: Figures[], extra: Record<string, string | number> = {}) {
  console.table(figures.map((f) => ({ run: f.label, 'req/s': f.requestsPerSecond, 'p50 ms': f.p50, 'p99 ms': f.p99, non2xx: f.non2xx, errors: f.errors, total: f.total })));
  for (const [key, value] of Object.entries(extra)) console.log(`${key}: ${value}`);
}

/** A workspace, a project and a project token with these abilities, made through the CLI. */
export async function seedProject(server: BenchServer, abilities: string[]): Promise<{ projectId: number; secret: string; slug: string }> {
  const slug = `bench-${Date.now().toString(36)}`;
  await server.cli('workspace', 'create', '--slug', slug, '--name', 'Bench');
  const { project } = await server.cli('project', 'create', '--workspace', slug, '--slug', slug, '--name', 'Bench');
  const { secret } = await server.cli('token', 'create', '--name', 'bench', '--project', String(project.id), ...abilities.flatMap((a) => ['--ability', a]));
  return { projectId: project.id, secret, slug };
}
