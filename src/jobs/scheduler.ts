// Recurring jobs whose schedule survives restarts: each job's next due time is a row in
// ScheduledJob. Every instance polls; a due run is claimed by one conditional UPDATE, so it runs
// once however many instances serve, and a run missed while nobody was up happens at the next
// start.
import type { Services } from '../services.ts';

export interface RecurringJob {
  name: string;
  everyMs: number;
  /** Does the work; returns a one-line summary kept as the job's lastResult. */
  run(services: Services): Promise<string>;
}

/** Runs every job that is due now (by the services' clock); returns the names that ran. */
export async function runDueJobs(services: Services, jobs: readonly RecurringJob[]): Promise<string[]> {
  const ran: string[] = [];
  for (const job of jobs) {
    const now = services.clock.now();
    await services.prisma.scheduledJob.upsert({ where: { name: job.name }, create: { name: job.name, nextRunAt: now }, update: {} });
    const claim = await services.prisma.scheduledJob.updateMany({
      where: { name: job.name, nextRunAt: { lte: now } },
      data: { nextRunAt: new Date(now.getTime() + job.everyMs), lastRunAt: now },
    });
    if (claim.count === 0) continue;
    const lastResult = await job.run(services).catch((error: Error) => {
      services.log.error({ err: error, job: job.name }, 'scheduled job failed');
      return `failed: ${error.message}`;
    });
    await services.prisma.scheduledJob.update({ where: { name: job.name }, data: { lastResult } });
    ran.push(job.name);
  }
  return ran;
}

/** Polls for due jobs every `pollMs` (first poll right after start) until the services close. */
export function startJobScheduler(services: Services, jobs: readonly RecurringJob[], pollMs = 60_000): void {
  let running: Promise<unknown> = Promise.resolve();
  const poll = () => {
    running = runDueJobs(services, jobs).catch((error) => services.log.error({ err: error }, 'job scheduler poll failed'));
  };
  const first = setTimeout(poll, 1_000);
  const timer = setInterval(poll, pollMs);
  services.onClose.push(async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
  });
}
