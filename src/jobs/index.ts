// The recurring jobs of the service. Add a module's job here.
import { pruneStaleErrorGroups } from '../modules/errors/service.ts';
import { collectUnreferencedBlobs } from '../modules/reports/attachments.ts';
import type { RecurringJob } from './scheduler.ts';

export const RECURRING_JOBS: readonly RecurringJob[] = [
  {
    name: 'error-groups.retention',
    everyMs: 60 * 60 * 1000,
    run: async (services) => `pruned ${await pruneStaleErrorGroups(services)} error group(s)`,
  },
  {
    name: 'blobs.collect',
    everyMs: 60 * 60 * 1000,
    run: async (services) => `removed ${await collectUnreferencedBlobs(services)} unreferenced blob file(s)`,
  },
];
