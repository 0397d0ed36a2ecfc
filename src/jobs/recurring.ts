// Recurring jobs (retention, blob collection, upload-state pruning) run on the durable queue:
// each has one live occurrence, a Job row of kind `recurring:<name>` held unique by its
// singletonKey while pending or running. Running it schedules the next one in the commit that
// marks it done, so the schedule survives restarts and kill -9 (a claim lapses, the next poll
// runs it), runs once however many instances serve, and a run missed while nobody was up happens
// at the next start. A failure retries with the queue's backoff like any job.
import type { Services } from '../services.ts';
import { runDueQueuedJobs, type JobKind, type JobKinds } from './queue.ts';

export interface RecurringJob {
  name: string;
  everyMs: number;
  /** Does the work; returns a one-line summary kept as the done job's result. */
  run(services: Services): Promise<string>;
}

export const recurringKind = (job: Pick<RecurringJob, 'name'>) => `recurring:${job.name}`;

const occurrence = (job: RecurringJob, runAt: Date) => ({ kind: recurringKind(job), payload: {}, runAt, singletonKey: recurringKind(job) });

/** Gives every recurring job a live occurrence, due now, unless it has one (any instance may call it at start). */
export async function ensureRecurringJobs(services: Services, jobs: readonly RecurringJob[], inMs = 0): Promise<void> {
  const runAt = new Date(services.clock.now().getTime() + inMs);
  await services.prisma.job.createMany({ data: jobs.map((job) => occurrence(job, runAt)), skipDuplicates: true });
}

/** The queue's handlers for the recurring jobs. */
export function recurringJobKinds(jobs: readonly RecurringJob[]): JobKinds {
  const kinds: Record<string, JobKind<unknown>> = {};
  for (const job of jobs) {
    kinds[recurringKind(job)] = {
      async run(services, _payload, context) {
        const result = await job.run(services);
        const next = occurrence(job, new Date(services.clock.now().getTime() + job.everyMs));
        // Committed after the done mark that frees the singleton key.
        context.afterSuccess((prisma) => prisma.job.create({ data: next, select: { id: true } }));
        return result;
      },
      async failed(services, _payload, attempt) {
        // Dead after its last attempt: the schedule goes on from the next period.
        if (attempt.nextRunAt === null) await ensureRecurringJobs(services, [job], job.everyMs);
      },
    };
  }
  return kinds as JobKinds;
}

/** Runs the given recurring jobs that are due now, each once; returns the names that ran (tests; the worker runs them in production). */
export async function runDueRecurringJobs(services: Services, jobs: readonly RecurringJob[]): Promise<string[]> {
  await ensureRecurringJobs(services, jobs);
  const ran: string[] = [];
  for (const job of jobs) {
    if ((await runDueQueuedJobs(services, recurringJobKinds([job]), 1, [recurringKind(job)])) > 0) ran.push(job.name);
  }
  return ran;
}
