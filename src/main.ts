// `npm start`: serve until SIGTERM/SIGINT, then close cleanly (in-flight requests finish, the
// database closes, the data-directory lock is released).
import { loadConfig } from './config.ts';
import { DataDirBusy } from './db/lock.ts';
import { startServer, type RunningServer } from './server.ts';

const config = loadConfig();
let server: RunningServer;
try {
  server = await startServer(config);
} catch (error) {
  if (!(error instanceof DataDirBusy)) throw error;
  console.error(`intake: ${error.message}; stop it first (one process per embedded database).`);
  process.exit(1);
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
