// Transaction-scoped advisory locks: serialise one kind of write per key (a project's report
// queue, a bug report's dedup key) across connections and instances, released at commit.
import type { Prisma } from './client.ts';

/** Namespaces keep the lock keys of different purposes apart. */
export const LOCK_NAMESPACE = {
  bugReportDedup: 0x62756772,
  reportQueue: 0x72707471,
} as const;

export async function lockForTransaction(tx: Prisma, namespace: number, key: string | number): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${namespace}::int, hashtext(${String(key)}))`;
}
