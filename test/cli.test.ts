// The CLI contract of ARCHITECTURE.md: in-process for the commands themselves, and as real
// processes (`node bin/intake.mjs …`, the compiled build) on a fresh embedded data directory,
// standalone and while `npm start`'s server holds that directory, and the job queue across that
// server's crash (kill -9).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import { executeCommand } from '../src/cli/commands.ts';
import { acquireDataDirLock, DataDirBusy, lockHolder, lockPath, processStartTime } from '../src/db/lock.ts';
import { createTestApp, migratedDataDirectory, uniqueSlug, type TestApp } from './helpers.ts';
import { npmStartCommand } from './npm-start.ts';

const root = path.resolve(import.meta.dirname, '..');
const npmStart = npmStartCommand();
let dir: string;
let env: NodeJS.ProcessEnv;
const directories: string[] = [];

/** The `intake` calls that follow use a new, empty data directory (each test or block its own). */
function useNewDataDirectory() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-cli-'));
  directories.push(dir);
  env = { ...process.env, DATABASE_URL: path.join(dir, 'pglite'), STORAGE_DIR: path.join(dir, 'blobs'), LOG_LEVEL: 'silent' };
  delete env.REDIS_URL;
}
afterAll(() => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

function intake(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin/intake.mjs'), ...args], { cwd: root, env }, (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

// The contract (commands, --json, exit codes) runs in-process against a cloned database through
// the same main() the executable runs; only what needs a real process (opening the embedded
// directory, the lock, the socket, SIGTERM) is spawned below.
describe('intake CLI contract (in-process)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function cli(...argv: string[]): Promise<CliRun> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { env: {}, out: (line) => out.push(line), err: (line) => err.push(line), execute: (_config, command) => executeCommand(t.app.services, command) });
    const stdout = out.join('\n');
    let json: unknown;
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
    return { code, stdout, stderr: err.join('\n'), json };
  }

  /** A workspace (and a project in it) of the calling test's own: each test runs alone. */
  async function workspaceWithProject(features = 'reports,error-tracking') {
    const slug = uniqueSlug('acme');
    expect((await cli('workspace', 'create', '--slug', slug, '--name', 'Acme', '--features', features, '--json')).code).toBe(0);
    const project = `${slug}-web`;
    expect((await cli('project', 'create', '--workspace', slug, '--slug', project, '--name', 'Acme Web', '--json')).code).toBe(0);
    return { slug, project };
  }

  async function createProjectToken(project: string) {
    const created = await cli('token', 'create', '--name', 'CI', '--project', project, '--ability', 'report:create', '--json');
    expect(created.code).toBe(0);
    return { id: created.json.token.id as string, secret: created.json.secret as string, json: created.json };
  }

  it('creates a workspace, refuses a duplicate slug with exit 1', async () => {
    const slug = uniqueSlug('acme');
    const created = await cli('workspace', 'create', '--slug', slug, '--name', 'Acme', '--features', 'reports,error-tracking', '--json');
    expect(created.code).toBe(0);
    expect(created.json.workspace).toMatchObject({ slug, name: 'Acme', features: ['reports', 'error-tracking'] });
    const duplicate = await cli('workspace', 'create', '--slug', slug, '--name', 'Again', '--json');
    expect(duplicate.code).toBe(1);
    expect(duplicate.json).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const plain = await cli('workspace', 'create', '--slug', slug, '--name', 'Again');
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(new RegExp(`^intake: .*${slug}`));
  });

  it('toggles workspace features', async () => {
    const { slug } = await workspaceWithProject();
    const toggled = await cli('workspace', 'features', slug, '--enable', 'test-reports', '--disable', 'error-tracking', '--json');
    expect(toggled.code).toBe(0);
    expect(toggled.json.workspace.features).toEqual(['reports', 'test-reports']);
  });

  it('creates a project, naming an unknown workspace as the reason to refuse', async () => {
    const unknown = await cli('project', 'create', '--workspace', 'nope', '--slug', 'x', '--name', 'X', '--json');
    expect(unknown.code).toBe(1);
    expect(unknown.json.error.code).toBe('not_found');
    expect(unknown.json.error.message).toMatch(/workspace/i);
    const slug = uniqueSlug('acme');
    expect((await cli('workspace', 'create', '--slug', slug, '--name', 'Acme', '--json')).code).toBe(0);
    const created = await cli('project', 'create', '--workspace', slug, '--slug', `${slug}-web`, '--name', 'Acme Web', '--json');
    expect(created.code).toBe(0);
    expect(created.json.project).toMatchObject({ slug: `${slug}-web`, name: 'Acme Web', id: expect.any(Number), publicId: expect.stringMatching(/^prj_/) });
  });

  it('creates users and project tokens, refusing unknown abilities', async () => {
    const { project } = await workspaceWithProject();
    const email = `${uniqueSlug('ada')}@example.com`;
    const user = await cli('user', 'create', '--email', email, '--name', 'Ada', '--admin', '--json');
    expect(user.json.user).toMatchObject({ email, role: 'ADMIN' });
    const bad = await cli('token', 'create', '--name', 'CI', '--project', project, '--ability', 'report:destroy', '--json');
    expect(bad.code).toBe(1);
    expect(bad.json.error.code).toBe('validation_failed');
    const created = await createProjectToken(project);
    expect(created.secret).toMatch(/^intake_prj_/);
    expect(created.json.token).toMatchObject({ kind: 'PROJECT', abilities: ['report:create'] });
  });

  it('lists tokens a page at a time, never their secrets', async () => {
    const { project } = await workspaceWithProject();
    const token = await createProjectToken(project);
    await createProjectToken((await workspaceWithProject()).project); // another project's token: not listed
    const listed = await cli('token', 'list', '--project', project, '--json');
    expect(listed.code).toBe(0);
    expect(listed.json.tokens.map((t: { id: string }) => t.id)).toEqual([token.id]);
    expect(listed.stdout).not.toContain(token.secret);
    const page = await cli('token', 'list', '--limit', '1', '--json');
    expect(page.json.tokens).toHaveLength(1);
    expect((await cli('token', 'list', '--limit', '0')).code).toBe(2);
  });

  it('revokes a token', async () => {
    const token = await createProjectToken((await workspaceWithProject()).project);
    const revoked = await cli('token', 'revoke', token.id, '--json');
    expect(revoked.code).toBe(0);
    expect(revoked.json.token.revokedAt).not.toBeNull();
    const unknown = await cli('token', 'revoke', 'tok_nope', '--json');
    expect(unknown.code).toBe(1);
  });

  it('exits 2 on usage errors', async () => {
    const unknown = await cli('frobnicate', '--json');
    expect(unknown.code).toBe(2);
    expect(unknown.json).toMatchObject({ ok: false, error: { code: 'usage' } });
    const missing = await cli('project', 'create', '--workspace', 'acme', '--json');
    expect(missing.code).toBe(2);
  });
});

describe('intake CLI as a process on an embedded database', () => {
  beforeEach(useNewDataDirectory);

  it('starts a new directory from the build’s migrated seed: nothing is left to apply', async () => {
    const first = await intake('migrate', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toEqual({ ok: true, applied: [] }); // initdb would have applied every migration here
    expect(fs.existsSync(path.join(dir, 'pglite', 'PG_VERSION'))).toBe(true); // a write command on a directory: the next test
  });

  it('takes over a lock whose pid now belongs to another process (a reused pid), and runs a command on the directory itself', async () => {
    // A container restart reuses pids: the lock of a crashed server names a pid that is alive
    // again, but as another process (here this test's own pid, with a wrong start time). The
    // other cases are decided in-process below. No server runs in this block.
    migratedDataDirectory(env.DATABASE_URL!);
    fs.writeFileSync(path.join(dir, 'intake.lock'), `${process.pid} 1`);
    const run = await intake('workspace', 'create', '--slug', 'acme', '--name', 'Acme', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.workspace.slug).toBe('acme');
    expect(fs.existsSync(path.join(dir, 'intake.lock'))).toBe(false); // taken over, then released
  });
});

// In the server's lifecycle order (a crash replaces the server, the last test stops it), never
// shuffled; each test also runs alone. The server runs no jobs (QUEUE_WORKER=0) until the crash
// test's restart, so a job it enqueues waits for the next server.
describe('intake CLI and npm start on one embedded data directory', { shuffle: false }, () => {
  let server: ChildProcess;
  let port: number;
  let serverExit: Promise<number | null>;
  const received: string[] = [];
  const receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push(body);
      response.end();
    });
  });

  async function startServer(extra: NodeJS.ProcessEnv = {}) {
    server = spawn(process.execPath, npmStart.args, {
      cwd: root,
      env: { ...env, ...npmStart.env, WEBHOOKS_ALLOW_PRIVATE: '1', ...extra, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    serverExit = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
  }

  beforeAll(async () => {
    useNewDataDirectory();
    migratedDataDirectory(env.DATABASE_URL!); // a first start is the first block's
    port = await freePort();
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    await startServer({ QUEUE_WORKER: '0' });
  });
  afterAll(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
    receiver.close();
  });

  it('sends commands to the running server, whose HTTP API sees the result at once', async () => {
    expect(fs.existsSync(path.join(dir, 'intake.lock'))).toBe(true);
    expect((await intake('workspace', 'create', '--slug', 'held', '--name', 'Held', '--json')).code).toBe(0);
    expect((await intake('user', 'create', '--email', 'ada@example.com', '--name', 'Ada', '--admin', '--json')).code).toBe(0);
    expect((await intake('project', 'create', '--workspace', 'held', '--slug', 'held-web', '--name', 'Held Web', '--json')).code).toBe(0);
    const created = await intake('token', 'create', '--name', 'me', '--user', 'ada@example.com', '--json');
    expect(created.code).toBe(0);
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${created.json.secret}` },
      body: JSON.stringify({ query: '{ viewer { email isAdmin } }' }),
    });
    expect(await response.json()).toEqual({ data: { viewer: { email: 'ada@example.com', isAdmin: true } } });
    const duplicate = await intake('project', 'create', '--workspace', 'held', '--slug', 'held-web', '--name', 'Again', '--json');
    expect(duplicate.code).toBe(1);
    expect(duplicate.json.error.code).toBe('conflict');
  });

  it('refuses a second server on the same data directory', async () => {
    const second = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, npmStart.args, { cwd: root, env: { ...env, ...npmStart.env, PORT: String(port + 1) } }, (error, _stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code) : 0, stderr }),
      );
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/in use by process \d+/);
  });

  // How fast (< 1 s) is measured by bench/cli-command.ts, not timed here.
  it('answers a command through the socket while the server holds the directory', async () => {
    const created = await intake('workspace', 'create', '--slug', 'through-the-socket', '--name', 'Socket', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(created.json.workspace.slug).toBe('through-the-socket');
  });

  // The durable job queue across a crash: the next server on the directory delivers, once.
  it('delivers, after a restart, a webhook enqueued by a server killed with SIGKILL before delivering it', async () => {
    const slug = uniqueSlug('crash');
    expect((await intake('workspace', 'create', '--slug', slug, '--name', 'Crash', '--json')).code).toBe(0);
    const { project } = (await intake('project', 'create', '--workspace', slug, '--slug', 'web', '--name', 'Web', '--json')).json;
    const ops = (await intake('token', 'create', '--name', 'ops', '--workspace', slug, '--json')).json.secret;
    const ingest = (await intake('token', 'create', '--name', 'ci', '--project', String(project.id), '--ability', 'report:create', '--json')).json.secret;
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
    expect(received).toHaveLength(0);

    server.kill('SIGKILL');
    await serverExit;
    await startServer(); // takes over the dead server's lock; runs the queue
    await waitFor(async () => received.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for a second delivery, were there one
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!)).toMatchObject({ type: 'report.created', data: { title: 'Survives a crash' }, project: { slug: 'web' } });
  });

  it('shuts down cleanly on SIGTERM, releasing the directory for the CLI', async () => {
    server.kill('SIGTERM');
    expect(await serverExit).toBe(0);
    expect(fs.existsSync(path.join(dir, 'intake.lock'))).toBe(false);
    const after = await intake('migrate', '--json'); // opens the directory itself
    expect(after.json).toEqual({ ok: true, applied: [] });
  });
});

describe('the data-directory lock (in-process)', () => {
  it('counts as held only while its pid is alive and still the process that wrote it', () => {
    const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-lock-'));
    try {
      const holdBy = (content: string) => fs.writeFileSync(lockPath(runtime), content);
      const other = process.ppid; // alive, and not this process
      holdBy(`${other} ${processStartTime(other)}`);
      expect(lockHolder(runtime)).toBe(other);
      expect(() => acquireDataDirLock(runtime)).toThrow(new DataDirBusy(other));
      holdBy(`${other}`); // written before start times were recorded: held while the pid is node
      expect(lockHolder(runtime)).toBe(other);
      for (const stale of [`${other} 1`, '1', '2147483646', `${process.pid}`, 'garbage']) {
        holdBy(stale);
        expect(lockHolder(runtime), stale).toBeUndefined();
      }
      const lock = acquireDataDirLock(runtime);
      expect(fs.readFileSync(lockPath(runtime), 'utf8')).toBe(`${process.pid} ${processStartTime(process.pid)}`);
      lock.release();
      expect(fs.existsSync(lockPath(runtime))).toBe(false);
    } finally {
      fs.rmSync(runtime, { recursive: true, force: true });
    }
  });
});

describe('the data-directory lock, taken over by two processes at once', () => {
  it('leaves it to one: the process whose new lock was removed under it backs off as busy', async () => {
    const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-lock-'));
    const file = lockPath(runtime);
    const theirs = path.join(runtime, 'theirs');
    // The other process has read the same stale lock; it removes and rewrites the file the moment ours appears.
    const other = spawn(process.execPath, ['-e', `
      const fs = require('node:fs');
      process.stdout.write('ready\\n');
      const deadline = Date.now() + 10000;
      while (Date.now() < deadline) {
        let text = '';
        try { text = fs.readFileSync(${JSON.stringify(file)}, 'utf8'); } catch {}
        if (text.startsWith('${process.pid} ') && fs.existsSync(${JSON.stringify(theirs)})) {
          fs.rmSync(${JSON.stringify(file)});
          fs.writeFileSync(${JSON.stringify(file)}, fs.readFileSync(${JSON.stringify(theirs)}, 'utf8'));
          break;
        }
      }
      setTimeout(() => {}, 3000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(other.stdout!, 'data');
      fs.writeFileSync(theirs, `${other.pid} ${processStartTime(other.pid!)}`);
      fs.writeFileSync(file, '1'); // stale
      expect(() => acquireDataDirLock(runtime)).toThrow(new DataDirBusy(other.pid!));
      expect(lockHolder(runtime)).toBe(other.pid);
    } finally {
      other.kill();
      fs.rmSync(runtime, { recursive: true, force: true });
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitFor(ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not become healthy in time');
}
