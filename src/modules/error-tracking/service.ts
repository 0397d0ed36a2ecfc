// Error tracking: events are fingerprinted and folded into error groups by (project, environment,
// fingerprint); groups are triaged (resolve, ignore, reopen, promote into an issue) and pruned
// after the retention window. Ingest is group-committed: see src/db/group-commit.ts.
import { z } from 'zod';
import type { ErrorGroup, Issue, Prisma as PrismaTypes } from '../../generated/prisma/client.ts';
import type { ErrorGroupStatus } from '../../generated/prisma/enums.ts';
import { requireAuthenticated, type ProjectRule } from '../../auth/permissions.ts';
import { groupCommitPerApp } from '../../db/group-commit.ts';
import type { PageQuery, Prisma } from '../../db/client.ts';
import { storableText } from '../../db/storable.ts';
import { NotFound, ValidationFailed } from '../../errors.ts';
import type { Actor, Services } from '../../services.ts';
import { maxChars, parseInput } from '../../validation.ts';
import { promoteIntoIssue } from '../issues/service.ts';
import { recordTriage } from '../history/service.ts';
import { authorizedProjectScope, authorizedRecordProject, viewerMay } from '../workspaces/project-scope.ts';
import { fingerprintErrorEvent } from './fingerprint.ts';

/** Only these fields are stored; anything else in a request body is dropped unread. */
const MAX_RELEASE_CHARS = 255;
const presentText = (max: number) => maxChars(max).nullable().transform((value) => value ?? '');

const errorEventInput = z.object({
  environment: maxChars(255, z.string().min(1)),
  exceptionClass: maxChars(255, z.string().min(1)),
  // "May be an empty string, but the field must be present": Laravel's pipeline turns "" into
  // null before `present|nullable` accepts it, so a present null is the empty string.
  message: presentText(65_535),
  stackTrace: presentText(131_072),
  // "Stored for reference", with no limit: never a reason to drop an event. The first 255
  // characters are kept.
  release: z.string().transform((value) => (value.length <= MAX_RELEASE_CHARS ? value : [...value].slice(0, MAX_RELEASE_CHARS).join(''))).nullish(),
});

const INGEST_RULE: ProjectRule = {
  permission: 'error-groups:create',
  tokenAbility: 'error-events:write',
  projectTokenOnly: true,
  ownerPermission: 'error-groups:create',
};
const READ_RULE: ProjectRule = { permission: 'error-groups:read' };
const UPDATE_RULE: ProjectRule = { permission: 'error-groups:update' };

interface GroupOccurrence {
  projectId: number;
  environment: string;
  fingerprint: string;
  exceptionClass: string;
  message: string;
  stackTrace: string;
  release: string | null;
  at: Date;
}

/** The project an event is sent to, once the caller may send events there. */
export const errorIngestProject = (actor: Actor, projectRef: string) => authorizedProjectScope(actor, projectRef, INGEST_RULE, 'error-tracking');

/** Accepts one event; resolves once it is committed into its group. */
export async function ingestErrorEvent(actor: Actor, projectRef: string, body: unknown): Promise<void> {
  const project = await errorIngestProject(actor, projectRef);
  const event = parseInput(errorEventInput, body);
  await ingestQueue(actor.services).submit({
    projectId: project.id,
    environment: storableText(event.environment), // a group key: as stored, so NUL and U+FFFD spellings meet in one row
    fingerprint: fingerprintErrorEvent(event),
    exceptionClass: event.exceptionClass,
    message: event.message,
    stackTrace: event.stackTrace,
    release: event.release ?? null,
    at: actor.services.clock.now(),
  });
}

const ingestQueue = groupCommitPerApp<GroupOccurrence>((services, batch) => upsertErrorGroups(services.prisma, batch), { maxWaitMs: 2, maxBatch: 500 });

/**
 * One statement per batch: occurrences of a group are summed first (ON CONFLICT may touch a row
 * once per statement), rows go in key order (so concurrent batches on several instances lock in
 * the same order and cannot deadlock), and the newest message, trace and release win.
 * A RESOLVED group that occurs again is reopened and marked as a regression.
 */
async function upsertErrorGroups(prisma: Prisma, batch: GroupOccurrence[]): Promise<void> {
  const groups = new Map<string, GroupOccurrence & { count: number; firstAt: Date }>();
  for (const occurrence of batch) {
    const key = `${occurrence.projectId}\u0000${occurrence.environment}\u0000${occurrence.fingerprint}`;
    const seen = groups.get(key);
    groups.set(key, {
      ...occurrence,
      release: occurrence.release ?? seen?.release ?? null,
      count: (seen?.count ?? 0) + 1,
      firstAt: seen && seen.firstAt < occurrence.at ? seen.firstAt : occurrence.at,
    });
  }
  const rows = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  const params: unknown[] = [];
  const values = rows.map((row) => {
    const at = (date: Date) => date.toISOString().slice(0, -1); // UTC, as Prisma stores DateTime
    const base = params.push(row.projectId, row.environment, row.fingerprint, row.exceptionClass, row.message, row.stackTrace, row.release, row.count, at(row.firstAt), at(row.at)) - 10;
    const p = (i: number) => `$${base + i}`;
    return `(${p(1)}::int, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}::int, ${p(9)}::timestamp(3), ${p(10)}::timestamp(3))`;
  });
  // One statement, so the events of new and regressed groups commit with them (an event.dispatch
  // job only where a webhook of the project listens for it, see modules/webhooks/events.ts), and
  // so does the history record of each reopened group.
  await prisma.$executeRawUnsafe(
    `WITH upserted AS (
     INSERT INTO "ErrorGroup" AS g ("projectId", "environment", "fingerprint", "exceptionClass", "message", "stackTrace", "release", "occurrenceCount", "firstSeenAt", "lastSeenAt")
     VALUES ${values.join(', ')}
     ON CONFLICT ("projectId", "environment", "fingerprint") DO UPDATE SET
       "occurrenceCount" = g."occurrenceCount" + EXCLUDED."occurrenceCount",
       "lastSeenAt" = GREATEST(g."lastSeenAt", EXCLUDED."lastSeenAt"),
       "exceptionClass" = EXCLUDED."exceptionClass",
       "message" = EXCLUDED."message",
       "stackTrace" = EXCLUDED."stackTrace",
       "release" = COALESCE(EXCLUDED."release", g."release"),
       "regressedAt" = CASE WHEN g."status" = 'RESOLVED' THEN EXCLUDED."lastSeenAt" ELSE g."regressedAt" END,
       "resolvedAt" = CASE WHEN g."status" = 'RESOLVED' THEN NULL ELSE g."resolvedAt" END,
       "status" = CASE WHEN g."status" = 'RESOLVED' THEN 'UNRESOLVED'::"ErrorGroupStatus" ELSE g."status" END
     RETURNING "id", "projectId", "environment", "exceptionClass", "message", "occurrenceCount", "firstSeenAt", "lastSeenAt",
       CASE WHEN xmax = 0 THEN 'error_group.created' WHEN "regressedAt" = "lastSeenAt" THEN 'error_group.regressed' END AS event
    ), reopened AS (
     -- A resolved group that occurs again is reopened by Intake itself: its history says so.
     INSERT INTO "TriageEvent" ("subjectType", "subjectId", "action", "fromValue", "toValue", "actorKind", "actorId", "actorName", "at")
     SELECT 'ErrorGroup', u."id"::text, 'status_changed', 'RESOLVED', 'UNRESOLVED', 'system', NULL, 'Intake (it occurred again)', u."lastSeenAt"
     FROM upserted u WHERE u.event = 'error_group.regressed'
    )
    INSERT INTO "Job" ("kind", "runAt", "payload")
    SELECT 'event.dispatch', min(u."lastSeenAt"), jsonb_build_object('events', jsonb_agg(jsonb_build_object(
      'projectId', u."projectId", 'type', u.event, 'environment', u."environment",
      'occurredAt', to_char(u."lastSeenAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'data', jsonb_build_object(
        'id', u."id", 'environment', u."environment", 'exceptionClass', u."exceptionClass", 'message', left(u."message", 2000),
        'occurrenceCount', u."occurrenceCount",
        'firstSeenAt', to_char(u."firstSeenAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'lastSeenAt', to_char(u."lastSeenAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))))
    FROM upserted u
    WHERE u.event IS NOT NULL
      AND EXISTS (SELECT 1 FROM "Webhook" w WHERE w."projectId" = u."projectId" AND w."disabledAt" IS NULL AND u.event = ANY(w."events"))
    HAVING count(*) > 0`,
    ...params, // made storable by the driver adapter, like every statement's (db/storable.ts)
  );
}

/** Groups deleted per retention transaction: short enough that ingest never waits long behind one. */
const RETENTION_BATCH = 2000;

/**
 * Deletes groups not seen for the retention window, a batch per transaction; rows ingest holds
 * at that moment are skipped (SKIP LOCKED), not waited for — a group being written to is not stale.
 * Returns how many went.
 */
export async function pruneStaleErrorGroups(services: Services): Promise<number> {
  const cutoff = new Date(services.clock.now().getTime() - services.config.errorRetentionDays * 24 * 60 * 60 * 1000);
  let pruned = 0;
  for (;;) {
    const deleted = await services.prisma.$executeRaw`
      DELETE FROM "ErrorGroup" WHERE id IN (
        SELECT id FROM "ErrorGroup" WHERE "lastSeenAt" < ${cutoff} ORDER BY id LIMIT ${RETENTION_BATCH} FOR UPDATE SKIP LOCKED)`;
    pruned += deleted;
    if (deleted < RETENTION_BATCH) return pruned;
  }
}

// Triage ---------------------------------------------------------------------------------------

export interface ErrorGroupFilter {
  environment?: string | null;
  /** Any of these (none: all). */
  status?: readonly ErrorGroupStatus[] | null;
  /** Case-insensitive match on the exception class or the message. */
  search?: string | null;
}

/** The Prisma filter for a project's groups, once the caller may read them. */
export async function errorGroupsWhere(actor: Actor, projectId: number, filter: ErrorGroupFilter) {
  await authorizedProject(actor, projectId, READ_RULE);
  // LIKE's wildcards in the term match themselves (`%` finds a literal percent sign).
  const search = filter.search?.trim().replace(/[\\%_]/g, '\\$&');
  return {
    projectId,
    ...(filter.environment ? { environment: filter.environment } : {}),
    ...(filter.status?.length ? { status: { in: [...filter.status] } } : {}),
    ...(search
      ? { OR: [{ exceptionClass: { contains: search, mode: 'insensitive' as const } }, { message: { contains: search, mode: 'insensitive' as const } }] }
      : {}),
  };
}

export interface ErrorGroupOrder {
  field: 'LAST_SEEN' | 'COUNT';
  direction?: 'asc' | 'desc';
}

/** A page of a project's groups (GraphQL passes its selection as `query`). */
export async function projectErrorGroups(actor: Actor, projectId: number, filter: ErrorGroupFilter & { orderBy?: ErrorGroupOrder }, query: PageQuery<PrismaTypes.ErrorGroupFindManyArgs>) {
  const { field = 'LAST_SEEN', direction = 'desc' } = filter.orderBy ?? {};
  return actor.services.prisma.errorGroup.findMany({
    ...query,
    where: await errorGroupsWhere(actor, projectId, filter),
    orderBy: field === 'COUNT' ? [{ occurrenceCount: direction }, { id: direction }] : [{ lastSeenAt: direction }, { id: direction }],
  });
}

export async function countErrorGroups(actor: Actor, projectId: number, filter: ErrorGroupFilter): Promise<number> {
  return actor.services.prisma.errorGroup.count({ where: await errorGroupsWhere(actor, projectId, filter) });
}

/** A group the caller may read, or NotFound (also for groups of projects they cannot see). */
export async function findErrorGroup<Q extends Pick<PrismaTypes.ErrorGroupFindUniqueArgs, 'include'>>(actor: Actor, id: number, query: Q = {} as Q) {
  requireAuthenticated(actor.principal);
  const group = await actor.services.prisma.errorGroup.findUnique({ ...query, where: { id } });
  if (!group) throw new NotFound('Error group');
  await authorizedRecordProject(actor, 'Error group', group.projectId, READ_RULE, 'error-tracking');
  return group;
}

/** Whether the caller may triage the group (resolve, ignore, reopen, promote). */
export const mayTriageErrorGroup = (actor: Actor, group: Pick<ErrorGroup, 'projectId'>): Promise<boolean> =>
  viewerMay(actor, group.projectId, UPDATE_RULE, 'error-tracking');

/** Moves a group to RESOLVED, IGNORED or back to UNRESOLVED. */
export async function setErrorGroupStatus(actor: Actor, id: number, status: ErrorGroupStatus): Promise<ErrorGroup> {
  const group = await findErrorGroup(actor, id);
  await authorizedProject(actor, group.projectId, UPDATE_RULE);
  if (group.status === status) throw ValidationFailed.field('status', `The error group is already ${status.toLowerCase()}.`);
  const now = actor.services.clock.now();
  return actor.services.prisma.$transaction(async (tx) => {
    await recordTriage(tx, actor.principal, now, [{ subject: 'ErrorGroup', id, action: 'status_changed', from: group.status, to: status }]);
    return tx.errorGroup.update({ where: { id }, data: { status, resolvedAt: status === 'RESOLVED' ? now : null } });
  });
}

/** Opens an issue for the group (or links it to an existing issue of the same project). */
export async function promoteErrorGroup(actor: Actor, id: number, target: { issueId?: number | null; title?: string | null }): Promise<{ group: ErrorGroup; issue: Issue }> {
  const group = await findErrorGroup(actor, id);
  await authorizedProject(actor, group.projectId, UPDATE_RULE);
  if (group.issueId !== null) throw ValidationFailed.field('id', `The error group is already linked to issue ${group.issueId}.`);
  const { issue } = await promoteIntoIssue(actor, {
    projectId: group.projectId,
    issueId: target.issueId,
    issueField: 'issueId',
    subjects: [{ subject: 'ErrorGroup', id, from: group.status }],
    prepare: async () => ({
      title: target.title?.trim() || `${group.exceptionClass}: ${group.message.split('\n')[0] ?? ''}`.trim(),
      description: `Error group ${group.id} (${group.environment}), ${group.occurrenceCount} occurrence(s) since ${group.firstSeenAt.toISOString()}.\n\n${group.stackTrace}`,
    }),
    async link(tx, issue) {
      // Conditional on still being unlinked: of two concurrent promotions one wins, the other
      // rolls back (with the issue it opened).
      const { count } = await tx.errorGroup.updateMany({ where: { id, issueId: null }, data: { issueId: issue.id } });
      if (count === 0) throw ValidationFailed.field('id', 'The error group was linked to an issue meanwhile.');
    },
  });
  return { group: { ...group, issueId: issue.id }, issue };
}

const authorizedProject = (actor: Actor, projectId: number, rule: ProjectRule) => authorizedProjectScope(actor, projectId, rule, 'error-tracking');
