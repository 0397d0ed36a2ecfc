// The embedded database's own thread: PGlite (PostgreSQL compiled to WASM) serving the PostgreSQL
// wire protocol on a private Unix socket. Queries run here, so a slow one no longer stalls HTTP and
// GraphQL on the main thread, and the main thread reaches it through the same `pg` adapter as a
// PostgreSQL server. Plain JavaScript so it runs unchanged from src/ (tests, tsx) and dist/.
//
// PGlite has one session; several connections share it. Each connection's messages are executed
// a whole exchange at a time (up to Sync, or one simple Query), so two connections' unnamed
// prepared statements never interleave, and while a transaction is open only the connection that
// opened it is served. (@electric-sql/pglite-socket multiplexes message by message, which lets a
// Bind of one connection meet the Parse of another; hence this small server.)
import fs from 'node:fs';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, protocol } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

const { dataDir, loadDataDir, startParams, socketPath } = workerData;

/**
 * PGlite parses every reply it produces, for its own query API, even the replies it streams raw;
 * this thread only forwards bytes. The parse was ~30% of this thread's time under the uncached
 * board (README, "The embedded database's thread"), and 0.4 kept the parsed messages until its next
 * parsed call. While `forwarding`, PGlite's parser (the class it exports as `protocol.Parser`)
 * skips. Its parsed API still parses (PGlite's own start-up); the check after start fails loudly
 * should a PGlite upgrade stop using the exported class.
 */
let forwarding = false;
let parsed = 0;
const parseReply = protocol.Parser.prototype.parse;
protocol.Parser.prototype.parse = function parseUnlessForwarding(...args) {
  if (forwarding) return undefined;
  parsed++;
  return parseReply.apply(this, args);
};

// Extensions the migrations create (prisma/schema.prisma's `extensions`) must be loaded here.
const db = new PGlite({ dataDir, loadDataDir, extensions: { pg_trgm }, startParams: [...PGlite.defaultStartParams, ...startParams] });
await db.waitReady;
await db.exec('SELECT 1');
if (parsed === 0) throw new Error('PGlite no longer parses its replies with its exported protocol.Parser: embedded-worker.mjs cannot skip the parse');

/**
 * Every statement this thread runs goes through here, unparsed, its reply to `onReply`; its own
 * (a checkpoint, a rollback) too, with their own callback: PGlite keeps the last stream's reply
 * callback for its later calls, parsed ones included.
 */
async function runRaw(bytes, onReply) {
  let done;
  forwarding = true;
  try {
    done = db.execProtocolRawStream(bytes, { onRawData: onReply });
  } finally {
    forwarding = false;
  }
  await done;
}

/** One simple-protocol Query (Q) message. */
function simpleQuery(sql) {
  const text = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + text.length);
  message[0] = 0x51;
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}

/** Runs one of this thread's own statements; resolves to PostgreSQL's error text, if it failed. */
async function runOwnStatement(sql) {
  const reply = [];
  await db.runExclusive(() => runRaw(simpleQuery(sql), (data) => reply.push(data)));
  const bytes = Buffer.concat(reply);
  for (let offset = 0; offset + 5 <= bytes.length; offset += 1 + bytes.readInt32BE(offset + 1)) {
    if (bytes[offset] !== 0x45) continue; // ErrorResponse: fields of a type byte and a text; M is the message
    const fields = bytes.toString('utf8', offset + 5, offset + 1 + bytes.readInt32BE(offset + 1)).split('\0');
    return fields.find((field) => field.startsWith('M'))?.slice(1) ?? 'unknown error';
  }
  return undefined;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Messages that end an exchange: Sync, simple Query, Flush. */
const EXCHANGE_END = new Set([0x53, 0x51, 0x48]);
const TERMINATE = 0x58;
/** EMBEDDED_DEBUG=1: every few seconds, this thread's heap and what it ran last (stderr). */
const DEBUG = Boolean(process.env.EMBEDDED_DEBUG);
let debugStarted;

/**
 * PGlite runs PostgreSQL without its checkpointer. Once the WAL since the last checkpoint passes
 * max_wal_size / (1 + checkpoint_completion_target), a backend requests a checkpoint and waits for
 * a process that does not exist: the thread spun at 100% CPU forever (reproduced at ~560 MB of
 * WAL: a table passing that size, or bench/analytics at ~125 runs of 2,000 cases). The client
 * raises max_wal_size far beyond reach, and this thread checkpoints itself every CHECKPOINT_MS,
 * between transactions, which also lets PostgreSQL recycle the WAL (the disk stays bounded).
 */
const CHECKPOINT_MS = Number(process.env.EMBEDDED_CHECKPOINT_MS || 5 * 60 * 1000);
let checkpointDue = false;
setInterval(() => {
  checkpointDue = true;
  void runExchanges();
}, CHECKPOINT_MS).unref();

/**
 * Named prepared statements live in the session, and the connections share it: one connection's
 * Parse of a name another has prepared would fail ("already exists"). The client names a statement
 * by a hash of its text (client.ts), so a name already prepared holds the same text: such a Parse is
 * sent as a Parse of the unnamed statement (same reply, nothing clashes), and the connection's Bind
 * then finds the shared one. A Close of a named statement closes the unnamed portal instead (same
 * reply): another connection still uses the statement. node-postgres sends a Parse first in its
 * exchange, so the exchange's first reply tells whether it was prepared.
 */
const prepared = new Set();
const PARSE = 0x50;
const CLOSE = 0x43;
const PARSE_COMPLETE = 0x31;
const CLOSE_UNNAMED_PORTAL = Buffer.from([CLOSE, 0, 0, 0, 6, 0x50, 0]);

function shareStatements(messages) {
  let name;
  const sent = messages.map((message, index) => {
    if (message[0] === CLOSE && message[5] === 0x53 && message[6] !== 0) return CLOSE_UNNAMED_PORTAL;
    if (message[0] !== PARSE || message[5] === 0) return message;
    const nameEnd = message.indexOf(0, 5);
    const parsed = message.toString('latin1', 5, nameEnd);
    if (!prepared.has(parsed)) {
      if (index === 0) name = parsed;
      return message;
    }
    const unnamed = Buffer.concat([Buffer.from([PARSE, 0, 0, 0, 0, 0]), message.subarray(nameEnd + 1)]);
    unnamed.writeInt32BE(unnamed.length - 1, 1);
    return unnamed;
  });
  return { bytes: new Uint8Array(Buffer.concat(sent)), name };
}

/** Exchanges ready to run: {connection, messages}, each message a Buffer. */
const ready = [];
let transactionOwner = null;
let running = false;

async function runExchanges() {
  if (running) return;
  running = true;
  try {
    for (;;) {
      if (checkpointDue && !transactionOwner) {
        checkpointDue = false;
        const failure = await runOwnStatement('CHECKPOINT');
        if (failure) process.stderr.write(`embedded database: checkpoint failed: ${failure}\n`);
      }
      const index = transactionOwner ? ready.findIndex((e) => e.connection === transactionOwner) : 0;
      if (index < 0 || ready.length === 0) break; // the transaction's owner has not sent its next exchange yet
      const [{ connection, messages }] = ready.splice(index, 1);
      const exchange = shareStatements(messages);
      if (DEBUG) {
        debugStarted = { at: Date.now(), text: Buffer.from(exchange.bytes.subarray(0, 400)).toString('latin1').replace(/[^\x20-\x7e]+/g, ' ') };
        fs.writeFileSync(`${socketPath}.last-exchange`, `${new Date().toISOString()} ${debugStarted.text}\n`); // readable while this thread is busy
      }
      let chunks = 0;
      // The reply leaves in one write, however many chunks PGlite hands over.
      connection.socket.cork();
      await db
        .runExclusive(() =>
          runRaw(exchange.bytes, (data) => {
            if (chunks === 0 && exchange.name && data[0] === PARSE_COMPLETE) prepared.add(exchange.name);
            if (DEBUG && chunks < 200) fs.appendFileSync(`${socketPath}.last-exchange`, `  out ${data.length}: ${Buffer.from(data.subarray(0, 300)).toString('latin1').replace(/[^\x20-\x7e]+/g, ' ')}\n`);
            chunks++;
            connection.socket.write(data);
          }),
        )
        .catch(() => connection.socket.destroy())
        .finally(() => connection.socket.uncork());
      transactionOwner = db.isInTransaction() ? connection : null;
    }
  } finally {
    running = false;
  }
}

function serve(socket) {
  const connection = { socket, started: false, pending: [], buffered: Buffer.alloc(0) };
  socket.on('data', (chunk) => {
    connection.buffered = connection.buffered.length ? Buffer.concat([connection.buffered, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      const rest = connection.buffered.length - offset;
      if (!connection.started) {
        if (rest < 8) break;
        const length = connection.buffered.readInt32BE(offset);
        if (rest < length) break;
        const code = connection.buffered.readInt32BE(offset + 4);
        const message = connection.buffered.subarray(offset, offset + length);
        offset += length;
        if (code === SSL_REQUEST || code === GSS_REQUEST) socket.write('N');
        else if (code === CANCEL_REQUEST) socket.destroy();
        else {
          connection.started = true;
          ready.push({ connection, messages: [message] });
        }
        continue;
      }
      if (rest < 5) break;
      const type = connection.buffered[offset];
      const length = 1 + connection.buffered.readInt32BE(offset + 1);
      if (rest < length) break;
      if (type === TERMINATE) {
        socket.end();
        break;
      }
      connection.pending.push(connection.buffered.subarray(offset, offset + length));
      offset += length;
      if (EXCHANGE_END.has(type)) {
        ready.push({ connection, messages: connection.pending });
        connection.pending = [];
      }
    }
    connection.buffered = connection.buffered.subarray(offset);
    void runExchanges();
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', async () => {
    for (let i = ready.length - 1; i >= 0; i--) if (ready[i].connection === connection) ready.splice(i, 1);
    if (transactionOwner === connection) {
      // A connection that dies inside its transaction must not leave the session holding it.
      await runOwnStatement('ROLLBACK');
      transactionOwner = null;
      void runExchanges();
    }
  });
}

const server = net.createServer(serve);
await new Promise((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
parentPort.postMessage({ type: 'ready' });

parentPort.on('message', async (message) => {
  try {
    if (message.type === 'dump') parentPort.postMessage({ type: 'dump', blob: await db.dumpDataDir('none') });
    if (message.type === 'close') {
      await new Promise((resolve) => server.close(resolve));
      await db.close();
      parentPort.postMessage({ type: 'closed' });
    }
  } catch (error) {
    parentPort.postMessage({ type: 'failed', message: String(error?.stack ?? error) });
  }
});

if (DEBUG) {
  const v8 = await import('node:v8');
  setInterval(() => process.stderr.write(`embedded database thread: heap ${Math.round(v8.getHeapStatistics().used_heap_size / 1e6)} MB, owner ${transactionOwner ? 'set' : 'none'}, ready ${ready.length}, last exchange ${Date.now() - (debugStarted?.at ?? Date.now())} ms ago: ${debugStarted?.text}\n`), 5000).unref();
}
