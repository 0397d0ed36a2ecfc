// The durable queue across a crash, with real processes: a server that serves but runs no jobs
// (QUEUE_WORKER=0) takes a report whose webhook delivery is enqueued, is killed with SIGKILL, and
// the server started next on the same embedded database delivers it — once.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDataDirectory } from './helpers.ts';
import { npmStartCommand } from './npm-start.ts';

const root = path.resolve(import.meta.dirname, '..');
const npmStart = npmStartCommand();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-queue-'));
const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: path.join(dir, 'pglite'), STORAGE_DIR: path.join(dir, 'blobs'), LOG_LEVEL: 'silent', WEBHOOKS_ALLOW_PRIVATE: '1' };
delete env.REDIS_URL;

const cli = (...args: string[]) =>
  new Promise<any>((resolve, reject) =>
    execFile(process.execPath, [path.join(root, 'bin/intake.mjs'), ...args, '--json'], { cwd: root, env }, (error, stdout) => (error ? reject(new Error(stdout)) : resolve(JSON.parse(stdout)))),
  );
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
function startServer(port: number, extra: NodeJS.ProcessEnv = {}): { child: ChildProcess; exited: Promise<unknown> } {
  const child = spawn(process.execPath, npmStart.args, { cwd: root, env: { ...env, ...npmStart.env, ...extra, PORT: String(port) }, stdio: 'ignore' });
  return { child, exited: new Promise((resolve) => child.on('exit', resolve)) };
}

const received: string[] = [];
const receiver = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    received.push(body);
    response.end();
  });
});
const servers: ChildProcess[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  migratedDataDirectory(env.DATABASE_URL!);
});
afterAll(() => {
  for (const server of servers) if (server.exitCode === null) server.kill('SIGKILL');
  receiver.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the job queue across kill -9', () => {
  it('delivers, after a restart, a webhook enqueued by a server that was killed before delivering it', async () => {
    const port = await freePort();
    const first = startServer(port, { QUEUE_WORKER: '0' });
    servers.push(first.child);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
    // Seeded through the running server's socket.
    await cli('workspace', 'create', '--slug', 'acme', '--name', 'Acme');
    const { project } = await cli('project', 'create', '--workspace', 'acme', '--slug', 'web', '--name', 'Web');
    const ops = (await cli('token', 'create', '--name', 'ops', '--workspace', 'acme')).secret;
    const ingest = (await cli('token', 'create', '--name', 'ci', '--project', String(project.id), '--ability', 'report:create')).secret;
    const hook = await fetch(`http://127.0.0.1:${port}/v1/projects/web/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ops}` },
      body: JSON.stringify({ url: `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/hook`, events: ['report.created'] }),
    });
    expect(hook.status).toBe(201);
    const report = await fetch(`http://127.0.0.1:${port}/api/projects/${project.id}/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` },
      body: JSON.stringify({ title: 'Survives a crash', description: 'd' }),
    });
    expect(report.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a worker delivers at once (webhooks.test.ts): none runs here
    expect(received).toHaveLength(0); // enqueued, not delivered: this server runs no jobs

    first.child.kill('SIGKILL');
    await first.exited;

    const second = startServer(port);
    servers.push(second.child);
    await waitFor(() => received.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for a second delivery, were there one
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!)).toMatchObject({ type: 'report.created', data: { title: 'Survives a crash' }, project: { slug: 'web' } });
    second.child.kill('SIGTERM');
    await second.exited;
  }, 150_000);
});
