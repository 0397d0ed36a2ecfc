// `intake` — the operator CLI. On PostgreSQL (or memory://) it opens the database itself. On an
// embedded data directory it either takes the lock and opens it, or, when `npm start` already
// holds it, sends the command to that server over its socket: two processes never open one
// PGlite directory.
// Only what parsing and forwarding need is imported up front: a command sent to a running
// server answers without loading the database client or the app (< 1 s).
import { loadConfig, isEmbeddedPath, type Config } from './config.ts';
import { acquireDataDirLock, DataDirBusy, lockHolder, socketPath } from './db/lock.ts';
import { errorJson, parseCommand, usage, UsageError, type Command, type CommandResult } from './cli/parse.ts';
import { sendToServer } from './cli/send.ts';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function runLocally(config: Config, command: Command): Promise<CommandResult> {
  const lock = isEmbeddedPath(config.databaseUrl) ? acquireDataDirLock(config.runtimeDir) : undefined;
  try {
    const [{ default: pino }, { openDatabase }, { closeServices, createServices }, { executeCommand }] = await Promise.all([
      import('pino'), import('./db/client.ts'), import('./services.ts'), import('./cli/commands.ts'),
    ]);
    const db = await openDatabase(config.databaseUrl);
    try {
      if (command.path !== 'migrate') await db.migrate();
      const services = await createServices(config, db, pino({ level: 'silent' }));
      try {
        return await executeCommand(services, command);
      } finally {
        await closeServices(services);
      }
    } finally {
      await db.close();
    }
  } finally {
    lock?.release();
  }
}

async function run(config: Config, command: Command): Promise<CommandResult> {
  if (!isEmbeddedPath(config.databaseUrl)) return runLocally(config, command);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (lockHolder(config.runtimeDir) !== undefined) {
      const reply = await sendToServer(socketPath(config.runtimeDir), command);
      if (reply.ok) return reply.result;
      throw Object.assign(new Error(reply.error.message), { remote: reply.error });
    }
    try {
      return await runLocally(config, command);
    } catch (error) {
      if (!(error instanceof DataDirBusy)) throw error; // a server started meanwhile: go through it
    }
  }
  throw new Error('the embedded database is busy; try again');
}

/** Where a CLI run reads its configuration, writes its output, and runs its command. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
  /** Runs a parsed command; by default on the configured database, or through a running server. */
  execute(config: Config, command: Command): Promise<CommandResult>;
  /** `intake push` draws a progress bar on a terminal. */
  isTTY?: boolean;
  write?(text: string): void;
}

const processIo: CliIo = {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  execute: run,
  isTTY: Boolean(process.stdout.isTTY),
  write: (text) => void process.stdout.write(text),
};

/** The CLI contract: argv in, output and an exit code out (0 done, 1 refused, 2 usage). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  // `push` is a client of a running server (HTTP), with the kensho CLI's exit codes.
  if (argv[0] === 'push') {
    const { push } = await import('./cli/push.ts');
    return push(argv.slice(1), { env: io.env, out: io.out, err: io.err, isTTY: io.isTTY ?? false, write: io.write });
  }
  const wantsJson = argv.includes('--json');
  if (argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h')) {
    io.out(usage());
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  try {
    const command = parseCommand(argv);
    const result = await io.execute(loadConfig(io.env), command);
    const { summary, ...data } = result;
    io.out(command.json ? JSON.stringify({ ok: true, ...data }) : summary);
    return 0;
  } catch (error) {
    const remote = (error as { remote?: ReturnType<typeof errorJson> }).remote;
    const described = remote ?? errorJson(error);
    if (wantsJson) io.out(JSON.stringify({ ok: false, error: described }));
    else io.err(`intake: ${described.message}`);
    return error instanceof UsageError || described.code === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
  }
}
