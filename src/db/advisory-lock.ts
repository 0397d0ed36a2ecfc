// Transaction-scoped advisory locks: serialise one kind of write per key (a project's report
// queue, a bug report's dedup key) across connections and instances, released at commit.
// The namespace is a name the module picks (`reports.queue`), hashed like the key, so modules
// never share a central table of numbers.
import type { Db } from './client.ts';

export async function lockForTransaction(tx: Db, namespace: string, key: string | number): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${namespace}), hashtext(${String(key)}))`;
}
