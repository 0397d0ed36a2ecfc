// File types are decided by magic bytes, never by the name or the client's Content-Type.

export interface DetectedType {
  mimeType: string;
  extension: string;
}

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const IMAGE_SIGNATURES: Array<{ type: DetectedType; matches: (b: Uint8Array) => boolean }> = [
  { type: { mimeType: 'image/jpeg', extension: 'jpg' }, matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { type: { mimeType: 'image/png', extension: 'png' }, matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: { mimeType: 'image/gif', extension: 'gif' }, matches: (b) => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')) },
  { type: { mimeType: 'image/webp', extension: 'webp' }, matches: (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8) },
  { type: { mimeType: 'image/bmp', extension: 'bmp' }, matches: (b) => startsWith(b, ascii('BM')) && b.length >= 26 },
  {
    type: { mimeType: 'image/tiff', extension: 'tiff' },
    matches: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]),
  },
];

/** The image type of these bytes (jpg, png, gif, webp, bmp, tiff), or undefined. */
export function detectImageType(bytes: Uint8Array): DetectedType | undefined {
  return IMAGE_SIGNATURES.find((s) => s.matches(bytes))?.type;
}
