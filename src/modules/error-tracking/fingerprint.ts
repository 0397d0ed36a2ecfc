// The fingerprint of an error event: what makes two reports "the same fault". Pure, so it is
// unit-tested on its own (test/errors-fingerprint.test.ts); README § Error fingerprints explains
// each choice.
import crypto from 'node:crypto';

// Host-specific prefixes: the same code deployed on two servers must group together.
const HOST_PREFIX = /\/var\/www\/|\/home\/[^/\s]+\//g;
// A path-like token (no spaces, quotes or brackets); those holding `/vendor/` are collapsed.
const PATH_TOKEN = /[^\s"'()[\]]+/g;

/** Frame shapes we recognise; a trace with none of them is "unparseable" and falls back. */
const FRAME_PATTERNS: RegExp[] = [
  /^#\d+\s+\S/, // PHP: #0 /var/www/app/Foo.php(42): handle()
  /^at\s+\S/, // Node / V8 and Java: at fn (file.js:10:5) · at com.acme.Foo.bar(Foo.java:42)
  /^File\s+".*",\s+line\s+\d+/, // Python: File "app/views.py", line 42, in handler
];

/** Normalise one trace line: host prefixes, vendor paths, and what changes between deploys. */
export function normaliseTraceLine(line: string): string {
  return line
    .trim()
    .replace(HOST_PREFIX, '')
    .replace(PATH_TOKEN, collapseVendorPath)
    .replace(/^#\d+\s+/, '') // PHP frame numbers shift when a frame is added above
    .replace(/\((\d+)\):/, ':') // PHP file.php(42): — line numbers move with every deploy
    .replace(/:\d+(?::\d+)?(?=\)?$)/, '') // Node file.js:10:5 and Java Foo.java:42
    .replace(/,\s+line\s+\d+/, '') // Python , line 42
    .replace(/\b0x[0-9a-f]+\b/gi, '0x?'); // addresses differ per process
}

/** Any path up to a vendor directory becomes `vendor/`: dependencies are wherever the build put them. */
function collapseVendorPath(token: string): string {
  const at = token.indexOf('/vendor/');
  return at < 0 ? token : token.slice(at + 1);
}

export interface FingerprintInput {
  exceptionClass: string;
  stackTrace: string;
}

/**
 * sha256 of the exception class and the normalised frames of the trace. Message lines inside a
 * trace (Java's "Caused by: …", Python's source lines) are left out: they carry ids and values
 * that differ per occurrence. A trace with no recognisable frame — empty, or free text — falls
 * back to the class plus its first non-empty normalised line, so no event is ever refused for
 * its trace.
 */
export function fingerprintErrorEvent({ exceptionClass, stackTrace }: FingerprintInput): string {
  const lines = stackTrace.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  const frames = lines.filter((line) => FRAME_PATTERNS.some((pattern) => pattern.test(line))).map(normaliseTraceLine);
  const basis = frames.length > 0 ? frames : lines.slice(0, 1).map(normaliseTraceLine);
  return crypto.createHash('sha256').update(exceptionClass).update('\n').update(basis.join('\n')).digest('hex');
}
