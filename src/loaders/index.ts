// DataLoaders, created per request (never shared across operations: they cache). Lists load
// their relations through these or through plugin-prisma's `t.relation`, so the number of SQL
// statements of a page does not grow with its size.
import DataLoader from 'dataloader';
import type { Attachment, Issue, Project, TriageEvent, User, Workspace } from '../generated/prisma/client.ts';
import type { Prisma } from '../db/client.ts';
import { historiesOf } from '../modules/history/service.ts';
import { caseRollups, type CaseRollup } from '../modules/test-runs/cases.ts';
import { executionOverviews, type ExecutionOverview } from '../modules/test-runs/plans.ts';
import { caseHistories, type CaseHistoryEntry } from '../modules/test-runs/service.ts';

function byKey<K, V>(rows: V[], keyOf: (row: V) => K, keys: readonly K[]): (V | null)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

export function createLoaders(prisma: Prisma) {
  return {
    project: new DataLoader<number, Project | null>(async (ids) =>
      byKey(await prisma.project.findMany({ where: { id: { in: [...ids] } } }), (p) => p.id, ids),
    ),
    workspace: new DataLoader<string, Workspace | null>(async (ids) =>
      byKey(await prisma.workspace.findMany({ where: { id: { in: [...ids] } } }), (w) => w.id, ids),
    ),
    user: new DataLoader<string, User | null>(async (ids) => byKey(await prisma.user.findMany({ where: { id: { in: [...ids] } } }), (u) => u.id, ids)),
    issue: new DataLoader<number, Issue | null>(async (ids) => byKey(await prisma.issue.findMany({ where: { id: { in: [...ids] } } }), (i) => i.id, ids)),
    /** A report's attachments in upload order, by report id. */
    reportAttachments: new DataLoader<number, Attachment[]>(
      async (ids) => {
        const byReport = new Map<number, Attachment[]>(ids.map((id) => [id, []]));
        for (const row of await prisma.attachment.findMany({ where: { reportId: { in: [...ids] } }, orderBy: { id: 'asc' } })) byReport.get(row.reportId!)?.push(row);
        return ids.map((id) => byReport.get(id)!);
      },
      { maxBatchSize: 1000 },
    ),
    /** Keys are `<SubjectType>:<id>`; each gets its newest triage events. */
    history: new DataLoader<string, TriageEvent[]>((keys) => historiesOf(prisma, keys), { maxBatchSize: 500 }),
    /** A test case's last runs, by TestCase id. */
    caseHistory: new DataLoader<number, CaseHistoryEntry[]>(
      async (ids) => {
        const histories = await caseHistories(prisma, ids);
        return ids.map((id) => histories.get(id) ?? []);
      },
      { maxBatchSize: 1000 },
    ),
    /** A test case's pass rate and mean duration over its latest results, by TestCase id. */
    caseRollup: new DataLoader<number, CaseRollup>(
      async (ids) => {
        const rollups = await caseRollups(prisma, ids);
        return ids.map((id) => rollups.get(id)!);
      },
      { maxBatchSize: 1000 },
    ),
    /** An execution's revision cases and summary, by execution id. */
    executionOverview: new DataLoader<string, ExecutionOverview>(
      async (ids) => {
        const overviews = await executionOverviews(prisma, ids);
        return ids.map((id) => overviews.get(id) ?? new Error(`Execution ${id} is gone.`));
      },
      { maxBatchSize: 500 },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
export { byKey };
