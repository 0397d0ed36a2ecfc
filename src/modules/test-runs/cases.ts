// The test-case inventory of a project (every test its runs have named), one case with its
// history, what people set on a case (owner, labels, quarantine), and the quarantine list CI pulls.
import { z } from 'zod';
import type { Prisma as PrismaTypes, TestCase } from '../../generated/prisma/client.ts';
import { authorizeProject } from '../../auth/permissions.ts';
import type { Db, PageQuery } from '../../db/client.ts';
import { BadRequest, ValidationFailed } from '../../errors.ts';
import type { Actor } from '../../services.ts';
import { isoDateSchema, MAX_INT32, maxChars, parseInput, parseIsoDate } from '../../validation.ts';
import { triageActor } from '../history/service.ts';
import { passRate } from './analytics.ts';
import { runProject } from './ingest.ts';
import { CASE_STATUSES } from './kensho.ts';
import { RULES } from './rules.ts';
import { authorizedTestRecord, authorizeTestReads, caseHistories, idCursors } from './service.ts';

export const INVENTORY_PAGE = 500;
/** How many of a case's latest results its pass rate and mean duration cover (and `GET /v1/cases/:id` lists). */
export const ROLLUP_LENGTH = 50;

export interface CaseRollup {
  /** Results counted (at most ROLLUP_LENGTH). */
  results: number;
  /** Passes over pass + fail + broken, muted failures left out (as the project's pass rate); null with none. */
  passRate: number | null;
  averageDurationMs: number | null;
}

/** Pass rate and mean duration of several cases over their latest results, in one statement. */
export async function caseRollups(db: Db, testCaseIds: readonly number[]): Promise<Map<number, CaseRollup>> {
  if (testCaseIds.length === 0) return new Map();
  const rows = await db.$queryRaw<Array<{ id: number; results: number; passed: number; counted: number; averageDurationMs: number | null }>>`
    SELECT c.id, count(h.status)::int AS results,
      count(*) FILTER (WHERE h.status = 'pass')::int AS passed,
      count(*) FILTER (WHERE h.status = 'pass' OR (h.status IN ('fail', 'broken') AND NOT h.muted))::int AS counted,
      round(avg(h."durationMs"))::int AS "averageDurationMs"
    FROM unnest(${[...testCaseIds]}::int[]) AS c(id)
    LEFT JOIN LATERAL (
      SELECT status, muted, "durationMs" FROM "CaseRun" WHERE "testCaseId" = c.id ORDER BY "startedAt" DESC, id DESC LIMIT ${ROLLUP_LENGTH}
    ) h ON true
    GROUP BY c.id`;
  return new Map(rows.map((row) => [row.id, { results: row.results, passRate: passRate(row.passed, row.counted), averageDurationMs: row.averageDurationMs }]));
}

/** The project's tests these stable ids name; one the inventory lacks is refused by its position (`cases.N`). */
export async function knownCases(db: Db, projectId: number, stableIds: string[]): Promise<Array<{ id: number; stableId: string }>> {
  const cases = await db.testCase.findMany({ where: { projectId, stableId: { in: stableIds } }, select: { id: true, stableId: true } });
  const known = new Set(cases.map((c) => c.stableId));
  const unknown = Object.fromEntries(stableIds.flatMap((id, i) => (known.has(id) ? [] : [[`cases.${i}`, [`The cases.${i} field names no test of this project.`]]])));
  if (Object.keys(unknown).length > 0) throw new ValidationFailed(unknown);
  return cases;
}

export const isQuarantined = (testCase: Pick<TestCase, 'quarantinedAt' | 'quarantineUntil'>, now: Date) =>
  testCase.quarantinedAt !== null && (testCase.quarantineUntil === null || testCase.quarantineUntil > now);

const caseCursors = idCursors('tc');

export interface CaseFilter {
  status?: string | null;
  quarantined?: boolean | null;
}

/** The inventory's filters (each served by an index beside projectId). */
const inventoryWhere = (projectId: number, filter: CaseFilter) => ({
  projectId,
  ...(filter.status ? { lastStatus: filter.status } : {}),
  ...(filter.quarantined === true ? { quarantinedAt: { not: null } } : filter.quarantined === false ? { quarantinedAt: null } : {}),
});

/** A page of the project's tests (by first appearance), optionally by last status or quarantined. */
export async function caseInventory(actor: Actor, projectRef: string, query: { cursor?: unknown; status?: unknown; quarantined?: unknown; limit?: unknown }) {
  const project = await runProject(actor, { project: projectRef }, 'read');
  const limit = query.limit === undefined ? INVENTORY_PAGE : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > INVENTORY_PAGE) throw new BadRequest(`limit must be an integer from 1 to ${INVENTORY_PAGE}.`);
  if (query.status !== undefined && !(CASE_STATUSES as readonly unknown[]).includes(query.status)) throw new BadRequest(`status must be one of ${CASE_STATUSES.join(', ')}.`);
  if (query.quarantined !== undefined && query.quarantined !== 'true' && query.quarantined !== 'false') throw new BadRequest('quarantined must be true or false.');
  const after = caseCursors.decode(query.cursor);
  const rows = await actor.services.prisma.testCase.findMany({
    where: {
      ...inventoryWhere(project.id, { status: query.status as string | undefined, quarantined: query.quarantined === undefined ? undefined : query.quarantined === 'true' }),
      ...(after === undefined ? {} : { id: { gt: after } }),
    },
    include: { states: { where: { flaky: true }, select: { branch: true } } },
    orderBy: { id: 'asc' },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const rollups = await caseRollups(actor.services.prisma, page.map((testCase) => testCase.id));
  return { items: page.map((testCase) => ({ ...testCase, rollup: rollups.get(testCase.id)! })), nextCursor: rows.length > limit ? caseCursors.encode(page.at(-1)!.id) : null };
}

/** The inventory for the board (GraphQL passes its selection and page). */
export async function projectTestCases(actor: Actor, projectId: number, filter: CaseFilter, query: PageQuery<PrismaTypes.TestCaseFindManyArgs>) {
  await authorizeTestReads(actor, projectId);
  return actor.services.prisma.testCase.findMany({ ...query, where: inventoryWhere(projectId, filter), orderBy: { id: 'asc' } });
}

export async function countProjectTestCases(actor: Actor, projectId: number, filter: CaseFilter): Promise<number> {
  await authorizeTestReads(actor, projectId);
  return actor.services.prisma.testCase.count({ where: inventoryWhere(projectId, filter) });
}

/** A test case the caller may read, with its last runs. */
export async function caseWithHistory(actor: Actor, id: string) {
  const testCase = await readableCase(actor, id, RULES.read);
  const [histories, rollups] = await Promise.all([caseHistories(actor.services.prisma, [testCase.id], ROLLUP_LENGTH), caseRollups(actor.services.prisma, [testCase.id])]);
  return { testCase, rollup: rollups.get(testCase.id)!, history: histories.get(testCase.id) ?? [] };
}

async function readableCase(actor: Actor, id: string, rule: (typeof RULES)[keyof typeof RULES]) {
  const numeric = /^\d{1,10}$/.test(id) && Number(id) <= MAX_INT32 ? Number(id) : null;
  const found = numeric === null ? null : await actor.services.prisma.testCase.findUnique({ where: { id: numeric }, include: { states: { where: { flaky: true }, select: { branch: true } } } });
  const testCase = await authorizedTestRecord(actor, 'Test case', found, 'read');
  if (rule !== RULES.read) {
    const project = await actor.services.prisma.project.findUniqueOrThrow({ where: { id: testCase.projectId } });
    authorizeProject(actor.principal, project, rule);
  }
  return testCase;
}

const caseChange = z.strictObject({
  owner: maxChars(200, z.string().trim()).nullable().optional(),
  labels: z.record(maxChars(200, z.string()), maxChars(4000, z.string())).refine((labels) => Object.keys(labels).length <= 100, { params: { message: 'must have at most 100 labels' } }).nullable().optional(),
  quarantine: z
    .strictObject({ reason: maxChars(2000, z.string().trim().min(1)), until: isoDateSchema.nullish() })
    .nullable()
    .optional(),
});

export const CASE_CHANGE = caseChange;

/** Owner, labels, quarantine (`{reason, until?}` to set, null to lift): what people decide about a test. */
export async function updateCase(actor: Actor, id: string, body: unknown) {
  const testCase = await readableCase(actor, id, RULES.push);
  const change = parseInput(caseChange, body ?? {});
  const refusesNul = JSON.stringify(change).includes('\\u0000');
  if (refusesNul) throw new BadRequest('Values must not contain NUL characters.');
  const now = actor.services.clock.now();
  const quarantine =
    change.quarantine === undefined
      ? {}
      : change.quarantine === null
        ? { quarantinedAt: null, quarantineReason: null, quarantineUntil: null, quarantinedBy: null }
        : { quarantinedAt: now, quarantineReason: change.quarantine.reason, quarantineUntil: change.quarantine.until ? parseIsoDate(change.quarantine.until) : null, quarantinedBy: triageActor(actor.principal).actorName };
  const updated = await actor.services.prisma.testCase.update({
    where: { id: testCase.id },
    data: {
      ...(change.owner === undefined ? {} : { owner: change.owner || null }),
      ...(change.labels === undefined ? {} : { labels: change.labels ?? {} }),
      ...quarantine,
    },
    include: { states: { where: { flaky: true }, select: { branch: true } } },
  });
  return { ...updated, rollup: (await caseRollups(actor.services.prisma, [updated.id])).get(updated.id)! };
}

/** What CI pulls to skip or ignore: the stable ids and full names quarantined now. */
export async function quarantineList(actor: Actor, projectRef: string) {
  const project = await runProject(actor, { project: projectRef }, 'read');
  const now = actor.services.clock.now();
  const rows = await actor.services.prisma.testCase.findMany({
    where: { projectId: project.id, quarantinedAt: { not: null }, OR: [{ quarantineUntil: null }, { quarantineUntil: { gt: now } }] },
    orderBy: { id: 'asc' },
    take: 10_000,
  });
  return rows;
}
