// Bug reports (the Raven Docs Bug Reports API): filed by admins or people, or captured
// automatically and deduplicated — one row per open fault, its occurrenceCount counting repeats.
// REST (rest.ts) and GraphQL (schema.ts) both call these functions; every rule lives here.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { BugReport, Issue, Prisma as PrismaTypes, User } from '../../generated/prisma/client.ts';
import { BugReportSource as SourceEnum } from '../../generated/prisma/enums.ts';
import type { Principal } from '../../auth/principal.ts';
import { authorizeWorkspace, isAdmin, type WorkspaceRule } from '../../auth/permissions.ts';
import type { PageQuery, Prisma } from '../../db/client.ts';
import { lockForTransaction } from '../../db/advisory-lock.ts';
import { groupCommitPerApp } from '../../db/group-commit.ts';
import { NotFound, ValidationFailed } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Actor } from '../../services.ts';
import { isoDateSchema, jsonObjectSchema, maxChars, parseInput, parseIsoDate } from '../../validation.ts';
import { promoteIntoIssue } from '../issues/service.ts';
import { recordTriage, type TriageChange } from '../history/service.ts';
import { authorizedWorkspace, projectScope } from '../workspaces/project-scope.ts';
import { findProject } from '../workspaces/service.ts';
import { emitEvents, type IntakeEvent } from '../webhooks/events.ts';
import { userJourneyOf, type UserJourney } from './journey.ts';
import {
  AUTO_SOURCES, BUG_SEVERITIES, BUG_SOURCES, BUG_STATUSES, DEDUP_STATUSES, DEDUP_WINDOW_MS, detectBugSeverity, generateBugTitle, redactSecrets,
  type BugSource,
} from './rules.ts';

/** bug_report.created goes to the webhooks of every project of the report's workspace. */
const bugReportCreated = (report: { id: string; workspaceId: string | null; title: string; severity: string; source: string; occurredAt: Date }): IntakeEvent => ({
  workspaceId: report.workspaceId, type: 'bug_report.created', occurredAt: report.occurredAt,
  data: { id: report.id, title: report.title, severity: report.severity, source: report.source },
});

export type BugReportWithReporter = BugReport & { reporter: Pick<User, 'id' | 'name' | 'avatarUrl'> | null };

// Prisma's enum keys cannot hold ':'; the API speaks the documented values.
const SOURCE_TO_DB: Record<BugSource, SourceEnum> = {
  'auto:server': SourceEnum.AUTO_SERVER,
  'auto:client': SourceEnum.AUTO_CLIENT,
  'auto:agent': SourceEnum.AUTO_AGENT,
  'user:command': SourceEnum.USER_COMMAND,
};
const SOURCE_FROM_DB = Object.fromEntries(Object.entries(SOURCE_TO_DB).map(([api, db]) => [db, api])) as Record<SourceEnum, BugSource>;
export const apiSource = (source: SourceEnum): BugSource => SOURCE_FROM_DB[source];

/** Concurrent auto reports of one dedup key serialise on this lock (per key). */
const DEDUP_LOCK = 'bug-reports.dedup';
const REPORTER = { select: { id: true, name: true, avatarUrl: true } } as const;
const bugReportId = z.string().min(1).max(100);
/** The id of a get/delete/update body, its errors named `bugReportId`. */
const bugReportIdOf = (id: unknown): string => parseInput(z.object({ bugReportId }), { bugReportId: id }).bugReportId;
/** How far ahead of the server's clock an occurredAt may be before it is clamped to receipt. */
const FUTURE_SKEW_MS = 5 * 60 * 1000;

// Reads and admin operations ---------------------------------------------------------------------

/** Who may do what: admin only, as the reference says, except `auto` (any signed-in person or a token with bug-reports:write). */
const RULES = {
  read: { access: 'read', adminOnly: true },
  write: { access: 'write', adminOnly: true },
  auto: { access: 'write', tokenAbility: 'bug-reports:write' },
} satisfies Record<string, WorkspaceRule>;

const requireBugAdmin = (principal: Principal, access: 'read' | 'write'): void => authorizeWorkspace(principal, null, RULES[access]);

/** Whether the caller may change bug reports (update, promote, delete): administrators with a write token. */
export function mayWriteBugReports(actor: Actor): boolean {
  try {
    requireBugAdmin(actor.principal, 'write');
    return true;
  } catch {
    return false;
  }
}

// A filter set to null means no filter; an empty workspaceId names no workspace (a 422, not "all").
const listInput = z.object({
  source: z.enum(BUG_SOURCES).nullish(),
  severity: z.enum(BUG_SEVERITIES).nullish(),
  status: z.enum(BUG_STATUSES).nullish(),
  workspaceId: z.string().min(1).max(100).nullish(),
  fromDate: isoDateSchema.nullish(),
  toDate: isoDateSchema.nullish(),
  page: z.number().int().min(1).default(1),
  limit: z.number().int().min(1).max(100).default(20),
});
export type BugReportFilter = Pick<z.input<typeof listInput>, 'source' | 'severity' | 'status' | 'workspaceId' | 'fromDate' | 'toDate'>;

/** A partial `toDate` covers its whole period: a date its day, a year-month its month (inclusive). */
function endOf(value: string): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T23:59:59.999Z`);
  if (/^\d{4}-\d{2}$/.test(value)) {
    const start = parseIsoDate(value);
    return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1) - 1);
  }
  return parseIsoDate(value);
}

/** The Prisma filter for the reports an admin asked for; deleted rows never match. */
export function bugReportsWhere(actor: Actor, filter: BugReportFilter) {
  requireBugAdmin(actor.principal, 'read');
  const f = parseInput(listInput.partial(), filter);
  return {
    deletedAt: null,
    ...(f.source ? { source: SOURCE_TO_DB[f.source] } : {}),
    ...(f.severity ? { severity: f.severity } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.workspaceId ? { workspaceId: f.workspaceId } : {}),
    ...(f.fromDate || f.toDate ? { occurredAt: { ...(f.fromDate ? { gte: parseIsoDate(f.fromDate) } : {}), ...(f.toDate ? { lte: endOf(f.toDate) } : {}) } } : {}),
  };
}

export const BUG_REPORT_ORDER = [{ occurredAt: 'desc' as const }, { id: 'desc' as const }];

/** A page of bug reports for an administrator (GraphQL passes its selection as `query`). */
export function bugReportPage(actor: Actor, filter: BugReportFilter, query: PageQuery<PrismaTypes.BugReportFindManyArgs>) {
  return actor.services.prisma.bugReport.findMany({ ...query, where: bugReportsWhere(actor, filter), orderBy: BUG_REPORT_ORDER });
}

export const countBugReports = (actor: Actor, filter: BugReportFilter): Promise<number> => actor.services.prisma.bugReport.count({ where: bugReportsWhere(actor, filter) });

/** One page, newest occurrence first; one extra row tells whether a next page exists. */
export async function listBugReports(actor: Actor, input: unknown) {
  const { page, limit, ...filter } = parseInput(listInput, input ?? {});
  const rows = await actor.services.prisma.bugReport.findMany({
    where: bugReportsWhere(actor, filter),
    orderBy: BUG_REPORT_ORDER,
    skip: (page - 1) * limit,
    take: limit + 1,
    include: { reporter: REPORTER },
  });
  return { items: rows.slice(0, limit), meta: { page, limit, hasNextPage: rows.length > limit, hasPrevPage: page > 1 } };
}

export async function getBugReport(actor: Actor, id: unknown): Promise<BugReportWithReporter> {
  requireBugAdmin(actor.principal, 'read');
  return findLiveReport(actor.services.prisma, bugReportIdOf(id));
}

/** A bug report by id for an administrator, read once with whatever `query` asks to include. */
export async function bugReportFor<Q extends Pick<PrismaTypes.BugReportFindFirstArgs, 'include'>>(actor: Actor, id: unknown, query: Q = {} as Q) {
  requireBugAdmin(actor.principal, 'read');
  const report = await actor.services.prisma.bugReport.findFirst({ ...query, where: { id: bugReportIdOf(id), deletedAt: null } });
  if (!report) throw new NotFound('Bug report');
  return report;
}

async function findLiveReport(prisma: Prisma, id: string): Promise<BugReportWithReporter> {
  const report = await prisma.bugReport.findFirst({ where: { id, deletedAt: null }, include: { reporter: REPORTER } });
  if (!report) throw new NotFound('Bug report');
  return report;
}

const createInput = z.object({
  title: maxChars(500, z.string().trim().min(1)),
  description: maxChars(10_000).nullish(),
  source: z.enum(BUG_SOURCES),
  severity: z.enum(BUG_SEVERITIES).default('medium'),
  spaceId: z.string().max(100).nullish(),
  workspaceId: z.string().max(100).nullish(),
  context: jsonObjectSchema.nullish(),
});

/** A report filed by a person (`/bug` in chat): no dedup, status open, their journey attached. */
export async function createBugReport(actor: Actor, input: unknown): Promise<BugReportWithReporter> {
  requireBugAdmin(actor.principal, 'write');
  const data = parseInput(createInput, input);
  const now = actor.services.clock.now();
  const reporterId = reporterOf(actor.principal);
  const id = newId('bug');
  const workspaceId = await workspaceFor(actor, data.workspaceId);
  const userJourney = await journeyJson(actor, reporterId, now);
  return actor.services.prisma.$transaction(async (tx) => {
    await recordTriage(tx, actor.principal, now, [{ subject: 'BugReport', id, action: 'submitted', to: 'open' }]);
    await emitEvents(tx, [bugReportCreated({ id, workspaceId, title: data.title, severity: data.severity, source: data.source, occurredAt: now })]);
    return tx.bugReport.create({
      data: {
        id,
        workspaceId,
        spaceId: data.spaceId ?? null,
        reporterId,
        source: SOURCE_TO_DB[data.source],
        severity: data.severity,
        title: data.title,
        description: data.description ?? null,
        context: data.context ? (redactSecrets(data.context) as object) : undefined,
        userJourney,
        occurredAt: now,
        createdAt: now,
        updatedAt: now,
      },
      include: { reporter: REPORTER },
    });
  });
}

const updateInput = z.object({
  bugReportId,
  title: maxChars(500, z.string().trim().min(1)).optional(),
  description: maxChars(10_000).nullish(),
  severity: z.enum(BUG_SEVERITIES).optional(),
  status: z.enum(BUG_STATUSES).optional(),
});

/** Changes title/description/severity/status; `resolved` stamps resolvedAt (kept afterwards). */
export async function updateBugReport(actor: Actor, input: unknown): Promise<BugReportWithReporter> {
  requireBugAdmin(actor.principal, 'write');
  const { bugReportId: id, ...change } = parseInput(updateInput, input);
  const now = actor.services.clock.now();
  await actor.services.prisma.$transaction(async (tx) => {
    const before = await tx.bugReport.findFirst({ where: { id, deletedAt: null }, select: { status: true, severity: true } });
    if (!before) throw new NotFound('Bug report');
    await tx.bugReport.update({
      where: { id },
      data: { ...change, updatedAt: now },
    });
    // Every change to resolved stamps the time (Raven's server does; reopening never clears it).
    if (change.status === 'resolved' && before.status !== 'resolved') await tx.bugReport.update({ where: { id }, data: { resolvedAt: now } });
    await recordTriage(tx, actor.principal, now, [
      ...(change.status && change.status !== before.status ? [{ subject: 'BugReport' as const, id, action: 'status_changed', from: before.status, to: change.status }] : []),
      ...(change.severity && change.severity !== before.severity ? [{ subject: 'BugReport' as const, id, action: 'severity_changed', from: before.severity, to: change.severity }] : []),
    ]);
  });
  return findLiveReport(actor.services.prisma, id);
}

/** Soft delete: the row stays, and vanishes from list, get and dedup. */
export async function deleteBugReport(actor: Actor, id: unknown): Promise<void> {
  requireBugAdmin(actor.principal, 'write');
  const reportId = bugReportIdOf(id);
  const now = actor.services.clock.now();
  await actor.services.prisma.$transaction(async (tx) => {
    const { count } = await tx.bugReport.updateMany({ where: { id: reportId, deletedAt: null }, data: { deletedAt: now } });
    if (count === 0) throw new NotFound('Bug report');
    await recordTriage(tx, actor.principal, now, [{ subject: 'BugReport', id: reportId, action: 'deleted' }]);
  });
}

/** Links the report to a new issue in one of its workspace's projects, or to `issueId` there. */
export async function promoteBugReport(actor: Actor, id: string, projectRef: string, title?: string | null, issueId?: number | null): Promise<{ report: BugReportWithReporter; issue: Issue }> {
  requireBugAdmin(actor.principal, 'write');
  const report = await findLiveReport(actor.services.prisma, id);
  if (report.issueId !== null) throw ValidationFailed.field('bugReportId', `The bug report is already linked to issue ${report.issueId}.`);
  const project = await findProject(actor.services.prisma, projectRef);
  if (report.workspaceId && project.workspaceId !== report.workspaceId) throw ValidationFailed.field('project', 'The project is not in the bug report’s workspace.');
  const { issue } = await promoteIntoIssue(actor, {
    projectId: project.id,
    issueId,
    issueField: 'issueId',
    subjects: [{ subject: 'BugReport', id, from: report.status }],
    prepare: async () => ({
      title: title?.trim() || report.title,
      description: [report.description, report.errorMessage, report.errorStack].filter(Boolean).join('\n\n'),
    }),
    async link(tx, issue) {
      const { count } = await tx.bugReport.updateMany({ where: { id, issueId: null, deletedAt: null }, data: { issueId: issue.id } });
      if (count === 0) throw ValidationFailed.field('bugReportId', 'The bug report was linked or deleted meanwhile.');
    },
  });
  return { report: { ...report, issueId: issue.id }, issue };
}

// Automatic capture ------------------------------------------------------------------------------

const autoInput = z.object({
  source: z.enum(AUTO_SOURCES),
  errorMessage: maxChars(10_000).nullish(),
  errorStack: maxChars(50_000).nullish(),
  errorCode: maxChars(100).nullish(),
  title: maxChars(500, z.string().trim().min(1)).nullish(),
  severity: z.enum(BUG_SEVERITIES).nullish(),
  workspaceId: z.string().max(100).nullish(),
  spaceId: z.string().max(100).nullish(),
  context: jsonObjectSchema.nullish(),
  metadata: jsonObjectSchema.nullish(),
  occurredAt: isoDateSchema.nullish(),
});

export interface AutoReportOutcome {
  /** The new report, or the matching one as it was before this occurrence was counted. */
  report: BugReportWithReporter;
  created: boolean;
}

/**
 * A machine-captured error. The same errorMessage from the same source in the same workspace,
 * within 24 h of a still-open report's first occurrence, counts on that report instead of
 * adding one. Concurrent duplicates serialise on a transaction-scoped advisory lock of their
 * dedup key (on every instance), so they merge exactly once.
 */
export async function reportBugAutomatically(actor: Actor, input: unknown): Promise<AutoReportOutcome> {
  await authorizedWorkspace(actor, null, RULES.auto); // who may report at all; the workspace is checked as it is chosen
  const data = parseInput(autoInput, input);
  const now = actor.services.clock.now();
  // A clock ahead of ours by more than a little is clamped (as Sentry's Relay does): a report
  // dated next week would otherwise absorb every repeat until then and sort first.
  const stated = data.occurredAt ? parseIsoDate(data.occurredAt) : now;
  const occurredAt = stated.getTime() > now.getTime() + FUTURE_SKEW_MS ? now : stated;
  const workspaceId = await workspaceFor(actor, data.workspaceId); // one the caller belongs to
  const reporterId = reporterOf(actor.principal);
  const dedupKey = data.errorMessage
    ? crypto.createHash('sha256').update(`${dedupBucket(actor.principal, workspaceId)}\u0000${data.source}\u0000${data.errorMessage}`).digest('hex')
    : null;
  const fresh = {
    id: newId('bug'),
    workspaceId,
    spaceId: data.spaceId ?? null,
    reporterId,
    source: SOURCE_TO_DB[data.source],
    severity: data.severity ?? detectBugSeverity(data),
    title: data.title ?? generateBugTitle(data, now),
    errorMessage: data.errorMessage ?? null,
    errorStack: data.errorStack ?? null,
    errorCode: data.errorCode ?? null,
    dedupKey,
    context: data.context ? (redactSecrets(data.context) as object) : undefined,
    metadata: data.metadata ? (redactSecrets(data.metadata) as object) : undefined,
    userJourney: await journeyJson(actor, reporterId, now),
    occurredAt,
    createdAt: now,
    updatedAt: now,
  };
  if (!dedupKey) {
    const report = await actor.services.prisma.$transaction(async (tx) => {
      await recordTriage(tx, actor.principal, now, [{ subject: 'BugReport', id: fresh.id, action: 'submitted', to: 'open' }]);
      const created = await tx.bugReport.create({ data: fresh, include: { reporter: REPORTER } });
      await emitEvents(tx, [bugReportCreated({ ...created, source: apiSource(created.source) })]);
      return created;
    });
    return { report, created: true };
  }
  return autoReportQueue(actor.services).submit({ ...fresh, dedupKey, reportedBy: actor.principal });
}

type AutoReportRow = Parameters<Prisma['bugReport']['create']>[0]['data'] & { id: string; dedupKey: string; occurredAt: Date; updatedAt: Date; reportedBy: Principal };

const autoReportQueue = groupCommitPerApp<AutoReportRow, AutoReportOutcome>((services, rows) => mergeAutoReports(services.prisma, rows), { maxWaitMs: 2, maxBatch: 200 });

/**
 * One transaction per batch of auto reports. Per dedup key (in key order, under its advisory
 * lock, so concurrent batches on other instances serialise with this one): find the newest
 * report still absorbing repeats, then take the batch's reports in arrival order — each either
 * counts on the current report (answered with it as it was before that count) or, outside its
 * window, starts a new one. Counts are written once per report.
 */
async function mergeAutoReports(prisma: Prisma, rows: AutoReportRow[]): Promise<AutoReportOutcome[]> {
  const results = new Array<AutoReportOutcome>(rows.length);
  const byKey = new Map<string, number[]>();
  rows.forEach((row, i) => byKey.set(row.dedupKey, [...(byKey.get(row.dedupKey) ?? []), i]));
  await prisma.$transaction(
    async (tx) => {
      const submitted: TriageChange[] = [];
      for (const key of [...byKey.keys()].sort()) {
        await lockForTransaction(tx, DEDUP_LOCK, key);
        const indexes = byKey.get(key)!;
        const earliest = Math.min(...indexes.map((i) => rows[i]!.occurredAt.getTime()));
        let current: BugReportWithReporter | null = await tx.bugReport.findFirst({
          where: { dedupKey: key, deletedAt: null, status: { in: DEDUP_STATUSES }, occurredAt: { gte: new Date(earliest - DEDUP_WINDOW_MS) } },
          orderBy: { occurredAt: 'desc' },
          include: { reporter: REPORTER },
        });
        let repeats = 0;
        const countRepeats = async (now: Date) => {
          if (current && repeats > 0) await tx.bugReport.update({ where: { id: current.id }, data: { occurrenceCount: { increment: repeats }, updatedAt: now } });
          repeats = 0;
        };
        for (const i of indexes) {
          const row = rows[i]!;
          if (current && current.occurredAt.getTime() >= row.occurredAt.getTime() - DEDUP_WINDOW_MS) {
            results[i] = { report: { ...current, occurrenceCount: current.occurrenceCount + repeats }, created: false };
            repeats++;
            continue;
          }
          await countRepeats(row.updatedAt);
          const { reportedBy, ...data } = row;
          current = await tx.bugReport.create({ data, include: { reporter: REPORTER } });
          submitted.push({ subject: 'BugReport', id: current.id, action: 'submitted', to: 'open', by: reportedBy });
          results[i] = { report: current, created: true };
        }
        await countRepeats(rows[indexes.at(-1)!]!.updatedAt);
      }
      if (submitted.length) await recordTriage(tx, submitted[0]!.by!, rows[0]!.updatedAt, submitted);
      await emitEvents(tx, results.filter((result) => result?.created).map(({ report }) => bugReportCreated({ ...report, source: apiSource(report.source) })));
    },
    // Batches on one key queue behind each other's lock; each holds it for a few statements.
    { maxWait: 30_000, timeout: 30_000 },
  );
  return results;
}

/** People file as themselves; tokens (and the local operator) file anonymously. */
const reporterOf = (principal: Principal): string | null => (principal.kind === 'user' && principal.token ? principal.user.id : null);

/**
 * The workspace a report belongs to: the one named (if the caller belongs to it; any other id,
 * existing or not, reads the same), else the caller's own — a token's workspace, or a person's
 * only workspace. A person in several must name one; a person in none files outside any
 * workspace (null), and only administrators will see it.
 */
async function workspaceFor(actor: Actor, named: string | null | undefined): Promise<string | null> {
  const { principal, services } = actor;
  const own = await ownWorkspaces(actor);
  if (named) {
    const exists = isAdmin(principal) || own.includes(named) ? await services.prisma.workspace.findUnique({ where: { id: named }, select: { id: true } }) : null;
    if (!exists) throw ValidationFailed.field('workspaceId', 'The selected workspace id is invalid.');
    return named;
  }
  if (own.length > 1) throw ValidationFailed.field('workspaceId', 'You belong to several workspaces: name the one this report belongs to.');
  return own[0] ?? null;
}

/**
 * Dedup buckets never span tenants: a workspace's, or — for a report outside any workspace —
 * the reporting person's (or token's) own.
 */
function dedupBucket(principal: Principal, workspaceId: string | null): string {
  if (workspaceId) return workspaceId; // ws_…: cannot meet the prefixes below
  if (principal.kind === 'user') return `usr:${principal.user.id}`;
  return principal.kind === 'anonymous' ? 'anonymous' : `tok:${principal.token.id}`;
}

async function ownWorkspaces({ principal, services }: Actor): Promise<string[]> {
  switch (principal.kind) {
    case 'anonymous':
      return [];
    case 'user':
      return [...new Set(principal.user.memberships.map((m) => m.workspaceId))];
    case 'workspace-token':
      return [principal.workspaceId];
    case 'project-token':
      return [(await projectScope(services, principal.projectId)).workspaceId];
  }
}

async function journeyJson(actor: Actor, reporterId: string | null, now: Date): Promise<object | undefined> {
  return reporterId ? ((await userJourneyOf(actor.services.prisma, reporterId, now)) satisfies UserJourney) : undefined;
}

/** The body schema of each REST verb, for the OpenAPI document. */
export const BUG_REPORT_INPUTS = { list: listInput, create: createInput, update: updateInput, auto: autoInput } as const;
