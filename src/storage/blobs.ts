// Attachment bytes, content-addressed: <dir>/<sha[0..2]>/<sha>. Uploads stream into a temp file
// (hashed and counted on the way, never held in memory whole), are fsynced, then renamed onto
// their sha256 path, so a blob is either whole or absent and the same bytes are stored once.
// Blobs are never deleted inline: `collectGarbage` removes the ones no attachment references
// once they are older than a grace period, which closes the race between a failed submission
// and a concurrent one reusing the same bytes. Files are private to the service's user.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SNIFF_BYTES } from './file-type.ts';

export interface StoredBlob {
  sha256: string;
  size: number;
  /** The first bytes, enough to tell the file's type by its magic number. */
  head: Uint8Array;
}

/** Bytes received into a temp file, not yet in the store: `commit` or `discard` them. */
export interface SpooledBlob extends StoredBlob {
  tempPath: string;
}

/** A stream that went past the size its caller allows: drained, nothing kept. */
export interface OversizeBlob {
  oversize: true;
}

const HEAD_BYTES = SNIFF_BYTES;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

export class BlobStore {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  private get tempDir(): string {
    return path.join(this.dir, 'tmp');
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    return this.commit((await this.spool(Readable.from([bytes]), Number.MAX_SAFE_INTEGER)) as SpooledBlob);
  }

  /**
   * Receives a stream into a temp file, hashing and counting on the way. Past `maxBytes` it stops
   * writing, drains the rest (so the request can go on to its next part) and keeps nothing.
   */
  async spool(source: Readable, maxBytes: number): Promise<SpooledBlob | OversizeBlob> {
    await fs.promises.mkdir(this.tempDir, { recursive: true, mode: DIR_MODE });
    const tempPath = path.join(this.tempDir, `${process.pid}.${crypto.randomBytes(8).toString('hex')}`);
    const hash = crypto.createHash('sha256');
    const head: Buffer[] = [];
    let size = 0;
    let headLength = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) return done(); // drain: swallow the rest
        if (headLength < HEAD_BYTES) {
          head.push(chunk.subarray(0, HEAD_BYTES - headLength));
          headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, measure, fs.createWriteStream(tempPath, { flags: 'wx', mode: FILE_MODE }));
      if (size <= maxBytes) await fsync(tempPath);
    } catch (error) {
      await fs.promises.rm(tempPath, { force: true });
      throw error;
    }
    if (size > maxBytes) {
      await fs.promises.rm(tempPath, { force: true });
      return { oversize: true };
    }
    return { sha256: hash.digest('hex'), size, head: new Uint8Array(Buffer.concat(head)), tempPath };
  }

  /** Moves spooled bytes onto their sha256 path (or drops them when already stored). */
  async commit(spooled: SpooledBlob): Promise<StoredBlob> {
    const target = this.pathOf(spooled.sha256);
    // Renewing the file time of bytes already stored restarts their grace period, so the
    // collector cannot take them while this request goes on to commit its attachment row. If
    // they are gone (or never were), these bytes take their place.
    const now = new Date();
    const renewed = await fs.promises.utimes(target, now, now).then(() => true, () => false);
    if (renewed) {
      await fs.promises.rm(spooled.tempPath, { force: true });
    } else {
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: DIR_MODE });
      await fs.promises.rename(spooled.tempPath, target);
    }
    return { sha256: spooled.sha256, size: spooled.size, head: spooled.head };
  }

  /** Drops spooled bytes of a request that was refused. */
  async discard(spooled: Array<SpooledBlob | OversizeBlob>): Promise<void> {
    await Promise.all(spooled.map((blob) => ('tempPath' in blob ? fs.promises.rm(blob.tempPath, { force: true }) : undefined)));
  }

  exists(sha256: string): boolean {
    return fs.existsSync(this.pathOf(sha256));
  }

  /** Its bytes as a stream (`end`: the last byte wanted, inclusive). */
  read(sha256: string, range: { end?: number } = {}): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256), range);
  }

  /**
   * Removes blobs older than `graceMs` that `isReferenced` does not claim, and temp files of
   * uploads that never finished. Returns how many files went.
   */
  async collectGarbage(graceMs: number, referenced: (sha256s: string[]) => Promise<Set<string>>, now = Date.now()): Promise<number> {
    let removed = 0;
    const old = async (file: string) => (await fs.promises.stat(file).catch(() => undefined))?.mtimeMs ?? now;
    const entries = await fs.promises.readdir(this.dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const folder = path.join(this.dir, entry.name);
      const names = await fs.promises.readdir(folder);
      if (entry.name === 'tmp') {
        for (const name of names) {
          if (now - (await old(path.join(folder, name))) > graceMs) removed += await remove(path.join(folder, name));
        }
        continue;
      }
      const candidates: string[] = [];
      for (const name of names) {
        if (/^[0-9a-f]{64}$/.test(name) && now - (await old(path.join(folder, name))) > graceMs) candidates.push(name);
      }
      if (candidates.length === 0) continue;
      const keep = await referenced(candidates);
      for (const sha of candidates) {
        // Re-read the mtime: an upload of the same bytes during the lookup renewed its grace.
        if (!keep.has(sha) && now - (await old(this.pathOf(sha))) > graceMs) removed += await remove(this.pathOf(sha));
      }
    }
    return removed;
  }
}

async function fsync(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const remove = (file: string) => fs.promises.rm(file, { force: true }).then(() => 1, () => 0);
