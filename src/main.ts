// `npm start`: serve until SIGTERM/SIGINT, then close cleanly (in-flight requests finish, the
// database closes, the data-directory lock is released).
import { isEmbeddedPath, loadConfig } from './config.ts';
import { DataDirBusy, lockHolder } from './db/lock.ts';
import type { RunningServer } from './server.ts';

function refuse(error: DataDirBusy): never {
  console.error(`intake: ${error.message}; stop it first (one process per embedded database).`);
  process.exit(1);
}

const config = loadConfig();
// Refused before the app is loaded (~1.5 s of a start); startServer still takes the lock atomically.
const holder = isEmbeddedPath(config.databaseUrl) ? lockHolder(config.runtimeDir) : undefined;
if (holder !== undefined) refuse(new DataDirBusy(holder));
const { startServer } = await import('./server.ts');
let server: RunningServer;
try {
  server = await startServer(config);
} catch (error) {
  if (!(error instanceof DataDirBusy)) throw error;
  refuse(error);
}

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  server.app.log.info({ signal }, 'shutting down');
  await server.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
server.app.log.info(`GraphiQL at ${config.publicUrl}/graphql`);
