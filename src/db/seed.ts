// A new embedded data directory starts as a copy of the migrated cluster `npm run build` leaves in
// dist/ (scripts/build.mjs): ~2 s instead of ~9 s of CPU for initdb and every migration in
// WebAssembly at a user's first start. The migrator then applies whatever came after the seed.
// The seed is PGlite's own dump (a ustar archive of the data directory); its files are written
// here directly, as PGlite's loading them through its WebAssembly file system cost ~1.5 s more.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MIGRATIONS_DIR } from './migrator.ts';

/** The same paths from src/db and dist/db. Absent in a source checkout never built. */
export const EMBEDDED_SEED = new URL('../../dist/embedded-seed.tar', import.meta.url);
/** What the seed was made with: PGlite's version and the migrations applied to it. */
export const EMBEDDED_SEED_MANIFEST = new URL('../../dist/embedded-seed.json', import.meta.url);

export interface SeedManifest {
  pglite: string;
  migrations: string[];
}

/** The installed PGlite's version (its package.json is not exported: found above its entry point). */
export function installedPgliteVersion(): string {
  for (let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === '@electric-sql/pglite' && manifest.version) return manifest.version;
  }
  throw new Error('the installed @electric-sql/pglite has no version');
}

/**
 * The build's seed, if this checkout may start from it: made by the installed PGlite (its on-disk
 * format) and with no migration that is no longer in prisma/migrations (a branch switched without
 * a rebuild). Anything else, and a new directory is initialised by initdb instead.
 */
export function usableSeed(seedFile: URL | string = EMBEDDED_SEED, manifestFile: URL | string = EMBEDDED_SEED_MANIFEST): Buffer | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as SeedManifest;
    if (manifest.pglite !== installedPgliteVersion()) return undefined;
    const committed = new Set(fs.readdirSync(MIGRATIONS_DIR));
    if (!manifest.migrations.every((name) => committed.has(name))) return undefined;
    return fs.readFileSync(seedFile);
  } catch {
    return undefined; // no build, or an unreadable one
  }
}

/**
 * Writes the seed (or `archive`) into `dataDir` when that holds no cluster yet: unpacked beside it,
 * then renamed into place, so an interrupted start leaves no half-written cluster. False when
 * there is no usable seed or the directory holds anything (PGlite then does what it did before);
 * also when the directory cannot be replaced by a rename (a mount point, a symlink), after
 * removing the unpacked copy. The caller holds the data-directory lock.
 */
export function seedDataDirectory(dataDir: string, archive?: Buffer): boolean {
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) return false;
  const seed = archive ?? usableSeed();
  if (!seed) return false;
  const parent = path.dirname(dataDir);
  const stagingPrefix = `${path.basename(dataDir)}.seeding-`;
  fs.mkdirSync(parent, { recursive: true });
  for (const leftover of fs.readdirSync(parent).filter((name) => name.startsWith(stagingPrefix))) {
    fs.rmSync(path.join(parent, leftover), { recursive: true, force: true }); // of a start killed mid-way
  }
  const staging = path.join(parent, `${stagingPrefix}${process.pid}`);
  try {
    unpackArchive(seed, staging);
    fs.renameSync(staging, dataDir); // replaces an empty directory too
    return true;
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (['EXDEV', 'EBUSY', 'ENOTDIR', 'EPERM', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) return false;
    throw error;
  }
}

const field = (header: Buffer, start: number, length: number) => header.toString('latin1', start, start + length).replace(/\0.*$/s, '');

function unpackArchive(archive: Buffer, into: string): void {
  fs.mkdirSync(into, { recursive: true });
  for (let offset = 0; ; ) {
    if (offset + 512 > archive.length) throw new Error('embedded seed: the archive is truncated');
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) return; // the zero blocks that end an archive
    const prefix = field(header, 345, 155);
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    if (!Number.isInteger(size) || size < 0 || offset + 512 + size > archive.length) throw new Error(`embedded seed: the entry ${name} is truncated`);
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
