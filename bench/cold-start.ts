// `npx tsx bench/cold-start.ts [runs]` — time from spawning `npm start` on an existing embedded
// data directory to the first 200 from /healthz (target < 4 s), then SIGTERM and the time to exit.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 5);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-cold-'));
const env = { ...process.env, DATABASE_URL: path.join(dir, 'pglite'), STORAGE_DIR: path.join(dir, 'blobs'), LOG_LEVEL: 'warn' };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startOnce(): Promise<{ startMs: number; stopMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], { cwd: root, env: { ...env, PORT: String(port) }, stdio: 'ignore', detached: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (performance.now() - started > 60_000) throw new Error('no healthy server within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const startMs = performance.now() - started;
  const stopping = performance.now();
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  return { startMs, stopMs: performance.now() - stopping };
}

console.log('first start (creates and migrates the data directory, not counted):', Math.round((await startOnce()).startMs), 'ms');
const results = [];
for (let i = 0; i < runs; i++) results.push(await startOnce());
const starts = results.map((r) => Math.round(r.startMs)).sort((a, b) => a - b);
console.log('cold starts on the existing data dir (ms):', starts.join(', '));
console.log(`median ${starts[Math.floor(starts.length / 2)]} ms, worst ${starts.at(-1)} ms (target < 4000 ms)`);
console.log('SIGTERM to exit (ms):', results.map((r) => Math.round(r.stopMs)).join(', '));
fs.rmSync(dir, { recursive: true, force: true });
