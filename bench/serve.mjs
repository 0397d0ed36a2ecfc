// Child process of the benchmarks: serves Intake as `npm start` runs it (the compiled build,
// NODE_ENV=production, the start script's node flags: see lib.ts), or a bare Fastify route, so
// that load generation and server never share one event loop. Prints one JSON line `{ "url": … }`
// once listening. Plain JavaScript: no TypeScript loader in the measured process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../dist/config.js';
import { RATE_LIMITS } from '../dist/modules/index.js';
import { startServer } from '../dist/server.js';

const [kind = 'intake'] = process.argv.slice(2);
let stop = async () => {};
process.on('SIGTERM', () => void stop().finally(() => process.exit(0)));

async function listen() {
  if (kind === 'bare') {
    // The ceiling of this machine and runtime: answers any method and path with a fixed body.
    const status = Number(process.env.BARE_STATUS ?? 200);
    const body = process.env.BARE_BODY ?? '';
    const app = Fastify({ logger: false });
    app.all('/*', async (_request, reply) => reply.code(status).header('content-type', 'application/json').send(body));
    return app.listen({ host: '127.0.0.1', port: 0 });
  }
  const dir = process.env.BENCH_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'intake-bench-'));
  const unlimited = Object.fromEntries(Object.keys(RATE_LIMITS).map((family) => [family, 1_000_000_000]));
  const base = loadConfig(process.env);
  const server = await startServer({
    ...base,
    host: '127.0.0.1',
    port: 0,
    databaseUrl: process.env.DATABASE_URL || path.join(dir, 'pglite'),
    storageDir: path.join(dir, 'blobs'),
    runtimeDir: dir,
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'silent',
    rateLimits: process.env.BENCH_KEEP_RATE_LIMITS ? base.rateLimits : unlimited,
    maxConnectionsPerClient: 100_000,
  });
  stop = server.stop;
  return server.url;
}

console.log(JSON.stringify({ url: await listen() }));
