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

/** Rows by primary key: one `findMany` per batch, null for an id that has no row. */
function rowsById<K, V extends { id: K }>(findMany: (ids: K[]) => Promise<V[]>): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (ids) => {
    const rows = new Map((await findMany([...ids])).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id) ?? null);
  });
}

/**
 * A request's loaders, each made on its first use: most operations use one or two of them, and
 * every request (even `{ __typename }`) has a set.
 */
export class Loaders {
  constructor(private readonly prisma: Prisma) {}
  #project?: DataLoader<number, Project | null>;
  #workspace?: DataLoader<string, Workspace | null>;
  #user?: DataLoader<string, User | null>;
  #issue?: DataLoader<number, Issue | null>;
  #reportAttachments?: DataLoader<number, Attachment[]>;
  #history?: DataLoader<string, TriageEvent[]>;
  #caseHistory?: DataLoader<number, CaseHistoryEntry[]>;
  #caseRollup?: DataLoader<number, CaseRollup>;
  #executionOverview?: DataLoader<string, ExecutionOverview>;

  get project() {
    return (this.#project ??= rowsById((ids: number[]) => this.prisma.project.findMany({ where: { id: { in: ids } } })));
  }
  #heldProjects?: Map<number, Project>;
  /** Makes `project` this request's answer for its id, by the loader and by `projectOf`. */
  holdProject(project: Project): void {
    (this.#heldProjects ??= new Map()).set(project.id, project);
    this.project.prime(project.id, project);
  }
  /**
   * A project by id: one this request holds comes back at once, without a promise (a board's 50
   * cards all name the project it was asked for, and a promise per card cost ~12% of the uncached
   * board's allocations); any other is loaded.
   */
  projectOf(id: number): Project | Promise<Project | null> {
    return this.#heldProjects?.get(id) ?? this.project.load(id);
  }
  get workspace() {
    return (this.#workspace ??= rowsById((ids: string[]) => this.prisma.workspace.findMany({ where: { id: { in: ids } } })));
  }
  get user() {
    return (this.#user ??= rowsById((ids: string[]) => this.prisma.user.findMany({ where: { id: { in: ids } } })));
  }
  get issue() {
    return (this.#issue ??= rowsById((ids: number[]) => this.prisma.issue.findMany({ where: { id: { in: ids } } })));
  }
  /** A report's attachments in upload order, by report id. */
  get reportAttachments() {
    return (this.#reportAttachments ??= new DataLoader<number, Attachment[]>(
      async (ids) => {
        const byReport = new Map<number, Attachment[]>(ids.map((id) => [id, []]));
        for (const row of await this.prisma.attachment.findMany({ where: { reportId: { in: [...ids] } }, orderBy: { id: 'asc' } })) byReport.get(row.reportId!)?.push(row);
        return ids.map((id) => byReport.get(id)!);
      },
      { maxBatchSize: 1000 },
    ));
  }
  /** Keys are `<SubjectType>:<id>`; each gets its newest triage events. */
  get history() {
    return (this.#history ??= new DataLoader<string, TriageEvent[]>((keys) => historiesOf(this.prisma, keys), { maxBatchSize: 500 }));
  }
  /** A test case's last runs, by TestCase id. */
  get caseHistory() {
    return (this.#caseHistory ??= new DataLoader<number, CaseHistoryEntry[]>(
      async (ids) => {
        const histories = await caseHistories(this.prisma, ids);
        return ids.map((id) => histories.get(id) ?? []);
      },
      { maxBatchSize: 1000 },
    ));
  }
  /** A test case's pass rate and mean duration over its latest results, by TestCase id. */
  get caseRollup() {
    return (this.#caseRollup ??= new DataLoader<number, CaseRollup>(
      async (ids) => {
        const rollups = await caseRollups(this.prisma, ids);
        return ids.map((id) => rollups.get(id)!);
      },
      { maxBatchSize: 1000 },
    ));
  }
  /** An execution's revision cases and summary, by execution id. */
  get executionOverview() {
    return (this.#executionOverview ??= new DataLoader<string, ExecutionOverview>(
      async (ids) => {
        const overviews = await executionOverviews(this.prisma, ids);
        return ids.map((id) => overviews.get(id) ?? new Error(`Execution ${id} is gone.`));
      },
      { maxBatchSize: 500 },
    ));
  }
}
