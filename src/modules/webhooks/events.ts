// Outbound events. A change that others should hear of emits its events in its own transaction:
// one `event.dispatch` job for all the events of that change (a batch of error groups is one),
// and only for events some active webhook listens to (no queue growth for projects nobody
// listens to). The dispatch job fans each event out into one delivery (and one `webhook.deliver`
// job) per matching webhook. An event's id is `evt_<dispatch job id>_<position>`: stable across
// every retry of every delivery.
import type { Db } from '../../db/client.ts';
import type { JobKind } from '../../jobs/queue.ts';

export const EVENT_TYPES = [
  'run.finalized',
  'defect.opened',
  'flaky.detected',
  'error_group.created',
  'error_group.regressed',
  'report.created',
  'bug_report.created',
  'task.reported',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface IntakeEvent {
  /** The project whose webhooks hear it; or, for workspace-level records (bug reports), the workspace: every project's webhooks there. */
  projectId?: number;
  workspaceId?: string | null;
  type: EventType;
  occurredAt: Date;
  data: Record<string, unknown>;
  /** What subscriptions may filter on. */
  environment?: string | null;
  branch?: string | null;
}

export interface DispatchedEvent extends Omit<IntakeEvent, 'occurredAt'> {
  occurredAt: string;
}
export interface DispatchPayload {
  events: DispatchedEvent[];
}

/**
 * Enqueues each event's dispatch with the caller's transaction, when some active webhook listens
 * for it (one query for the whole batch, one insert for the jobs).
 */
export async function emitEvents(db: Db, events: IntakeEvent[]): Promise<void> {
  const scoped = events.filter((event) => event.projectId !== undefined || event.workspaceId);
  if (scoped.length === 0) return;
  const projectIds = [...new Set(scoped.flatMap((event) => (event.projectId === undefined ? [] : [event.projectId])))];
  const workspaceIds = [...new Set(scoped.flatMap((event) => (event.workspaceId ? [event.workspaceId] : [])))];
  const hooks = await db.webhook.findMany({
    where: { disabledAt: null, events: { hasSome: [...new Set(scoped.map((event) => event.type))] }, OR: [{ projectId: { in: projectIds } }, { project: { workspaceId: { in: workspaceIds } } }] },
    select: { projectId: true, events: true, project: { select: { workspaceId: true } } },
  });
  const listened = scoped.filter((event) =>
    hooks.some((hook) => hook.events.includes(event.type) && (event.projectId !== undefined ? hook.projectId === event.projectId : hook.project.workspaceId === event.workspaceId)),
  );
  if (listened.length === 0) return;
  const payload: DispatchPayload = { events: listened.map((event) => ({ ...event, occurredAt: event.occurredAt.toISOString() })) };
  await db.job.create({ data: { kind: 'event.dispatch', runAt: listened[0]!.occurredAt, payload: payload as object } });
}

export const eventId = (dispatchJobId: number, position: number) => `evt_${dispatchJobId}_${position}`;

/** Does a subscription's filter let this event through (an empty list lets everything through)? */
export const passesFilter = (allowed: readonly string[], value: string | null | undefined) => allowed.length === 0 || (value !== null && value !== undefined && allowed.includes(value));

/** The body receivers get: `{id, type, createdAt, project:{id, slug}, data}`. */
export function eventBody(id: string, event: DispatchedEvent, project: { publicId: string; slug: string }) {
  return { id, type: event.type, createdAt: event.occurredAt, project: { id: project.publicId, slug: project.slug }, data: event.data };
}

export type DispatchKind = JobKind<DispatchPayload>;
