// Defects: tracker items (a Jira key, a Linear id, a GitHub/GitLab #number) that failing tests
// are linked to — by a `labels.jira` annotation on a case at ingest, or by hand. A failure of a
// linked test in a finalized run marks it seen and reopens it when closed. A defect can be
// promoted into an Intake issue like any other report, so the board shows it beside the rest.
import { z } from 'zod';
import type { Issue, Prisma as PrismaTypes } from '../../generated/prisma/client.ts';
import { requireAuthenticated } from '../../auth/permissions.ts';
import type { Db, PageQuery } from '../../db/client.ts';
import { BadRequest, Conflict } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Actor } from '../../services.ts';
import { idSchema, maxChars, parseInput } from '../../validation.ts';
import { promoteIntoIssue } from '../issues/service.ts';
import { knownCases } from './cases.ts';
import { runProject } from './ingest.ts';
import { authorizedTestRecord, authorizeTestReads, prefixedIdAfter } from './service.ts';

/** PAY-12 (Jira), ENG-123 (Linear), #45 (GitHub, GitLab). */
const DEFECT_KEY = /^(?:[A-Za-z][A-Za-z0-9_]{0,49}-\d{1,10}|#\d{1,10})$/;
const KEY_IN_TEXT = /\b([A-Z][A-Z0-9_]{0,49}-\d{1,10})\b/;
const DEFECT_PAGE = 100;
const SEVERITY_RANK = ['low', 'minor', 'trivial', 'medium', 'normal', 'high', 'critical', 'blocker'];

/** A `labels.jira` value: a key, or a tracker URL holding one. */
export function defectAnnotation(value: string | undefined): { key: string; url: string | null } | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (DEFECT_KEY.test(trimmed)) return { key: trimmed.toUpperCase(), url: null };
  const key = KEY_IN_TEXT.exec(trimmed)?.[1];
  return key && /^https?:\/\//.test(trimmed) ? { key, url: trimmed.slice(0, 2000) } : null;
}

/**
 * In the finalize transaction: defects named by the run's annotated cases exist and are linked to
 * them; every defect linked to a case that failed in this run is seen now, and reopened if closed.
 */
export async function recordDefectsFromRun(tx: Db, projectId: number, runId: string, now: Date, annotated: Array<{ stableId: string; key: string; url: string | null }>) {
  if (annotated.length > 0) {
    await tx.$executeRaw`
      INSERT INTO "Defect" ("id", "projectId", "key", "url", "firstSeenAt", "lastSeenAt", "openedAt", "createdAt")
      SELECT DISTINCT ON (k) i, ${projectId}, k, u, ${now}, ${now}, ${now}, ${now}
      FROM unnest(${annotated.map(() => newId('dft'))}::text[], ${annotated.map((a) => a.key)}::text[], ${annotated.map((a) => a.url)}::text[]) AS a(i, k, u)
      ON CONFLICT ("projectId", "key") DO UPDATE SET "url" = COALESCE("Defect"."url", excluded."url")`;
    await tx.$executeRaw`
      INSERT INTO "DefectCase" ("defectId", "testCaseId")
      SELECT d.id, tc.id FROM unnest(${annotated.map((a) => a.stableId)}::text[], ${annotated.map((a) => a.key)}::text[]) AS a(s, k)
      JOIN "TestCase" tc ON tc."projectId" = ${projectId} AND tc."stableId" = a.s
      JOIN "Defect" d ON d."projectId" = ${projectId} AND d."key" = a.k
      ON CONFLICT DO NOTHING`;
  }
  await tx.$executeRaw`
    UPDATE "Defect" SET "lastSeenAt" = ${now}, "status" = 'open', "closedAt" = NULL,
      "openedAt" = CASE WHEN "status" = 'closed' THEN ${now} ELSE "openedAt" END
    WHERE "id" IN (
      SELECT dc."defectId" FROM "DefectCase" dc
      JOIN "CaseRun" cr ON cr."testCaseId" = dc."testCaseId" AND cr."runId" = ${runId} AND cr."status" IN ('fail', 'broken') AND NOT cr."muted")`;
}

export const DEFECT_INCLUDE = { cases: { include: { testCase: { select: { id: true, stableId: true, name: true, severity: true } } }, take: 50 } } as const;

async function defectView(db: Db, id: string) {
  const defect = await db.defect.findUniqueOrThrow({ where: { id }, include: DEFECT_INCLUDE });
  const casesAffected = await db.defectCase.count({ where: { defectId: id } });
  return { ...defect, casesAffected };
}
export type DefectView = Awaited<ReturnType<typeof defectView>>;

/** The severity a defect shows: the highest of its cases'. */
export const defectSeverity = (defect: { cases: Array<{ testCase: { severity: string | null } }> }) =>
  defect.cases.map((c) => c.testCase.severity).filter((s): s is string => s !== null).sort((a, b) => SEVERITY_RANK.indexOf(b) - SEVERITY_RANK.indexOf(a))[0] ?? null;

export async function listDefects(actor: Actor, projectRef: string, query: { status?: unknown; cursor?: unknown }) {
  const project = await runProject(actor, { project: projectRef }, 'read');
  if (query.status !== undefined && query.status !== 'open' && query.status !== 'closed') throw new BadRequest('status must be open or closed.');
  const after = prefixedIdAfter('dft', query.cursor);
  const rows = await actor.services.prisma.defect.findMany({
    where: { projectId: project.id, ...(query.status ? { status: query.status } : {}), ...(after ? { id: { gt: after } } : {}) },
    orderBy: { id: 'asc' },
    take: DEFECT_PAGE + 1,
    include: { ...DEFECT_INCLUDE, _count: { select: { cases: true } } },
  });
  const page = rows.slice(0, DEFECT_PAGE).map(({ _count, ...defect }) => ({ ...defect, casesAffected: _count.cases }));
  return { defects: page, nextCursor: rows.length > DEFECT_PAGE ? page[page.length - 1]!.id : null };
}

export const DEFECT_STATUSES = ['open', 'closed'] as const;

/** The board's reads (GraphQL passes its selection); `status` is served by the (projectId, status, id) index. */
export async function projectDefects(actor: Actor, projectId: number, status: string | null | undefined, query: PageQuery<PrismaTypes.DefectFindManyArgs>) {
  await authorizeTestReads(actor, projectId);
  return actor.services.prisma.defect.findMany({ ...query, where: { projectId, ...(status ? { status } : {}) }, orderBy: { id: 'asc' } });
}
export async function countProjectDefects(actor: Actor, projectId: number, status: string | null | undefined): Promise<number> {
  await authorizeTestReads(actor, projectId);
  return actor.services.prisma.defect.count({ where: { projectId, ...(status ? { status } : {}) } });
}
export async function findDefect<Q extends Pick<PrismaTypes.DefectFindUniqueArgs, 'include'>>(actor: Actor, id: string, query: Q = {} as Q) {
  requireAuthenticated(actor.principal);
  return authorizedTestRecord(actor, 'Defect', await actor.services.prisma.defect.findUnique({ ...query, where: { id } }), 'read');
}

const linkInput = z.strictObject({
  key: z.string().trim().regex(DEFECT_KEY, 'a tracker key such as PAY-12 or #45'),
  url: z.url({ protocol: /^https?$/ }).max(2000).nullish(),
  cases: z.array(maxChars(500, z.string().min(1))).min(1).max(1000),
});
export const DEFECT_LINK = linkInput;

/** Links cases to a defect by hand (creating it); answers it and whether it is new. */
export async function linkDefect(actor: Actor, projectRef: string, body: unknown) {
  const project = await runProject(actor, { project: projectRef }, 'push');
  const input = parseInput(linkInput, body ?? {});
  const now = actor.services.clock.now();
  return actor.services.prisma.$transaction(async (tx) => {
    const cases = await knownCases(tx, project.id, input.cases);
    const key = input.key.toUpperCase();
    const existing = await tx.defect.findUnique({ where: { projectId_key: { projectId: project.id, key } } });
    const defect =
      existing ?? (await tx.defect.create({ data: { id: newId('dft'), projectId: project.id, key, url: input.url ?? null, firstSeenAt: now, lastSeenAt: now, openedAt: now, createdAt: now } }));
    if (existing && input.url && !existing.url) await tx.defect.update({ where: { id: existing.id }, data: { url: input.url } });
    await tx.defectCase.createMany({ data: cases.map((c) => ({ defectId: defect.id, testCaseId: c.id })), skipDuplicates: true });
    return { defect: await defectView(tx, defect.id), created: !existing };
  });
}

const authorizedDefect = async (actor: Actor, id: string, rule: 'read' | 'push') =>
  authorizedTestRecord(actor, 'Defect', await actor.services.prisma.defect.findUnique({ where: { id } }), rule);

const defectChange = z.strictObject({ status: z.enum(DEFECT_STATUSES) });
export const DEFECT_CHANGE = defectChange;

/** Closes (the tracker resolved it) or reopens a defect by hand; a later failure reopens it anyway. */
export async function updateDefect(actor: Actor, id: string, body: unknown) {
  const defect = await authorizedDefect(actor, id, 'push');
  const { status } = parseInput(defectChange, body ?? {});
  const now = actor.services.clock.now();
  if (status !== defect.status) {
    await actor.services.prisma.defect.update({ where: { id }, data: status === 'closed' ? { status, closedAt: now } : { status, closedAt: null, openedAt: now } });
  }
  return defectView(actor.services.prisma, id);
}

const promoteInput = z.strictObject({ issueId: idSchema.nullish(), title: maxChars(255, z.string().trim().min(1)).nullish() });
export const DEFECT_PROMOTION = promoteInput;

/** Into a new issue of the project (or `issueId`, an existing one), through the one promotion path. */
export async function promoteDefect(actor: Actor, id: string, body: unknown): Promise<{ issue: Issue; created: boolean; defect: DefectView }> {
  const defect = await authorizedDefect(actor, id, 'push');
  const input = parseInput(promoteInput, body ?? {});
  const { issue, created, linked } = await promoteIntoIssue(actor, {
    projectId: defect.projectId,
    issueId: input.issueId,
    issueField: 'issueId',
    subjects: [{ subject: 'Defect', id: defect.id, from: defect.status }],
    async prepare(tx) {
      const view = await defectView(tx, defect.id);
      const cases = view.cases.map((c) => `- ${c.testCase.name}`).join('\n');
      return { title: input.title ?? `Defect ${view.key}`, description: `${view.url ?? view.key}\n\nFailing tests:\n${cases}` };
    },
    async link(tx, issue) {
      const { count } = await tx.defect.updateMany({ where: { id: defect.id, issueId: null }, data: { issueId: issue.id } });
      if (count === 0) throw new Conflict('The defect is already promoted into an issue.');
      return defectView(tx, defect.id);
    },
  });
  return { issue, created, defect: linked };
}
