// Test plans and their executions: a plan is a named set of a project's tests (by stable id);
// editing it adds a revision. An execution is one pass through the plan's revision of the day:
// people set verdicts, runs finalized while it is open fill in the rest (never over a person's
// verdict), and once closed it is immutable (409).
import { z } from 'zod';
import type { Prisma as PrismaTypes, TestExecution, TestPlan } from '../../generated/prisma/client.ts';
import { requireAuthenticated } from '../../auth/permissions.ts';
import type { Db, PageQuery } from '../../db/client.ts';
import { Conflict, NotFound } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Actor } from '../../services.ts';
import { maxChars, parseInput, storableItems } from '../../validation.ts';
import { triageActor } from '../history/service.ts';
import { knownCases } from './cases.ts';
import { runProject } from './ingest.ts';
import { authorizedTestRecord, authorizeTestReads, prefixedIdAfter } from './service.ts';

export const VERDICTS = ['pass', 'fail', 'skip', 'blocked'] as const;
export const EXECUTION_MODES = ['manual', 'automated', 'hybrid'] as const;
const MAX_PLAN_CASES = 5000;
const PLAN_PAGE = 100;

const planCases = z
  .array(maxChars(500, z.string().min(1)))
  .min(1)
  .max(MAX_PLAN_CASES)
  .refine((ids) => new Set(ids).size === ids.length, { params: { message: 'must not name a case twice' } });
const planInput = z.strictObject({ name: maxChars(200, z.string().trim().min(1)), cases: planCases });
const planChange = z.strictObject({ name: maxChars(200, z.string().trim().min(1)).optional(), cases: planCases.optional() });
const executionInput = z.strictObject({ mode: z.enum(EXECUTION_MODES).default('manual'), autoFill: z.boolean().default(true) });
const verdictInput = z.strictObject({
  verdict: z.enum(VERDICTS),
  note: maxChars(10_000).nullish(),
  attachmentIds: storableItems(maxChars(200, z.string().min(1))).max(20).default([]),
});
export const PLAN_INPUT = planInput;
export const PLAN_CHANGE = planChange;
export const EXECUTION_INPUT = executionInput;
export const VERDICT_INPUT = verdictInput;

export async function listPlans(actor: Actor, projectRef: string, query: { cursor?: unknown }) {
  const project = await runProject(actor, { project: projectRef }, 'read');
  const after = prefixedIdAfter('plan', query.cursor);
  const plans = await actor.services.prisma.testPlan.findMany({
    where: { projectId: project.id, ...(after === undefined ? {} : { id: { gt: after } }) },
    orderBy: { id: 'asc' },
    take: PLAN_PAGE + 1,
    include: { revisions: { orderBy: { revision: 'desc' }, take: 1 } },
  });
  return { plans: plans.slice(0, PLAN_PAGE), nextCursor: plans.length > PLAN_PAGE ? plans[PLAN_PAGE - 1]!.id : null };
}

export async function createPlan(actor: Actor, projectRef: string, body: unknown) {
  const project = await runProject(actor, { project: projectRef }, 'push');
  const input = parseInput(planInput, body ?? {});
  const now = actor.services.clock.now();
  return actor.services.prisma.$transaction(async (tx) => {
    await knownCases(tx, project.id, input.cases);
    const id = newId('plan');
    await tx.testPlan.create({ data: { id, projectId: project.id, name: input.name, revision: 1, createdAt: now, updatedAt: now } });
    await tx.testPlanRevision.create({ data: { planId: id, revision: 1, name: input.name, caseIds: input.cases, createdAt: now, createdBy: triageActor(actor.principal).actorName } });
    return planWithCases(tx, id);
  });
}

/** The board's reads (GraphQL passes its selection). */
export async function projectPlans(actor: Actor, projectId: number, query: PageQuery<PrismaTypes.TestPlanFindManyArgs>) {
  await authorizeTestReads(actor, projectId);
  return actor.services.prisma.testPlan.findMany({ ...query, where: { projectId }, orderBy: { id: 'asc' } });
}
export async function countProjectPlans(actor: Actor, projectId: number): Promise<number> {
  await authorizeTestReads(actor, projectId);
  return actor.services.prisma.testPlan.count({ where: { projectId } });
}
export async function findPlan<Q extends Pick<PrismaTypes.TestPlanFindUniqueArgs, 'include'>>(actor: Actor, id: string, query: Q = {} as Q) {
  requireAuthenticated(actor.principal);
  return authorizedTestRecord(actor, 'Test plan', await actor.services.prisma.testPlan.findUnique({ ...query, where: { id } }), 'read');
}
export async function findExecution<Q extends Pick<PrismaTypes.TestExecutionFindUniqueArgs, 'include'>>(actor: Actor, id: string, query: Q = {} as Q) {
  requireAuthenticated(actor.principal);
  return authorizedTestRecord(actor, 'Execution', await actor.services.prisma.testExecution.findUnique({ ...query, where: { id } }), 'read');
}

const authorizedPlan = async (actor: Actor, id: string, rule: 'read' | 'push'): Promise<TestPlan> =>
  authorizedTestRecord(actor, 'Test plan', await actor.services.prisma.testPlan.findUnique({ where: { id } }), rule);

async function planWithCases(db: Db, id: string) {
  return db.testPlan.findUniqueOrThrow({ where: { id }, include: { revisions: { orderBy: { revision: 'desc' }, take: 1 } } });
}

export async function getPlan(actor: Actor, id: string) {
  await authorizedPlan(actor, id, 'read');
  return planWithCases(actor.services.prisma, id);
}

/** A new revision: executions already started keep theirs. */
export async function updatePlan(actor: Actor, id: string, body: unknown) {
  const plan = await authorizedPlan(actor, id, 'push');
  const change = parseInput(planChange, body ?? {});
  const now = actor.services.clock.now();
  return actor.services.prisma.$transaction(async (tx) => {
    const current = await tx.testPlanRevision.findUniqueOrThrow({ where: { planId_revision: { planId: id, revision: plan.revision } } });
    if (change.cases) await knownCases(tx, plan.projectId, change.cases);
    // The revision number is claimed by a conditional update: two concurrent edits cannot both make revision n+1.
    const { count } = await tx.testPlan.updateMany({ where: { id, revision: plan.revision }, data: { revision: plan.revision + 1, name: change.name ?? plan.name, updatedAt: now } });
    if (count === 0) throw new Conflict('The plan was changed meanwhile; read it again and retry.');
    await tx.testPlanRevision.create({
      data: { planId: id, revision: plan.revision + 1, name: change.name ?? current.name, caseIds: change.cases ?? current.caseIds, createdAt: now, createdBy: triageActor(actor.principal).actorName },
    });
    return planWithCases(tx, id);
  });
}

export async function startExecution(actor: Actor, planId: string, body: unknown) {
  const plan = await authorizedPlan(actor, planId, 'push');
  const input = parseInput(executionInput, body ?? {});
  const execution = await actor.services.prisma.testExecution.create({
    data: { id: newId('exe'), planId, projectId: plan.projectId, revision: plan.revision, mode: input.mode, autoFill: input.autoFill, createdAt: actor.services.clock.now() },
  });
  return executionWithResults(actor.services.prisma, execution.id);
}

const authorizedExecution = async (actor: Actor, id: string, rule: 'read' | 'push'): Promise<TestExecution> =>
  authorizedTestRecord(actor, 'Execution', await actor.services.prisma.testExecution.findUnique({ where: { id } }), rule);

async function executionWithResults(db: Db, id: string) {
  const execution = await db.testExecution.findUniqueOrThrow({ where: { id }, include: { results: { orderBy: { stableId: 'asc' } } } });
  const overview = (await executionOverviews(db, [id])).get(id)!;
  return { execution, ...overview };
}

export interface ExecutionSummary {
  planned: number;
  recorded: number;
  /** recorded / planned, to three decimals. */
  coverage: number;
  pass: number;
  fail: number;
  skip: number;
  blocked: number;
  averageDurationMs: number | null;
  /** Defects linked to the revision's cases that were opened (created or reopened) while the execution was open. */
  defectsOpened: number;
}
export interface ExecutionOverview { cases: string[]; summary: ExecutionSummary }

/**
 * The revision's cases and the summary of several executions in one statement (REST reads one,
 * the board's loader a page): counts per verdict, coverage of the plan, the mean duration of the
 * timed verdicts, and the defects opened meanwhile.
 */
export async function executionOverviews(db: Db, ids: readonly string[]): Promise<Map<string, ExecutionOverview>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRaw<Array<Omit<ExecutionSummary, 'coverage'> & { id: string; cases: string[] }>>`
    SELECT e.id, r."caseIds" AS cases, cardinality(r."caseIds") AS planned,
      x.recorded, x.pass, x.fail, x.skip, x.blocked, x."averageDurationMs",
      (SELECT count(DISTINCT d.id)::int FROM "TestCase" tc
         JOIN "DefectCase" dc ON dc."testCaseId" = tc.id
         JOIN "Defect" d ON d.id = dc."defectId"
       WHERE tc."projectId" = e."projectId" AND tc."stableId" = ANY (r."caseIds")
         AND d."openedAt" >= e."createdAt" AND (e."closedAt" IS NULL OR d."openedAt" <= e."closedAt")) AS "defectsOpened"
    FROM "TestExecution" e
    JOIN "TestPlanRevision" r ON r."planId" = e."planId" AND r.revision = e.revision
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS recorded,
        count(*) FILTER (WHERE verdict = 'pass')::int AS pass, count(*) FILTER (WHERE verdict = 'fail')::int AS fail,
        count(*) FILTER (WHERE verdict = 'skip')::int AS skip, count(*) FILTER (WHERE verdict = 'blocked')::int AS blocked,
        round(avg("durationMs"))::int AS "averageDurationMs"
      FROM "ExecutionResult" WHERE "executionId" = e.id) x
    WHERE e.id = ANY (${[...ids]}::text[])`;
  return new Map(
    rows.map(({ id, cases, planned, recorded, pass, fail, skip, blocked, averageDurationMs, defectsOpened }) => [
      id,
      { cases, summary: { planned, recorded, coverage: planned > 0 ? Math.round((recorded / planned) * 1000) / 1000 : 0, pass, fail, skip, blocked, averageDurationMs, defectsOpened } },
    ]),
  );
}

export async function getExecution(actor: Actor, id: string) {
  await authorizedExecution(actor, id, 'read');
  return executionWithResults(actor.services.prisma, id);
}

/** A person's verdict on one case of an open execution; a run never overwrites it. */
export async function setVerdict(actor: Actor, executionId: string, stableId: string, body: unknown) {
  const execution = await authorizedExecution(actor, executionId, 'push');
  const input = parseInput(verdictInput, body ?? {});
  const now = actor.services.clock.now();
  await actor.services.prisma.$transaction(async (tx) => {
    // The row lock orders a verdict after a concurrent close: nothing is written to a closed execution.
    const [locked] = await tx.$queryRaw<Array<{ closedAt: Date | null }>>`SELECT "closedAt" FROM "TestExecution" WHERE id = ${execution.id} FOR UPDATE`;
    if (locked?.closedAt) throw new Conflict('The execution is closed; its verdicts can no longer change.');
    const revision = await tx.testPlanRevision.findUniqueOrThrow({ where: { planId_revision: { planId: execution.planId, revision: execution.revision } } });
    if (!revision.caseIds.includes(stableId)) throw new NotFound('Case in this execution');
    const data = { verdict: input.verdict, note: input.note ?? null, attachmentIds: input.attachmentIds, source: 'manual', runId: null, updatedAt: now, updatedBy: triageActor(actor.principal).actorName };
    await tx.executionResult.upsert({ where: { executionId_stableId: { executionId, stableId } }, create: { executionId, stableId, durationMs: null, ...data }, update: data });
  });
  return executionWithResults(actor.services.prisma, executionId);
}

export async function closeExecution(actor: Actor, id: string) {
  await authorizedExecution(actor, id, 'push');
  const { count } = await actor.services.prisma.testExecution.updateMany({ where: { id, closedAt: null }, data: { closedAt: actor.services.clock.now() } });
  if (count === 0) throw new Conflict('The execution is already closed.');
  return executionWithResults(actor.services.prisma, id);
}

/**
 * A finalized run fills the open, auto-filling executions of its project: each case of their
 * revision that the run reports gets the run's verdict (broken counts as fail), except where a
 * person has set one. One statement, inside the finalize transaction.
 */
export async function fillExecutionsFromRun(tx: Db, projectId: number, runId: string, now: Date): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "ExecutionResult" ("executionId", "stableId", "verdict", "attachmentIds", "durationMs", "source", "runId", "updatedAt")
    SELECT e.id, tc."stableId",
      CASE cr.status WHEN 'pass' THEN 'pass' WHEN 'skip' THEN 'skip' ELSE 'fail' END,
      '{}', cr."durationMs", 'run', ${runId}, ${now}
    FROM "TestExecution" e
    JOIN "TestPlanRevision" r ON r."planId" = e."planId" AND r.revision = e.revision
    JOIN "CaseRun" cr ON cr."runId" = ${runId}
    JOIN "TestCase" tc ON tc.id = cr."testCaseId" AND tc."stableId" = ANY (r."caseIds")
    WHERE e."projectId" = ${projectId} AND e."closedAt" IS NULL AND e."autoFill"
    ON CONFLICT ("executionId", "stableId") DO UPDATE SET
      "verdict" = EXCLUDED."verdict", "durationMs" = EXCLUDED."durationMs", "runId" = EXCLUDED."runId", "updatedAt" = EXCLUDED."updatedAt"
    WHERE "ExecutionResult"."source" = 'run'`;
}

export type ExecutionView = Awaited<ReturnType<typeof executionWithResults>>;
export type PlanView = PrismaTypes.TestPlanGetPayload<{ include: { revisions: true } }>;
