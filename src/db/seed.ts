// A new embedded data directory starts as a copy of the migrated cluster `npm run build` leaves in
// dist/ (scripts/build.mjs): ~2 s instead of ~9 s of CPU for initdb and every migration in
// WebAssembly at a user's first start. The migrator then applies whatever came after the seed.
// The seed is PGlite's own dump (a ustar archive of the data directory); its files are written
// here directly, as PGlite's loading them through its WebAssembly file system cost ~1.5 s more.
import fs from 'node:fs';
import path from 'node:path';

/** The same path from src/db and dist/db. Absent in a source checkout never built. */
export const EMBEDDED_SEED = new URL('../../dist/embedded-seed.tar', import.meta.url);

/**
 * Writes the seed (or `archive`) into `dataDir` when that holds no cluster yet: unpacked beside it,
 * then renamed into place, so a crash leaves no half-written cluster. False when there is no seed
 * (PGlite then runs initdb) or the directory is already in use.
 */
export function seedDataDirectory(dataDir: string, archive?: Buffer): boolean {
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) return false;
  if (!archive && !fs.existsSync(EMBEDDED_SEED)) return false;
  const staging = `${dataDir}.seeding-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    unpackArchive(archive ?? fs.readFileSync(EMBEDDED_SEED), staging);
    fs.renameSync(staging, dataDir); // replaces an empty directory too
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return true;
}

const field = (header: Buffer, start: number, length: number) => header.toString('latin1', start, start + length).replace(/\0.*$/s, '');

function unpackArchive(archive: Buffer, into: string): void {
  fs.mkdirSync(into, { recursive: true });
  for (let offset = 0; offset + 512 <= archive.length; ) {
    const header = archive.subarray(offset, offset + 512);
    const name = field(header, 345, 155) + field(header, 0, 100); // ustar prefix, then name
    if (!name) break; // the zero blocks that end an archive
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const target = path.join(into, name);
    if (path.relative(into, target).startsWith('..')) throw new Error(`embedded seed: entry outside the data directory: ${name}`);
    const type = field(header, 156, 1);
    if (type === '5') fs.mkdirSync(target, { recursive: true });
    else if (type === '0' || type === '') {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, archive.subarray(offset + 512, offset + 512 + size));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}
