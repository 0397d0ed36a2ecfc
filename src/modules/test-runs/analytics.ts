// Project analytics over daily buckets, computed by SQL aggregates over runs (no loops over rows):
// pass rate, run duration, failures, flaky tests; windows of 7, 30 or 90 days ending today (UTC).
import { Prisma } from '../../generated/prisma/client.ts';
import { BadRequest } from '../../errors.ts';
import type { Actor } from '../../services.ts';
import { runProject } from './ingest.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
export const ANALYTICS_WINDOWS = { '7d': 7, '30d': 30, '90d': 90 } as const;
export const METRICS = ['passrate', 'duration', 'failures', 'flaky'] as const;
type Metric = (typeof METRICS)[number];

/** The first instant of a window of `days` days ending today (UTC): the same for stats and analytics. */
export const windowStart = (now: Date, days: number) => new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (days - 1) * DAY_MS);

interface Bucket {
  day: Date | null;
  runs: bigint;
  passed: bigint | null;
  counted: bigint | null;
  duration: number | null;
  failures: bigint | null;
  flaky: bigint | null;
}

/** passed / (passed + failed + broken − muted or quarantined failures), to three decimals. */
export const passRate = (passed: number, counted: number) => (counted > 0 ? Math.round((passed / counted) * 1000) / 1000 : null);

function valueOf(metric: Metric, bucket: Bucket | undefined): number | null {
  if (!bucket || Number(bucket.runs) === 0) return null;
  switch (metric) {
    case 'passrate':
      return passRate(Number(bucket.passed ?? 0), Number(bucket.counted ?? 0));
    case 'duration':
      return bucket.duration === null ? null : Math.round(Number(bucket.duration));
    case 'failures':
      return Number(bucket.failures ?? 0);
    case 'flaky':
      return Number(bucket.flaky ?? 0);
  }
}

export async function projectAnalytics(actor: Actor, projectRef: string, query: { metric?: unknown; window?: unknown; branch?: unknown }) {
  const project = await runProject(actor, { project: projectRef }, 'read');
  const metric = (query.metric ?? 'passrate') as Metric;
  if (!METRICS.includes(metric)) throw new BadRequest(`metric must be one of ${METRICS.join(', ')}.`);
  const window = (query.window ?? '30d') as keyof typeof ANALYTICS_WINDOWS;
  if (!Object.hasOwn(ANALYTICS_WINDOWS, window)) throw new BadRequest(`window must be one of ${Object.keys(ANALYTICS_WINDOWS).join(', ')}.`);
  if (query.branch !== undefined && (typeof query.branch !== 'string' || query.branch.length === 0 || query.branch.length > 1000 || query.branch.includes('\u0000'))) {
    throw new BadRequest('branch must be a branch name.');
  }
  const days = ANALYTICS_WINDOWS[window];
  const since = windowStart(actor.services.clock.now(), days);
  const branch = query.branch === undefined ? Prisma.empty : Prisma.sql`AND "branch" = ${query.branch}`;
  const select = Prisma.sql`count(*) AS runs, sum("passed") AS passed, sum("passed" + "failed" + "broken" - "excludedFailures") AS counted,
    avg(COALESCE("durationMs", EXTRACT(EPOCH FROM ("finishedAt" - "startedAt")) * 1000))::float8 AS duration,
    sum("failed" + "broken") AS failures, sum("flaky") AS flaky`;
  const where = Prisma.sql`WHERE "projectId" = ${project.id} AND "startedAt" >= ${since} ${branch}`;
  const [daily, [total]] = await Promise.all([
    actor.services.prisma.$queryRaw<Bucket[]>`SELECT date_trunc('day', "startedAt") AS day, ${select} FROM "TestRun" ${where} GROUP BY 1 ORDER BY 1`,
    actor.services.prisma.$queryRaw<Bucket[]>`SELECT NULL AS day, ${select} FROM "TestRun" ${where}`,
  ]);
  const byDay = new Map(daily.map((bucket) => [bucket.day!.toISOString().slice(0, 10), bucket]));
  const buckets = Array.from({ length: days }, (_, i) => {
    const date = new Date(since.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    const bucket = byDay.get(date);
    return { date, runs: Number(bucket?.runs ?? 0), value: valueOf(metric, bucket) };
  });
  return { metric, window, branch: query.branch ?? null, buckets, aggregate: { runs: Number(total?.runs ?? 0), value: valueOf(metric, total) } };
}
