// A serving process: takes the embedded data directory's lock (one process per PGlite directory),
// builds the app, answers the CLI over the local socket, gives the recurring jobs their queue occurrences, listens.
// main.ts (npm start) and the benchmarks' server both start here.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { isEmbeddedPath, type Config } from './config.ts';
import { acquireDataDirLock } from './db/lock.ts';
import { serveCliSocket } from './cli/socket.ts';
import { JOB_KINDS, RECURRING_JOBS } from './modules/index.ts';
import { startQueueWorker } from './jobs/queue.ts';
import { ensureRecurringJobs } from './jobs/recurring.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** Finishes in-flight requests, closes the database, releases the lock. */
  stop(): Promise<void>;
}

/** Throws DataDirBusy when another process serves the same embedded database. */
export async function startServer(config: Config): Promise<RunningServer> {
  const lock = isEmbeddedPath(config.databaseUrl) ? acquireDataDirLock(config.runtimeDir) : undefined;
  try {
    const app = await buildApp(config);
    await ensureRecurringJobs(app.services, RECURRING_JOBS);
    if (config.queueWorker) app.services.nudgeQueue = startQueueWorker(app.services, JOB_KINDS).nudge;
    const closeSocket = lock ? serveCliSocket(app.services, lock.socketPath) : async () => {};
    const url = await app.listen({ host: config.host, port: config.port });
    return {
      app,
      url,
      async stop() {
        await closeSocket();
        await app.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}
