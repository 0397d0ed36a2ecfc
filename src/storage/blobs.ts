// Attachment bytes, content-addressed: <dir>/<sha[0..2]>/<sha>. Written to a temp file in the same
// directory, fsynced, then renamed, so a blob is either whole or absent. The same bytes twice are
// stored once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface StoredBlob {
  sha256: string;
  size: number;
  /** False when these bytes were already stored (nothing to clean up if the caller aborts). */
  created: boolean;
}

export class BlobStore {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    const target = this.pathOf(sha256);
    if (fs.existsSync(target)) return { sha256, size: bytes.byteLength, created: false };
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    const handle = await fs.promises.open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, target);
    return { sha256, size: bytes.byteLength, created: true };
  }

  exists(sha256: string): boolean {
    return fs.existsSync(this.pathOf(sha256));
  }

  read(sha256: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256));
  }

  /** Remove blobs this request created, after its transaction failed (no orphans). */
  async discard(blobs: StoredBlob[]): Promise<void> {
    await Promise.all(blobs.filter((b) => b.created).map((b) => fs.promises.rm(this.pathOf(b.sha256), { force: true })));
  }
}
