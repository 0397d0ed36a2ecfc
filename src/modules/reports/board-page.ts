// One page of a project's board as one flat statement: each report with its author, its promoted
// issue and its attachments, joined row by row and regrouped here. Prisma's relation joins build
// a JSON object per related row in correlated subqueries: 0.6–0.85 ms of PostgreSQL's CPU for a
// 50-card page against 0.18–0.2 ms for this statement (pgbench, README "The uncached board"). The
// rows are read past Prisma's client (`readRows`), whose mapping of them cost more than the statement.
import { Prisma, type Attachment, type Issue, type Report, type User } from '../../generated/prisma/client.ts';
import type { Database } from '../../db/client.ts';
import { ValidationFailed } from '../../errors.ts';
import { isDatabaseId } from '../../validation.ts';

/** What the board shows with each report: the Report type's include, and what `readBoardPage` returns. */
export const REPORT_CARD_RELATIONS = { createdBy: true, promotedIssue: true, attachments: { orderBy: { id: 'asc' } } } as const;
export type ReportCard = Report & { createdBy: User | null; promotedIssue: Issue | null; attachments: Attachment[] };

/** A page's bounds as Pothos's cursor connection asks Prisma for them (a negative `take` pages backwards). */
export interface PageBounds {
  take?: number;
  skip?: number;
  cursor?: { id?: number };
}

/**
 * One model's columns in the page's rows (its id first): their SQL (from `alias`), and the row they
 * read back. Each record is made by one object literal generated from the column names (and the
 * `slots` filled in later): built key by key, a card grew its property store as it went, ~7% of the
 * uncached board's allocations.
 */
function modelColumns<Row>(fields: Record<string, string>, alias: string, slots: readonly string[] = []) {
  const names = Object.values(fields);
  if (names[0] !== 'id') throw new Error(`board-page.ts reads a model whose first column is ${names[0]}, not id`);
  const keys = [...names.map((name, i) => `${JSON.stringify(name)}: row[offset + ${i}]`), ...slots.map((slot) => `${JSON.stringify(slot)}: null`)];
  const record = new Function('row', 'offset', `return { ${keys.join(', ')} };`) as (row: unknown[], offset: number) => Row;
  return {
    names,
    sql: names.map((name) => `${alias}."${name}"`).join(', '),
    /** The model's row from the columns at `offset`, or null when the join found none (its id is null). */
    read: (row: unknown[], offset: number): Row | null => (row[offset] === null ? null : record(row, offset)),
  };
}

const report = modelColumns<ReportCard>(Prisma.ReportScalarFieldEnum, 'p', Object.keys(REPORT_CARD_RELATIONS));
const author = modelColumns<User>(Prisma.UserScalarFieldEnum, 'u');
const issue = modelColumns<Issue>(Prisma.IssueScalarFieldEnum, 'i');
const attachment = modelColumns<Attachment>(Prisma.AttachmentScalarFieldEnum, 'a');
const AUTHOR_AT = report.names.length;
const ISSUE_AT = AUTHOR_AT + author.names.length;
const ATTACHMENT_AT = ISSUE_AT + issue.names.length;
const COLUMNS = Prisma.raw([report, author, issue, attachment].map((model) => model.sql).join(', '));

/**
 * The reports matching `filter` (SQL over the Report table as `r`) in board order (`order`, then
 * `id`), bounded as Prisma bounds a `findMany`: from the cursor's row (inclusive), `skip` rows
 * skipped, `take` rows, backwards when `take` is negative; always returned in board order.
 */
export async function readBoardPage(db: Database, projectId: number, filter: Prisma.Sql, bounds: PageBounds): Promise<ReportCard[]> {
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
  const rows = await db.readRows(Prisma.sql`
    WITH page AS MATERIALIZED (
      SELECT * FROM "Report" r WHERE r."projectId" = ${projectId} ${filter} ${fromCursor}
      ORDER BY r."order" ${direction}, r."id" ${direction} LIMIT ${Math.abs(take)} OFFSET ${bounds.skip ?? 0}
    )
    SELECT ${COLUMNS}
    FROM page p
      LEFT JOIN "User" u ON u."id" = p."createdById"
      LEFT JOIN "Issue" i ON i."id" = p."promotedIssueId"
      LEFT JOIN "Attachment" a ON a."reportId" = p."id"
    ORDER BY p."order" ${direction}, p."id" ${direction}, a."id" ASC`);
  const cards: ReportCard[] = [];
  for (const row of rows) {
    let card: ReportCard | undefined = cards[cards.length - 1];
    if (card === undefined || card.id !== row[0]) {
      card = report.read(row, 0)!;
      card.createdBy = author.read(row, AUTHOR_AT);
      card.promotedIssue = issue.read(row, ISSUE_AT);
      card.attachments = [];
      cards.push(card);
    }
    const file = attachment.read(row, ATTACHMENT_AT);
    if (file) card.attachments.push(file);
  }
  return backwards ? cards.reverse() : cards;
}
