// Triage history: every triage action is recorded (actor, action, from → to, at) inside the
// transaction that makes the change, so the record and the change commit or vanish together.
// Reads are per subject, newest first, a bounded number each, batched for whole board pages.
import type { Principal } from '../../auth/principal.ts';
import type { Db, Prisma } from '../../db/client.ts';
import type { TriageEvent } from '../../generated/prisma/client.ts';

export type TriageSubject = 'Report' | 'Issue' | 'ErrorGroup' | 'BugReport' | 'TaskReport' | 'Defect';

export interface TriageChange {
  subject: TriageSubject;
  id: string | number;
  action: string;
  from?: string | number | null;
  to?: string | number | null;
  /** Who, when the changes of one statement have several authors (group-committed batches). */
  by?: Principal;
}

/** Who did it, as the record keeps it: kind, id and the display name at the time. */
export function triageActor(principal: Principal): { actorKind: string; actorId: string | null; actorName: string } {
  switch (principal.kind) {
    case 'anonymous':
      return { actorKind: 'anonymous', actorId: null, actorName: 'Anonymous' };
    case 'user':
      return principal.token
        ? { actorKind: 'user', actorId: principal.user.id, actorName: principal.user.name }
        : { actorKind: 'operator', actorId: null, actorName: principal.user.name };
    default:
      return { actorKind: principal.kind, actorId: principal.token.id, actorName: principal.token.name };
  }
}

/** Records changes inside the caller's transaction (one statement however many). */
export async function recordTriage(tx: Db, principal: Principal, at: Date, changes: TriageChange[]): Promise<void> {
  if (changes.length === 0) return;
  const text = (value: string | number | null | undefined) => (value === undefined || value === null ? null : String(value));
  await tx.triageEvent.createMany({
    data: changes.map((change) => ({
      subjectType: change.subject,
      subjectId: String(change.id),
      action: change.action,
      fromValue: text(change.from),
      toValue: text(change.to),
      ...triageActor(change.by ?? principal),
      at,
    })),
  });
}

/** How many events `history` shows per subject (the newest). */
export const HISTORY_LIMIT = 50;

/**
 * The newest events of many subjects in one statement, for the history DataLoader: a 50-card board
 * with every card's history costs one query, not fifty. Each subject's events are read newest
 * first from its index and stop at the limit (a LATERAL join), however long its history.
 */
export async function historiesOf(prisma: Prisma, keys: readonly string[]): Promise<TriageEvent[][]> {
  const pairs = keys.map((key) => key.split(':', 2) as [string, string]);
  const params: string[] = [];
  const tuples = pairs.map(([type, id]) => `($${params.push(type)}::text, $${params.push(id)}::text)`);
  const rows = await prisma.$queryRawUnsafe<TriageEvent[]>(
    `SELECT e.* FROM (VALUES ${tuples.join(', ')}) AS s("subjectType", "subjectId")
     CROSS JOIN LATERAL (
       SELECT * FROM "TriageEvent" t WHERE t."subjectType" = s."subjectType" AND t."subjectId" = s."subjectId"
       ORDER BY t.id DESC LIMIT ${HISTORY_LIMIT}
     ) e
     ORDER BY e.id DESC`,
    ...params,
  );
  const byKey = new Map<string, TriageEvent[]>(keys.map((key) => [key, []]));
  for (const event of rows) byKey.get(`${event.subjectType}:${event.subjectId}`)?.push(event);
  return keys.map((key) => byKey.get(key)!);
}
