// The fingerprint of an error event: what makes two reports "the same fault". Pure, so it is
// unit-tested on its own (test/errors-fingerprint.test.ts); README § Error fingerprints explains
// each choice.
import crypto from 'node:crypto';

// Host-specific roots, only where a path starts: the same code deployed on two servers must group
// together, while `/srv/var/www/app` and `/srvapp` stay different paths.
const HOST_PREFIX = /(^|[\s("'])(?:file:\/\/)?(?:\/var\/www\/|\/home\/[^/\s]+\/|\/srv\/|\/app\/)/g;
// A path-like token (no spaces, quotes or brackets); those holding `/vendor/` are collapsed.
const PATH_TOKEN = /[^\s"'()[\]]+/g;
/** A Go frame's file line: `\t/app/store.go:23 +0x1c` (its function is the line above). */
const GO_FILE_LINE = /^\S+\.go:\d+(?:\s+\+0x[0-9a-f]+)?$/;

/** Frame shapes we recognise; a trace with none of them is "unparseable" and falls back. */
const FRAME_PATTERNS: RegExp[] = [
  /^#\d+\s+\S/, // PHP: #0 /var/www/app/Foo.php(42): handle()
  /^at\s+\S/, // Node / V8, Java / Kotlin and .NET: at fn (file.js:10:5) · at com.acme.Foo.bar(Foo.java:42) · at A.B() in C:\x.cs:line 12
  /^File\s+".*",\s+line\s+\d+/, // Python: File "app/views.py", line 42, in handler
  /^(?:from\s+)?\S+:\d+:in\s+[`']/, // Ruby: app/models/x.rb:12:in 'charge' (and `charge', and "from …")
  GO_FILE_LINE,
  /^created by\s+\S/, // Go: the goroutine's creator
];

/** Normalise one trace line: host prefixes, vendor paths, and what changes between deploys. */
export function normaliseTraceLine(line: string): string {
  return line
    .trim()
    .replace(HOST_PREFIX, '$1')
    .replace(PATH_TOKEN, collapseDependencyPath)
    .replace(/^#\d+\s+/, '') // PHP frame numbers shift when a frame is added above
    .replace(/\((\d+)\):/, ':') // PHP file.php(42): — line numbers move with every deploy
    .replace(/:line\s+\d+$/, '') // .NET in C:\src\Billing.cs:line 12
    .replace(/^(?:from\s+)?(\S+?):\d+:in\s+([`'])(.*?)'.*$/, '$1 in $3') // Ruby, also its first line's ": message (Class)"
    .replace(/\.go:\d+(?:\s+\+0x[0-9a-f]+)?$/, '.go') // Go file line and pc offset
    .replace(/\s+in goroutine \d+$/, '') // Go: created by main.main in goroutine 1
    .replace(/:\d+(?::\d+)?(?=\)?$)/, '') // Node file.js:10:5 and Java Foo.java:42
    .replace(/,\s+line\s+\d+/, '') // Python , line 42
    .replace(/\b0x[0-9a-f]+\b/gi, '0x?'); // addresses differ per process
}

/** Dependencies are wherever the build put them: a path up to `vendor/` (PHP, Go) or `gems/` (Ruby) goes. */
function collapseDependencyPath(token: string): string {
  const at = Math.max(token.indexOf('/vendor/'), token.indexOf('/gems/'));
  return at < 0 ? token : token.slice(at + 1);
}

/** A Go frame's function line (the line above its file line), arguments dropped: they are values. */
const goFunction = (line: string) => line.replace(/\((?:[^()]|\([^()]*\))*\)$/, '(…)');

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
  const frames = lines.flatMap((line, i) => {
    if (FRAME_PATTERNS.some((pattern) => pattern.test(line))) return [normaliseTraceLine(line)];
    return GO_FILE_LINE.test(lines[i + 1] ?? '') ? [goFunction(normaliseTraceLine(line))] : [];
  });
  const basis = frames.length > 0 ? frames : lines.slice(0, 1).map(normaliseTraceLine);
  return crypto.createHash('sha256').update(exceptionClass).update('\n').update(basis.join('\n')).digest('hex');
}
