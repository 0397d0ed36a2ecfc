// While a server holds the embedded database, CLI commands travel to it over a Unix socket
// (mode 0600: only the owner of the data directory may connect, and it acts as the operator).
// One JSON line in, one JSON line out.
import fs from 'node:fs';
import net from 'node:net';
import type { Services } from '../services.ts';
import { executeCommand } from './commands.ts';
import { errorJson, type Command } from './parse.ts';
import type { SocketReply } from './send.ts';

export function serveCliSocket(services: Services, socketPath: string): () => Promise<void> {
  fs.rmSync(socketPath, { force: true }); // left by a crashed server; we hold the lock now
  const server = net.createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', async (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      let reply: SocketReply;
      try {
        const command = JSON.parse(buffer.slice(0, newline)) as Command;
        reply = { ok: true, result: await executeCommand(services, command) };
      } catch (error) {
        reply = { ok: false, error: errorJson(error) };
      }
      socket.end(`${JSON.stringify(reply)}\n`);
    });
    socket.on('error', () => {});
  });
  server.listen(socketPath, () => fs.chmodSync(socketPath, 0o600));
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      fs.rmSync(socketPath, { force: true });
    });
}
