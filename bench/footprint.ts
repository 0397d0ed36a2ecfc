// Idle footprint of the production start (`npm start`: the compiled server, NODE_ENV=production,
// the start script's node flags) on both databases: RSS once healthy and idle for 5 s, and
// again 35 s after it was ready, when V8 has given back what startup touched.
// The peak under load comes from bench/error-ingest.ts. Prints figures; asserts nothing.
//   npx tsx bench/footprint.ts
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { productionNodeFlags } from './lib.ts';

const root = path.resolve(import.meta.dirname, '..');
const nodeFlags = productionNodeFlags();

const rssMb = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

async function idleRss(label: string, databaseUrl: string, dir: string): Promise<Record<string, string | number>> {
  const port = 4700 + Math.floor(Math.random() * 200);
  const child = spawn(process.execPath, [...nodeFlags, 'dist/main.js'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, STORAGE_DIR: path.join(dir, 'blobs'), PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  const started = Date.now();
  for (;;) {
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() - started > 60_000) throw new Error(`${label}: not healthy within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ready = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 5_000)); // the first job poll runs 1 s after start
  const idle = rssMb(child.pid!, 'VmRSS');
  // V8 gives back the young generation's pages that startup touched (up to 2 × 32 MB) only when
  // its memory reducer runs, ~15–30 s after the last startup collection: RSS then settles.
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  const figures = { database: label, 'idle RSS MB': idle, 'settled RSS MB (35 s)': rssMb(child.pid!, 'VmRSS'), 'peak RSS MB': rssMb(child.pid!, 'VmHWM'), 'ready after ms': ready };
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return figures;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-footprint-'));
try {
  const rows = [];
  // An existing data directory, as a restarted server finds it (first-run initdb costs more, once).
  const pgliteDir = path.join(dir, 'pglite');
  await new Promise((resolve, reject) =>
    spawn(process.execPath, ['bin/intake.mjs', 'migrate'], { cwd: root, env: { ...process.env, DATABASE_URL: pgliteDir }, stdio: 'ignore' }).once('exit', (code) => (code === 0 ? resolve(code) : reject(new Error('migrate failed')))),
  );
  rows.push(await idleRss('PGlite', pgliteDir, dir));
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/intake_bench_footprint';
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  if (await admin.connect().then(() => true, () => false)) {
    const name = new URL(url).pathname.slice(1);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    rows.push(await idleRss('PostgreSQL', url, dir));
  } else console.log('SKIP PostgreSQL: not reachable');
  console.log(`node flags: ${nodeFlags.join(' ') || '(none)'}`);
  console.table(rows);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
