// PGlite opens a data directory from one process only. Whoever serves an embedded database holds
// `<runtimeDir>/intake.lock` (its pid); others (the CLI while `npm start` runs) talk to it over
// `<runtimeDir>/intake.sock` instead of opening the directory a second time.
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

/** The pid holding the lock, or undefined when nobody (alive) holds it. */
export function lockHolder(runtimeDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lockPath(runtimeDir), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class DataDirBusy extends Error {
  constructor(readonly pid: number) {
    super(`the embedded database is in use by process ${pid}`);
  }
}

/** Take the lock or throw DataDirBusy. A stale lock (dead pid) is taken over. */
export function acquireDataDirLock(runtimeDir: string): DataDirLock {
  fs.mkdirSync(runtimeDir, { recursive: true });
  const file = lockPath(runtimeDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' }); // atomic: fails if it exists
      let released = false;
      return {
        socketPath: socketPath(runtimeDir),
        release() {
          if (released) return;
          released = true;
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(runtimeDir);
      if (holder !== undefined) throw new DataDirBusy(holder);
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take ${file}`);
}
