// Manual test cases, imported from CSV (`name,steps,expected,severity,owner,labels,linked_jira`)
// into the project's inventory, where plans and executions take them like any other test. A file
// is imported whole or not at all: every bad line is named, with its field, in one answer.
import crypto from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { BadRequest, ValidationFailed, type FieldErrors } from '../../errors.ts';
import type { Actor } from '../../services.ts';
import { collectInput, maxChars } from '../../validation.ts';
import { runProject } from './ingest.ts';

export const CSV_COLUMNS = ['name', 'steps', 'expected', 'severity', 'owner', 'labels', 'linked_jira'] as const;
export const MAX_CSV_ROWS = 5000;
const CHUNK = 500;

const optionalText = (max: number) => maxChars(max).nullable();
const csvRow = z.object({
  name: maxChars(500, z.string().min(1)),
  steps: optionalText(10_000),
  expected: optionalText(10_000),
  severity: z.enum(['low', 'medium', 'high', 'critical']).nullable(),
  owner: optionalText(200),
  /** `key=value;flag` → {key: "value", flag: ""}. */
  labels: optionalText(4000),
  linked_jira: z.string().regex(/^[A-Z][A-Z0-9]+-\d+$/, 'a Jira key such as ABC-123').nullable(),
});

/** A manual case's stable id: derived from its name, so importing the same name again updates it. */
const manualStableId = (name: string) => `manual_${crypto.createHash('sha256').update(name).digest('hex').slice(0, 24)}`;

function labelsOf(text: string | null, jira: string | null): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of (text ?? '').split(';').map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    labels[at < 0 ? part : part.slice(0, at).trim()] = at < 0 ? '' : part.slice(at + 1).trim();
  }
  if (jira) labels.jira = jira;
  return labels;
}

/** The file's rows, validated; problems keyed `lines.<line in the file>.<column>`. */
function readCsv(text: string) {
  if (text.includes('\u0000')) throw new BadRequest('The CSV must not contain NUL characters.');
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: true });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new BadRequest(`The CSV is malformed${line ? ` at line ${line}` : ''}: ${(error as Error).message.replace(/^Invalid Record Length: |^Quote Not Closed: /, '')}`);
  }
  const [header, ...lines] = records;
  const expected = CSV_COLUMNS.join(',');
  if (!header || header.map((h) => h.toLowerCase()).join(',') !== expected) throw new BadRequest(`The first line must be the header ${expected}.`);
  if (lines.length === 0) throw new BadRequest('The CSV has no cases.');
  if (lines.length > MAX_CSV_ROWS) throw new BadRequest(`A file holds at most ${MAX_CSV_ROWS} cases.`);
  const errors: FieldErrors = {};
  const seen = new Map<string, number>();
  const rows = lines.flatMap((cells, i) => {
    const lineNumber = i + 2; // the header is line 1
    const raw = Object.fromEntries(CSV_COLUMNS.map((column, c) => [column, cells[c] === '' ? null : cells[c]]));
    const lineErrors: FieldErrors = {};
    const row = collectInput(csvRow, raw, lineErrors);
    for (const [field, messages] of Object.entries(lineErrors)) errors[`lines.${lineNumber}.${field}`] = messages;
    if (!row) return [];
    const earlier = seen.get(row.name);
    if (earlier) errors[`lines.${lineNumber}.name`] = [`The name repeats line ${earlier}.`];
    seen.set(row.name, lineNumber);
    return [row];
  });
  if (Object.keys(errors).length > 0) throw new ValidationFailed(errors, `${new Set(Object.keys(errors).map((key) => key.split('.')[1])).size} line(s) of the CSV are invalid; nothing was imported.`);
  return rows;
}

/** Imports (or updates, by name) the file's manual cases; answers them with what happened. */
export async function importManualCases(actor: Actor, projectRef: string, text: unknown) {
  const project = await runProject(actor, { project: projectRef }, 'push');
  if (typeof text !== 'string') throw new BadRequest('Send the CSV as the body, with Content-Type: text/csv.');
  const rows = readCsv(text);
  const imported: Array<{ id: number; stableId: string; name: string; created: boolean }> = [];
  await actor.services.prisma.$transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      imported.push(
        ...(await tx.$queryRaw<typeof imported>`
          INSERT INTO "TestCase" ("projectId", "stableId", "name", "fullName", "suite", "manual", "steps", "expected", "severity", "owner", "labels")
          SELECT ${project.id}, s, n, n, 'manual', true, st, ex, sv, ow, lb::jsonb FROM unnest(
            ${chunk.map((row) => manualStableId(row.name))}::text[], ${chunk.map((row) => row.name)}::text[], ${chunk.map((row) => row.steps)}::text[],
            ${chunk.map((row) => row.expected)}::text[], ${chunk.map((row) => row.severity)}::text[], ${chunk.map((row) => row.owner)}::text[],
            ${chunk.map((row) => JSON.stringify(labelsOf(row.labels, row.linked_jira)))}::text[]
          ) AS u(s, n, st, ex, sv, ow, lb)
          ON CONFLICT ("projectId", "stableId") DO UPDATE SET
            "steps" = excluded."steps", "expected" = excluded."expected", "severity" = excluded."severity", "owner" = excluded."owner", "labels" = excluded."labels"
          RETURNING "id", "stableId", "name", (xmax = 0) AS created`),
      );
    }
  });
  return {
    imported: imported.length,
    created: imported.filter((c) => c.created).length,
    updated: imported.filter((c) => !c.created).length,
    cases: imported.map(({ id, stableId, name }) => ({ id, stableId, name })),
  };
}
