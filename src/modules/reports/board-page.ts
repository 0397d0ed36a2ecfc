// One page of a project's board as one flat statement: each report with its author, its promoted
// issue and its attachments, joined row by row and regrouped here. Prisma's relation joins build
// a JSON object per related row in correlated subqueries: 0.6–0.85 ms of PostgreSQL's CPU for a
// 50-card page against 0.18–0.2 ms for this statement (pgbench, README "The uncached board"). The
// rows are read past Prisma's client (`readRows`), whose mapping of them cost more than the statement.
// It reads the columns and relations the query's fields use (`RowReads`), not every column of four
// tables: a card's description, timestamps and hashes were parsed on every read that never showed
// them (the uncached board ran ~17% faster without them, README "The uncached board, fourth pass").
import { Prisma, type Attachment, type Issue, type Report, type User } from '../../generated/prisma/client.ts';
import type { Database, RowReads } from '../../db/client.ts';
import { ValidationFailed } from '../../errors.ts';
import { isDatabaseId } from '../../validation.ts';

/** What the board shows with each report: the Report type's include, and what `readBoardPage` returns. */
export const REPORT_CARD_RELATIONS = { createdBy: true, promotedIssue: true, attachments: { orderBy: { id: 'asc' } } } as const;
/** A report as the page reads it: the columns and relations its `RowReads` named (others are absent). */
export type ReportCard = Report & { createdBy: User | null; promotedIssue: Issue | null; attachments: Attachment[] };

/** A page's bounds as Pothos's cursor connection asks Prisma for them (a negative `take` pages backwards). */
export interface PageBounds {
  take?: number;
  skip?: number;
  cursor?: { id?: number };
}

/** A relation slot of a card, and its value before the row's joined data is added. */
const CARD_SLOTS = { createdBy: 'null', promotedIssue: 'null', attachments: '[]' } satisfies Record<keyof typeof REPORT_CARD_RELATIONS, string>;

/**
 * One model's columns in the page's rows: their SQL (from `alias`), and the record they read back.
 * Each record is made by one object literal generated from the column names (and the card's
 * `slots`): built key by key, a card grew its property store as it went, ~7% of the uncached
 * board's allocations. Values the row need not carry come from elsewhere: `idAt`, the position of
 * the report's foreign key that the join matched (the author's id is the report's `createdById`),
 * and a report's `projectId`, the page's own project (`pageProject`). Every column not read saves
 * a string per row.
 */
function modelColumns<Row>(names: readonly string[], alias: string, at: number, from: { slots?: Record<string, string>; idAt?: number; pageProject?: boolean } = {}) {
  const selected = names.filter((name) => !(name === 'id' && from.idAt !== undefined) && !(name === 'projectId' && from.pageProject));
  const valueOf = (name: string) =>
    name === 'id' && from.idAt !== undefined ? `row[${from.idAt}]` : name === 'projectId' && from.pageProject ? 'projectId' : `row[${at + selected.indexOf(name)}]`;
  const keys = [...names.map((name) => `${JSON.stringify(name)}: ${valueOf(name)}`), ...Object.entries(from.slots ?? {}).map(([slot, value]) => `${JSON.stringify(slot)}: ${value}`)];
  const record = new Function('row', 'projectId', `return { ${keys.join(', ')} };`) as (row: unknown[], projectId: number) => Row;
  const idAt = from.idAt ?? at;
  return {
    /** Where the model's columns end in the row: the next model's start. */
    end: at + selected.length,
    /** Where the report's columns are in the row, by name. */
    positionOf: (name: string) => at + selected.indexOf(name),
    sql: selected.map((name) => `${alias}."${name}"`).join(', '),
    /** The model's record from its columns, or null when the join found none (its id is null). */
    read: (row: unknown[], projectId: number): Row | null => (row[idAt] === null ? null : record(row, projectId)),
  };
}

/** A model's columns that `reads` names (and `also`), in the model's order, id first; all of them for a name that is not one. */
function columnsRead(fields: Record<string, string>, reads: RowReads['columns'], also: readonly string[] = []): string[] {
  const names = Object.values(fields);
  if (names[0] !== 'id') throw new Error(`board-page.ts reads a model whose first column is ${names[0]}, not id`);
  if (reads === 'all' || [...reads].some((name) => !names.includes(name))) return names;
  return names.filter((name) => name === 'id' || reads.has(name) || also.includes(name));
}

/** The statement's columns and joins, and the readers of its rows, for one `RowReads`. */
function pagePlan(reads: RowReads) {
  const joined = (relation: keyof typeof CARD_SLOTS) => reads.relations.get(relation);
  const [author, issue, files] = [joined('createdBy'), joined('promotedIssue'), joined('attachments')];
  const slots = Object.fromEntries(Object.entries(CARD_SLOTS).filter(([relation]) => reads.relations.has(relation)));
  // A joined author or issue takes its id from the report's foreign key, so the report reads that.
  const keys = [author && 'createdById', issue && 'promotedIssueId'].filter((key) => typeof key === 'string');
  const report = modelColumns<ReportCard>(columnsRead(Prisma.ReportScalarFieldEnum, reads.columns, keys), 'p', 0, { slots, pageProject: true });
  const authorColumns = author && modelColumns<User>(columnsRead(Prisma.UserScalarFieldEnum, author.columns), 'u', report.end, { idAt: report.positionOf('createdById') });
  const issueAt = authorColumns?.end ?? report.end;
  const issueColumns = issue && modelColumns<Issue>(columnsRead(Prisma.IssueScalarFieldEnum, issue.columns), 'i', issueAt, { idAt: report.positionOf('promotedIssueId') });
  const fileColumns = files && modelColumns<Attachment>(columnsRead(Prisma.AttachmentScalarFieldEnum, files.columns), 'a', issueColumns?.end ?? issueAt);
  const models = [report, authorColumns, issueColumns, fileColumns].filter((model) => model !== undefined && model.sql !== '');
  return {
    columns: Prisma.raw(models.map((model) => model!.sql).join(', ')),
    joins: Prisma.raw(
      [
        // An author or issue asked for its id alone is the report's foreign key: nothing to join.
        authorColumns?.sql && 'LEFT JOIN "User" u ON u."id" = p."createdById"',
        issueColumns?.sql && 'LEFT JOIN "Issue" i ON i."id" = p."promotedIssueId"',
        fileColumns && 'LEFT JOIN "Attachment" a ON a."reportId" = p."id"',
      ].filter(Boolean).join(' '),
    ),
    fileOrder: Prisma.raw(fileColumns ? ', a."id" ASC' : ''),
    report,
    author: authorColumns,
    issue: issueColumns,
    files: fileColumns,
  };
}

/**
 * Plans by what they read: one per kind of board query a client sends (bounded all the same), and
 * by the `RowReads` object itself, which GraphQL keeps per parsed query.
 */
const plans = new Map<string, ReturnType<typeof pagePlan>>();
const plansByReads = new WeakMap<RowReads, ReturnType<typeof pagePlan>>();
const MAX_PLANS = 100;

function planFor(reads: RowReads): ReturnType<typeof pagePlan> {
  const known = plansByReads.get(reads);
  if (known) return known;
  const key = JSON.stringify(reads, (_key, value: unknown) => (value instanceof Set ? [...value].sort() : value instanceof Map ? Object.fromEntries(value) : value));
  let plan = plans.get(key);
  if (!plan) {
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(key, (plan = pagePlan(reads)));
  }
  plansByReads.set(reads, plan);
  return plan;
}

/**
 * The reports matching `filter` (SQL over the Report table as `r`) in board order (`order`, then
 * `id`), bounded as Prisma bounds a `findMany`: from the cursor's row (inclusive), `skip` rows
 * skipped, `take` rows, backwards when `take` is negative; always returned in board order.
 */
export async function readBoardPage(db: Database, projectId: number, filter: Prisma.Sql, bounds: PageBounds, reads: RowReads): Promise<ReportCard[]> {
  const take = bounds.take ?? 0;
  const backwards = take < 0;
  const direction = Prisma.raw(backwards ? 'DESC' : 'ASC');
  const cursorId = bounds.cursor?.id;
  // A cursor is a client's text: one the board never gave out must not reach PostgreSQL as a non-id.
  if (cursorId !== undefined && !isDatabaseId(cursorId)) {
    throw ValidationFailed.field('cursor', 'This is not a cursor of the board.');
  }
  const fromCursor =
    cursorId === undefined
      ? Prisma.empty
      : Prisma.sql`AND (r."order", r."id") ${Prisma.raw(backwards ? '<=' : '>=')} (SELECT c."order", c."id" FROM "Report" c WHERE c."id" = ${cursorId})`;
  const plan = planFor(reads);
  const rows = await db.readRows(Prisma.sql`
    WITH page AS MATERIALIZED (
      SELECT * FROM "Report" r WHERE r."projectId" = ${projectId} ${filter} ${fromCursor}
      ORDER BY r."order" ${direction}, r."id" ${direction} LIMIT ${Math.abs(take)} OFFSET ${bounds.skip ?? 0}
    )
    SELECT ${plan.columns}
    FROM page p ${plan.joins}
    ORDER BY p."order" ${direction}, p."id" ${direction}${plan.fileOrder}`);
  const cards: ReportCard[] = [];
  for (const row of rows) {
    let card: ReportCard | undefined = cards[cards.length - 1];
    if (card === undefined || card.id !== row[0]) {
      card = plan.report.read(row, projectId)!;
      if (plan.author) card.createdBy = plan.author.read(row, projectId);
      if (plan.issue) card.promotedIssue = plan.issue.read(row, projectId);
      cards.push(card);
    }
    const file = plan.files?.read(row, projectId);
    if (file) card.attachments.push(file);
  }
  return backwards ? cards.reverse() : cards;
}
