// `npm start`: build the app, listen, and close cleanly on SIGTERM/SIGINT (in-flight requests
// finish, the database closes, the data-directory lock is released).
import { buildApp } from './app.ts';
import { isEmbeddedPath, loadConfig } from './config.ts';
import { acquireDataDirLock, DataDirBusy, type DataDirLock } from './db/lock.ts';
import { serveCliSocket } from './cli/socket.ts';
import { RECURRING_JOBS } from './jobs/index.ts';
import { startJobScheduler } from './jobs/scheduler.ts';

const config = loadConfig();
let lock: DataDirLock | undefined;
try {
  lock = isEmbeddedPath(config.databaseUrl) ? acquireDataDirLock(config.runtimeDir) : undefined;
} catch (error) {
  if (!(error instanceof DataDirBusy)) throw error;
  console.error(`intake: ${error.message}; stop it first (one process per embedded database).`);
  process.exit(1);
}

const app = await buildApp(config);
startJobScheduler(app.services, RECURRING_JOBS);
const closeSocket = lock ? serveCliSocket(app.services, lock.socketPath) : async () => {};

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  await closeSocket();
  await app.close();
  lock?.release();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ host: config.host, port: config.port });
app.log.info(`GraphiQL at ${config.publicUrl}/graphql`);
