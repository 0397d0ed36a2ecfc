// `npm run build`: compiles src/ to dist/ from scratch (no leftovers of deleted sources), writes the
// embedded seed (writeEmbeddedSeed) and stamps it. `--if-stale` (the test suite's global setup)
// builds only when a file under src/ or prisma/, or the lockfile, changed since the stamp: the
// tests spawn the compiled CLI and server and clone the seed, and a build costs ~20 s where
// checking costs milliseconds.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'dist', '.built');

/** The newest change under `dir`: a file written, or one added, removed or renamed (the directory's own time). */
function newestChange(dir) {
  let newest = fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const seedFiles = ['dist/embedded-seed.tar', 'dist/embedded-seed.json'].map((file) => path.join(root, file));
if (process.argv.includes('--if-stale') && fs.existsSync(stamp) && seedFiles.every((file) => fs.existsSync(file))) {
  const built = fs.statSync(stamp).mtimeMs;
  if (Math.max(newestChange(path.join(root, 'src')), newestChange(path.join(root, 'prisma')), fs.statSync(path.join(root, 'package-lock.json')).mtimeMs) < built) process.exit(0);
}
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
await writeEmbeddedSeed();
fs.writeFileSync(stamp, '');

/**
 * dist/embedded-seed.tar: a migrated embedded cluster, from which a new data directory starts
 * (src/db/seed.ts) and the test suite clones its databases. initdb and every
 * migration in WebAssembly cost ~5 s here, once per build, instead of at a user's first start.
 */
async function writeEmbeddedSeed() {
  v8.setFlagsFromString('--liftoff-only'); // as npm start: the database's WASM is not optimised
  const { openDatabase } = await import(pathToFileURL(path.join(root, 'dist/db/client.js')).href);
  const { EMBEDDED_SEED, EMBEDDED_SEED_MANIFEST, installedPgliteVersion } = await import(pathToFileURL(path.join(root, 'dist/db/seed.js')).href);
  const db = await openDatabase('memory://');
  const migrations = await db.migrate();
  const seed = Buffer.from(await (await db.dumpDataDir()).arrayBuffer());
  await db.close();
  // Whole or absent: a build interrupted here leaves no half a seed (nor a stamp).
  const partial = `${fileURLToPath(EMBEDDED_SEED)}.${process.pid}`;
  fs.writeFileSync(partial, seed);
  fs.renameSync(partial, EMBEDDED_SEED);
  fs.writeFileSync(EMBEDDED_SEED_MANIFEST, `${JSON.stringify({ pglite: installedPgliteVersion(), migrations }, null, 2)}\n`);
}
