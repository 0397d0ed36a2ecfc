// Flaky detection, incremental: a job after each finalize appends the run's results to each
// test's window on the run's branch and re-assesses it (rules.ts). Reads never rescan history.
import type { JobKind } from '../../jobs/queue.ts';
import type { Actor } from '../../services.ts';
import { emitEvents } from '../webhooks/events.ts';
import { runProject } from './ingest.ts';
import { assessFlakiness, FLAKY_WINDOW, type BranchResult } from './rules.ts';

export const detectFlakyTests: JobKind<{ runId: string }> = {
  async run(services, { runId }) {
    await services.prisma.$transaction(
      async (tx) => {
        // Locked, so a retried or concurrent job counts the run once.
        const [run] = await tx.$queryRaw<Array<{ id: string; projectId: number; branch: string | null; commit: string | null; startedAt: Date; flakyCheckedAt: Date | null }>>`
          SELECT "id", "projectId", "branch", "commit", "startedAt", "flakyCheckedAt" FROM "TestRun" WHERE "id" = ${runId} FOR UPDATE`;
        if (!run || run.flakyCheckedAt) return;
        const branch = run.branch ?? '';
        const caseRuns = await tx.caseRun.findMany({ where: { runId }, select: { testCaseId: true, status: true, retries: true, flaky: true, startedAt: true } });
        const states = new Map(
          (await tx.caseBranchState.findMany({ where: { branch, testCaseId: { in: caseRuns.map((caseRun) => caseRun.testCaseId) } } })).map((state) => [state.testCaseId, state]),
        );
        const now = services.clock.now();
        const rows = caseRuns.map((caseRun) => {
          const state = states.get(caseRun.testCaseId);
          const result: BranchResult = {
            status: caseRun.status, commit: run.commit, retried: caseRun.status === 'pass' && caseRun.retries > 0, explicit: caseRun.flaky, at: caseRun.startedAt.toISOString(),
          };
          const window = [...((state?.window as BranchResult[] | undefined) ?? []), result].slice(-FLAKY_WINDOW);
          const assessed = assessFlakiness(window, state?.flaky ?? false);
          return { caseRun, state, window, assessed };
        });
        // One statement per 500 tests (a 2,000-case run is four).
        for (let i = 0; i < rows.length; i += 500) {
          const chunk = rows.slice(i, i + 500);
          const column = <T>(value: (row: (typeof rows)[number]) => T) => chunk.map(value);
          const at = (date: Date | string | null | undefined) => (date ? new Date(date).toISOString() : null);
          await tx.$executeRaw`
            INSERT INTO "CaseBranchState" ("testCaseId", "projectId", "branch", "window", "flaky", "flakyReason", "flipRate", "passStreak", "lastFlipAt", "firstFlaggedAt", "updatedAt")
            SELECT s."testCaseId", ${run.projectId}, ${branch}, s."window", s."flaky", s."flakyReason", s."flipRate", s."passStreak", s."lastFlipAt"::timestamp(3), s."firstFlaggedAt"::timestamp(3), ${now}
            FROM unnest(
              ${column((row) => row.caseRun.testCaseId)}::int[], ${column((row) => JSON.stringify(row.window))}::jsonb[], ${column((row) => row.assessed.flaky)}::boolean[],
              ${column((row) => row.assessed.reason)}::text[], ${column((row) => row.assessed.flipRate)}::float8[], ${column((row) => row.assessed.passStreak)}::int[],
              ${column((row) => at(row.assessed.lastFlipAt ?? row.state?.lastFlipAt))}::text[],
              ${column((row) => (row.assessed.flaky ? at(row.state?.firstFlaggedAt ?? now) : null))}::text[]
            ) AS s("testCaseId", "window", "flaky", "flakyReason", "flipRate", "passStreak", "lastFlipAt", "firstFlaggedAt")
            ON CONFLICT ("testCaseId", "branch") DO UPDATE SET
              "window" = excluded."window", "flaky" = excluded."flaky", "flakyReason" = excluded."flakyReason", "flipRate" = excluded."flipRate",
              "passStreak" = excluded."passStreak", "lastFlipAt" = excluded."lastFlipAt", "firstFlaggedAt" = excluded."firstFlaggedAt", "updatedAt" = excluded."updatedAt"`;
        }
        const flaky = rows.filter((row) => row.assessed.flaky);
        await tx.testRun.update({ where: { id: runId }, data: { flaky: flaky.length, flakyCheckedAt: now } });
        const newly = flaky.filter((row) => !row.state?.flaky);
        if (newly.length > 0) {
          const cases = await tx.testCase.findMany({ where: { id: { in: newly.map((row) => row.caseRun.testCaseId) } }, select: { id: true, stableId: true, fullName: true } });
          const byId = new Map(cases.map((testCase) => [testCase.id, testCase]));
          await emitEvents(
            tx,
            newly.map((row) => ({
              projectId: run.projectId, type: 'flaky.detected' as const, occurredAt: now, branch: run.branch,
              data: { caseId: byId.get(row.caseRun.testCaseId)?.stableId, fullName: byId.get(row.caseRun.testCaseId)?.fullName, branch: run.branch, reason: row.assessed.reason, flipRate: row.assessed.flipRate, runId },
            })),
          );
        }
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
  },
};

/** The project's flaky tests, by stable id: flip rate (the highest of its branches), last flip, branches, first flagged. */
export async function flakyCases(actor: Actor, projectRef: string) {
  const project = await runProject(actor, { project: projectRef }, 'read');
  const states = await actor.services.prisma.caseBranchState.findMany({
    where: { projectId: project.id, flaky: true },
    include: { testCase: { select: { stableId: true, name: true, fullName: true } } },
    orderBy: [{ flipRate: 'desc' }, { testCaseId: 'asc' }],
    take: 1000,
  });
  const byCase = new Map<number, { id: string; name: string; fullName: string; flipRate: number; lastFlipAt: Date | null; branches: string[]; firstFlaggedAt: Date | null; reasons: string[] }>();
  for (const state of states) {
    const entry = byCase.get(state.testCaseId) ?? {
      id: state.testCase.stableId, name: state.testCase.name, fullName: state.testCase.fullName, flipRate: 0, lastFlipAt: null, branches: [], firstFlaggedAt: null, reasons: [],
    };
    entry.flipRate = Math.max(entry.flipRate, Math.round(state.flipRate * 1000) / 1000);
    if (state.lastFlipAt && (!entry.lastFlipAt || state.lastFlipAt > entry.lastFlipAt)) entry.lastFlipAt = state.lastFlipAt;
    if (state.firstFlaggedAt && (!entry.firstFlaggedAt || state.firstFlaggedAt < entry.firstFlaggedAt)) entry.firstFlaggedAt = state.firstFlaggedAt;
    entry.branches.push(state.branch === '' ? '(none)' : state.branch);
    if (state.flakyReason && !entry.reasons.includes(state.flakyReason)) entry.reasons.push(state.flakyReason);
    byCase.set(state.testCaseId, entry);
  }
  return [...byCase.values()];
}
