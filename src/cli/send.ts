// The CLI's side of the server socket (see socket.ts): one JSON line out, one JSON line back.
// Light on purpose: forwarding a command must not load the database client or the app.
import net from 'node:net';
import type { Command, CommandResult, errorJson } from './parse.ts';

export type SocketReply = { ok: true; result: CommandResult } | { ok: false; error: ReturnType<typeof errorJson> };

export function sendToServer(socketPath: string, command: Command, timeoutMs = 60_000): Promise<SocketReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from the server on ${socketPath}`)));
    socket.on('connect', () => socket.write(`${JSON.stringify(command)}\n`));
    socket.on('data', (chunk) => (buffer += chunk));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(buffer) as SocketReply);
      } catch {
        reject(new Error(`malformed answer from the server on ${socketPath}`));
      }
    });
    socket.on('error', reject);
  });
}
