// PGlite opens a data directory from one process only. Whoever serves an embedded database holds
// `<runtimeDir>/intake.lock`; others (the CLI while `npm start` runs) talk to it over
// `<runtimeDir>/intake.sock` instead of opening the directory a second time.
// The lock names its holder by pid *and* the process's start time: in a container every restart
// reuses the same small pids, so a pid alone would make a crashed server's lock look held by
// whoever has that pid now (often the new server itself).
import fs from 'node:fs';
import path from 'node:path';

export interface DataDirLock {
  socketPath: string;
  release(): void;
}

export const lockPath = (runtimeDir: string) => path.join(runtimeDir, 'intake.lock');
export const socketPath = (runtimeDir: string) => path.join(runtimeDir, 'intake.sock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When the process started (clock ticks since boot, Linux's /proc), or '' where that is unknown. */
export function processStartTime(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''; // field 22; the name may hold spaces
  } catch {
    return '';
  }
}

function isNodeProcess(pid: number): boolean {
  try {
    return /(^|\/)node(\0|$)/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    return false;
  }
}

const lockContent = (pid: number) => `${pid} ${processStartTime(pid)}`.trim();

/** The pid holding the lock, or undefined when nobody (alive, and the same process) holds it. */
export function lockHolder(runtimeDir: string): number | undefined {
  try {
    const [pidText, started = ''] = fs.readFileSync(lockPath(runtimeDir), 'utf8').trim().split(/\s+/);
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return undefined;
    // Where start times are known, the recorded one must match: else that pid is another process now.
    // A lock without one (written before start times were recorded) counts while its pid is node.
    const now = processStartTime(pid);
    if (!now) return pid;
    if (started) return started === now ? pid : undefined;
    return isNodeProcess(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class DataDirBusy extends Error {
  constructor(readonly pid: number) {
    super(`the embedded database is in use by process ${pid}`);
  }
}

/** Blocks this thread for `ms` (only while taking over a stale lock, before anything is served). */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Take the lock or throw DataDirBusy. A stale lock (dead pid) is taken over. Two processes taking
 * over the same stale lock could both remove it, the second removing the first's new one: so a
 * takeover waits a moment and checks the file still names it, and the process that finds the
 * other's name there backs off as busy.
 */
export function acquireDataDirLock(runtimeDir: string): DataDirLock {
  fs.mkdirSync(runtimeDir, { recursive: true });
  const file = lockPath(runtimeDir);
  let tookOver = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, lockContent(process.pid), { flag: 'wx' }); // atomic: fails if it exists
      if (tookOver) {
        pause(100);
        const named = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
        if (named !== lockContent(process.pid)) {
          const holder = lockHolder(runtimeDir);
          if (holder !== undefined) throw new DataDirBusy(holder);
          continue; // removed under us and not yet retaken: try again
        }
      }
      let released = false;
      return {
        socketPath: socketPath(runtimeDir),
        release() {
          if (released) return;
          released = true;
          if (fs.readFileSync(file, 'utf8').trim() === lockContent(process.pid)) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(runtimeDir);
      if (holder !== undefined) throw new DataDirBusy(holder);
      fs.rmSync(file, { force: true }); // stale: its process is gone
      tookOver = true;
    }
  }
  throw new Error(`could not take ${file}`);
}
