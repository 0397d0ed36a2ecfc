// A new embedded data directory starts from the build's seed (src/db/seed.ts): written beside the
// directory and renamed into place, never over a directory that holds anything, and never outside it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/db/migrator.ts';
import { EMBEDDED_SEED_MANIFEST, installedPgliteVersion, seedDataDirectory, usableSeed, type SeedManifest } from '../src/db/seed.ts';
import { migratedDataDirectory } from './helpers.ts';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-seed-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** A one-file ustar archive naming `name`. */
function archiveOf(name: string, text: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'latin1');
  header.write(`${Buffer.byteLength(text).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('0', 156, 'latin1');
  header.write('ustar\0', 257, 'latin1');
  const body = Buffer.alloc(Math.ceil(Buffer.byteLength(text) / 512) * 512);
  body.write(text);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

describe('the embedded seed', () => {
  it('seeds a directory that does not exist, or exists empty, with a whole cluster and no staging left', () => {
    const absent = path.join(root, 'absent');
    fs.mkdirSync(`${absent}.seeding-999999`); // what a start killed while unpacking leaves
    fs.writeFileSync(`${absent}.seeding-999999/PG_VERSION`, 'half');
    migratedDataDirectory(absent);
    expect(fs.readFileSync(path.join(absent, 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/);
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    expect(seedDataDirectory(empty, archiveOf('/PG_VERSION', '17\n'))).toBe(true);
    expect(fs.readFileSync(path.join(empty, 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(fs.readdirSync(root).sort()).toEqual(['absent', 'empty']);
  });

  it('leaves a directory that holds anything as it is', () => {
    const used = path.join(root, 'used');
    fs.mkdirSync(used);
    fs.writeFileSync(path.join(used, 'notes.txt'), 'mine');
    expect(seedDataDirectory(used, archiveOf('/PG_VERSION', '17\n'))).toBe(false);
    expect(fs.readdirSync(used)).toEqual(['notes.txt']);
  });

  it('refuses an archive entry that would land outside the directory, writing nothing in its place', () => {
    const target = path.join(root, 'target');
    expect(() => seedDataDirectory(target, archiveOf('../escaped', 'x'))).toThrow(/outside the data directory/);
    expect(fs.readdirSync(root)).toEqual([]); // neither the entry, nor the directory, nor its staging
  });

  it('refuses a truncated archive, leaving nothing behind', () => {
    const whole = archiveOf('/PG_VERSION', 'x'.repeat(2_000));
    expect(() => seedDataDirectory(path.join(root, 'cut'), whole.subarray(0, 1_024))).toThrow(/truncated/);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('uses the build’s seed only when it was made by this PGlite and with no migration since removed', () => {
    const built = JSON.parse(fs.readFileSync(EMBEDDED_SEED_MANIFEST, 'utf8')) as SeedManifest;
    expect(built.pglite).toBe(installedPgliteVersion());
    expect([...built.migrations].sort()).toEqual(fs.readdirSync(MIGRATIONS_DIR).filter((name) => !name.endsWith('.toml')).sort());
    const seedFile = path.join(root, 'seed.tar');
    fs.writeFileSync(seedFile, archiveOf('/PG_VERSION', '17\n'));
    const manifest = (change: Partial<SeedManifest>) => {
      const file = path.join(root, 'seed.json');
      fs.writeFileSync(file, JSON.stringify({ ...built, ...change }));
      return file;
    };
    expect(usableSeed(seedFile, manifest({}))).toBeInstanceOf(Buffer);
    expect(usableSeed(seedFile, manifest({ pglite: '0.0.1' }))).toBeUndefined();
    expect(usableSeed(seedFile, manifest({ migrations: [...built.migrations, '20990101000000_gone'] }))).toBeUndefined();
    expect(usableSeed(path.join(root, 'absent.tar'), manifest({}))).toBeUndefined();
  });
});
