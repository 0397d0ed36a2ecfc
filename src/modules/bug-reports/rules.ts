// The pure rules of auto bug reports, as the Raven Docs reference states them: generated titles,
// severity detection, secret redaction. Unit-tested in test/bug-reports-rules.test.ts.

export const BUG_SOURCES = ['auto:server', 'auto:client', 'auto:agent', 'user:command'] as const;
export const AUTO_SOURCES = ['auto:server', 'auto:client', 'auto:agent'] as const;
export const BUG_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const BUG_STATUSES = ['open', 'triaged', 'in_progress', 'resolved', 'closed'] as const;
export type BugSource = (typeof BUG_SOURCES)[number];
export type BugSeverity = (typeof BUG_SEVERITIES)[number];
export type BugStatus = (typeof BUG_STATUSES)[number];

/** Statuses in which a report still absorbs repeats of its error. */
export const DEDUP_STATUSES: BugStatus[] = ['open', 'triaged', 'in_progress'];
export const DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000;

const SOURCE_NOUN: Record<BugSource, string> = { 'auto:server': 'Server', 'auto:client': 'Client', 'auto:agent': 'Agent', 'user:command': 'User' };

/** First line of the message (cut to 97 characters + "..." past 100), else the code, else a dated generic title. */
export function generateBugTitle(report: { source: BugSource; errorMessage?: string | null; errorCode?: string | null }, now: Date): string {
  const firstLine = report.errorMessage?.split('\n')[0]?.trim();
  if (firstLine) return firstLine.length > 100 ? `${firstLine.slice(0, 97)}...` : firstLine;
  if (report.errorCode) return `Error ${report.errorCode}`;
  return `${SOURCE_NOUN[report.source]} error at ${now.toISOString()}`;
}

/** The reference's rules, first match wins; case-insensitive substrings of the message. */
export function detectBugSeverity(report: { source: BugSource; errorMessage?: string | null; errorCode?: string | null }): BugSeverity {
  const message = (report.errorMessage ?? '').toLowerCase();
  const code = report.errorCode ?? '';
  const mentions = (...words: string[]) => words.some((word) => message.includes(word));
  if (mentions('database', 'connection refused', 'internal server error') || code === '500') return 'critical';
  if (mentions('timeout', 'authentication', 'unauthorized') || code === '401' || code === '403') return 'high';
  if (mentions('validation', 'invalid') || report.source === 'auto:agent') return 'medium';
  if (report.source === 'auto:client') return 'low';
  return 'medium';
}

const SECRET_KEY = /password|secret|token|apikey|api_key|credential|authorization/i;
export const REDACTED = '[REDACTED]';

/** Copies a JSON value, replacing the value of every key that names a secret, at any depth. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_KEY.test(key) ? REDACTED : redactSecrets(inner)]));
  }
  return value;
}
