// File types are decided by the bytes (file-type's signatures: images, video, archives such as
// Playwright traces, documents), never by the name or the client's Content-Type.
import { fileTypeFromBuffer } from 'file-type';
import type { BlobStore } from './blobs.ts';

export interface DetectedType {
  mimeType: string;
  extension: string;
}

/** How many leading bytes a detection reads (file-type's own sample size). */
export const SNIFF_BYTES = 4100;

/** Raster images a browser shows as themselves: the report screenshots people send, and what a run's attachment may be served inline as. */
export const IMAGE_TYPES: ReadonlyMap<string, string> = new Map([
  ['image/jpeg', 'jpg'], ['image/png', 'png'], ['image/gif', 'gif'], ['image/webp', 'webp'], ['image/bmp', 'bmp'], ['image/tiff', 'tiff'],
]);

/** The type of these leading bytes, or undefined when no signature matches (plain text, say). */
export async function detectFileType(head: Uint8Array): Promise<DetectedType | undefined> {
  const found = await fileTypeFromBuffer(head);
  return found ? { mimeType: found.mime, extension: found.ext } : undefined;
}

/** The type of a stored blob, from its first bytes. */
export async function detectBlobType(blobs: BlobStore, sha256: string): Promise<DetectedType | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of blobs.read(sha256, { end: SNIFF_BYTES - 1 })) chunks.push(chunk as Buffer);
  return detectFileType(Buffer.concat(chunks));
}
