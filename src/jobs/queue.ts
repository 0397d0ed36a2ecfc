// The durable job queue (the Job table): everything that happens after a request is answered —
// webhook deliveries, event fan-out, exports. At least once: a job is enqueued in the transaction
// of the change that causes it (no job for a rolled-back change, none lost for a committed one),
// claimed with FOR UPDATE SKIP LOCKED so one runner holds it at a time on any number of instances,
// retried with exponential backoff and jitter, and dead after its last attempt. A claim lapses
// after CLAIM_MS, so a runner killed mid-job (kill -9) leaves the job to the next poll.
// Recurring jobs are queue jobs too (recurring.ts).
// Why not pg-boss or graphile-worker: both open their own pg connections to a server, and the
// embedded PGlite database has no server socket here (README, "Job queue").
import { requireAdmin } from '../auth/permissions.ts';
import type { Db, PageQuery } from '../db/client.ts';
import { Prisma, type Prisma as PrismaTypes } from '../generated/prisma/client.ts';
import type { PrismaPromise } from '../generated/prisma/internal/prismaNamespace.ts';
import type { Actor, Services } from '../services.ts';

export interface JobContext {
  id: number;
  attempts: number;
}

/** A write a succeeded job leaves for the queue to commit with its batch (one commit, not one each). */
export type DeferredWrite = (prisma: Services['prisma']) => PrismaPromise<unknown>;

export interface RunContext extends JobContext {
  /** Commits `write` with the batch's "done" marks, after the job succeeded. */
  afterSuccess(write: DeferredWrite): void;
}

export interface JobKind<P> {
  /**
   * Does the work; throwing schedules a retry (or, after the last attempt, makes the job dead).
   * A returned string is kept as the done job's `result`.
   */
  run(services: Services, payload: P, job: RunContext): Promise<string | void>;
  /** Told after a failed attempt when the next one is due (null: dead), e.g. to show it. */
  failed?(services: Services, payload: P, job: JobContext & { nextRunAt: Date | null; error: string }): Promise<void>;
}

export type JobKinds = Record<string, JobKind<never>>;

const CLAIM_MS = 5 * 60 * 1000;
const BATCH_PAUSE_MS = 50;
/** Above this request rate the instance is busy serving: the worker runs one batch a YIELD_PAUSE_MS… */
const YIELD_ABOVE_REQUESTS_PER_SECOND = 200;
const YIELD_PAUSE_MS = 5_000;
/** …unless its oldest due job has waited this long: then it runs flat out, so no load delays a job much longer. */
const MAX_YIELD_LAG_MS = 60_000;
const BASE_DELAY_MS = 10_000;
const MAX_DELAY_MS = 24 * 60 * 60 * 1000;

/** Inserts a job with the caller's transaction (or alone), due at `runAt` (the domain clock's now, usually). */
export async function enqueueJob(db: Db, kind: string, payload: object, runAt: Date): Promise<number> {
  const job = await db.job.create({ data: { kind, payload, runAt }, select: { id: true } });
  return job.id;
}

/** Done jobs are kept this long (their `result`, for people looking back), dead ones longer (to redeliver or investigate). */
export const DONE_JOB_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
export const DEAD_JOB_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
const PRUNE_BATCH = 2_000;

/** Deletes finished jobs past their retention, a batch per statement; returns how many went. */
export async function pruneFinishedJobs(services: Services): Promise<number> {
  const now = services.clock.now().getTime();
  const doneBefore = new Date(now - DONE_JOB_RETENTION_MS);
  const deadBefore = new Date(now - DEAD_JOB_RETENTION_MS);
  let pruned = 0;
  for (;;) {
    const deleted = await services.prisma.$executeRaw`
      DELETE FROM "Job" WHERE "id" IN (
        SELECT "id" FROM "Job" WHERE "status" = 'done' AND "finishedAt" < ${doneBefore}
        UNION ALL SELECT "id" FROM "Job" WHERE "status" = 'dead' AND "finishedAt" < ${deadBefore}
        LIMIT ${PRUNE_BATCH})`;
    pruned += deleted;
    if (deleted < PRUNE_BATCH) return pruned;
  }
}

/** Administrators' view of the queue, newest first, of any of `statuses` (GraphQL passes its selection). */
export async function queueJobs(actor: Actor, statuses: readonly string[] | undefined, query: PageQuery<PrismaTypes.JobFindManyArgs>) {
  requireAdmin(actor.principal, 'read');
  return actor.services.prisma.job.findMany({ ...query, where: statuses ? { status: { in: [...statuses] } } : {}, orderBy: { id: 'desc' } });
}

/** 10 s, 20 s, 40 s … up to 24 h, each ±25% so a burst of failures does not retry in step. */
export function backoffMs(attempts: number, random = Math.random()): number {
  const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(delay * (0.75 + random * 0.5));
}

interface ClaimedJob {
  id: number;
  runAt: Date;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
}

/** Claims up to `limit` due jobs (and lapsed claims) for this runner. */
async function claimJobs(services: Services, limit: number, onlyKinds?: readonly string[]): Promise<ClaimedJob[]> {
  const now = services.clock.now();
  const lockedUntil = new Date(now.getTime() + CLAIM_MS);
  const ofKinds = onlyKinds ? Prisma.sql`AND "kind" = ANY (${[...onlyKinds]}::text[])` : Prisma.empty;
  return services.prisma.$queryRaw<ClaimedJob[]>`
    UPDATE "Job" SET "status" = 'running', "attempts" = "attempts" + 1, "lockedUntil" = ${lockedUntil}
    WHERE "id" IN (
      SELECT "id" FROM "Job" WHERE "status" = 'pending' AND "runAt" <= ${now} ${ofKinds}
      ORDER BY "runAt", "id" LIMIT ${limit} FOR UPDATE SKIP LOCKED
    ) OR "id" IN (
      SELECT "id" FROM "Job" WHERE "status" = 'running' AND "lockedUntil" < ${now} ${ofKinds}
      LIMIT ${limit} FOR UPDATE SKIP LOCKED
    )
    RETURNING "id", "kind", "payload", "attempts", "maxAttempts", "runAt"`;
}

/**
 * Runs what is due now; returns how many jobs ran (tests call this instead of waiting for a poll).
 * `onlyKinds` narrows the claim (a test running one recurring job leaves the others' jobs alone).
 */
export async function runDueQueuedJobs(services: Services, kinds: JobKinds, limit = 20, onlyKinds?: readonly string[]): Promise<number> {
  return (await runQueuedBatch(services, kinds, limit, onlyKinds)).length;
}

/** Claims and runs one batch; answers what it claimed. */
async function runQueuedBatch(services: Services, kinds: JobKinds, limit = 20, onlyKinds?: readonly string[]): Promise<ClaimedJob[]> {
  const claimed = await claimJobs(services, limit, onlyKinds);
  const deferred: DeferredWrite[] = [];
  const outcomes = await Promise.all(claimed.map((job) => runOne(services, kinds, job, deferred)));
  // The done marks (which free singleton keys), then what the succeeded jobs left to write: one transaction, one commit.
  const done = claimed.flatMap((job, i) => (outcomes[i] === false ? [] : [{ id: job.id, result: outcomes[i] || undefined }]));
  if (done.length > 0) {
    const finished = { status: 'done', finishedAt: services.clock.now(), lockedUntil: null, lastError: null, singletonKey: null };
    await services.prisma.$transaction([
      services.prisma.job.updateMany({ where: { id: { in: done.filter((job) => !job.result).map((job) => job.id) } }, data: finished }),
      ...done.filter((job) => job.result).map((job) => services.prisma.job.update({ where: { id: job.id }, data: { ...finished, result: job.result!.slice(0, 2000) } })),
      ...deferred.map((write) => write(services.prisma)),
    ]);
  }
  return claimed;
}

/** Runs one job: false once its failure is recorded; else what it returned (the caller marks it done). */
async function runOne(services: Services, kinds: JobKinds, job: ClaimedJob, deferred: DeferredWrite[]): Promise<string | void | false> {
  const kind = kinds[job.kind] as JobKind<unknown> | undefined;
  try {
    if (!kind) throw new Error(`no handler for job kind "${job.kind}"`);
    const writes: DeferredWrite[] = [];
    const result = await kind.run(services, job.payload, { id: job.id, attempts: job.attempts, afterSuccess: (write) => writes.push(write) });
    deferred.push(...writes);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const dead = job.attempts >= job.maxAttempts;
    const nextRunAt = dead ? null : new Date(services.clock.now().getTime() + backoffMs(job.attempts));
    await services.prisma.job.update({
      where: { id: job.id },
      data: dead
        ? { status: 'dead', finishedAt: services.clock.now(), lockedUntil: null, lastError: message.slice(0, 2000), singletonKey: null }
        : { status: 'pending', runAt: nextRunAt!, lockedUntil: null, lastError: message.slice(0, 2000) },
    });
    if (dead) services.log.warn({ job: job.id, kind: job.kind, err: message }, 'job dead after its last attempt');
    await kind?.failed?.(services, job.payload as never, { id: job.id, attempts: job.attempts, nextRunAt, error: message }).catch((hookError: Error) =>
      services.log.error({ err: hookError, job: job.id }, 'job failure hook failed'),
    );
    return false;
  }
}

/**
 * Polls for due jobs every `pollMs` until the services close; `nudge()` polls at once (an
 * instance that just enqueued need not wait for the next tick).
 */
export function startQueueWorker(services: Services, kinds: JobKinds, pollMs = 1_000): { nudge(): void } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  let closed = false;
  let seen = { requests: services.requestsServed, at: performance.now() };
  // Background work yields to the requests this instance serves: while they arrive fast (an event
  // storm), one batch every 5 s keeps the backlog moving and the rest waits until the storm passes
  // or its oldest job has waited a minute (deliveries are asynchronous by contract;
  // bench/error-ingest reports how fast they drain).
  const pauseMs = (batch: ClaimedJob[]) => {
    const now = { requests: services.requestsServed, at: performance.now() };
    const rate = ((now.requests - seen.requests) * 1000) / Math.max(1, now.at - seen.at);
    seen = now;
    const oldestWaitMs = services.clock.now().getTime() - Math.min(...batch.map((job) => new Date(job.runAt).getTime()));
    return rate > YIELD_ABOVE_REQUESTS_PER_SECOND && oldestWaitMs < MAX_YIELD_LAG_MS ? YIELD_PAUSE_MS : BATCH_PAUSE_MS;
  };
  const poll = () => {
    if (busy || closed) return;
    busy = true;
    running = (async () => {
      try {
        while (!closed) {
          const batch = await runQueuedBatch(services, kinds);
          if (batch.length === 0) break;
          await new Promise((resolve) => setTimeout(resolve, pauseMs(batch)));
        }
      } catch (error) {
        services.log.error({ err: error }, 'job queue poll failed');
      } finally {
        busy = false;
      }
    })();
  };
  const timer = setInterval(poll, pollMs);
  poll(); // jobs left by a previous process run now, not a tick later
  services.onClose.push(async () => {
    closed = true;
    clearInterval(timer);
    await running;
  });
  return { nudge: poll };
}
