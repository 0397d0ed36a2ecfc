// The two-phase kensho push: init describes the attachments and gets signed PUT URLs for the
// ones not yet stored; each PUT is checked against what init described; finalize validates the
// run and stores it, with its cases and attachment links, in one transaction.
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { authorizeProject, requireAuthenticated, requireFeature } from '../../auth/permissions.ts';
import { signingKey, signPath, verifyPath } from '../../auth/signing.ts';
import { retryOnConflict } from '../../db/group-commit.ts';
import { lockForTransaction } from '../../db/advisory-lock.ts';
import type { Db } from '../../db/client.ts';
import { storableValue } from '../../db/storable.ts';
import { emitEvents } from '../webhooks/events.ts';
import { defectAnnotation, recordDefectsFromRun } from './defects.ts';
import { fillExecutionsFromRun } from './plans.ts';
import { enqueueJob } from '../../jobs/queue.ts';
import { BadRequest, Forbidden, NotFound, ValidationFailed } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { announceChanged, type Actor, type Services } from '../../services.ts';
import { parseInput, parseIsoDate } from '../../validation.ts';
import { visibleProjectNamed, type ProjectName } from '../workspaces/service.ts';
import { caseSchema, isFailing, parseKenshoRun, runSchema, SCHEMA_VERSION, type KenshoCase, type KenshoRun } from './kensho.ts';
import { compareWithPrevious, RULES, type Regression } from './rules.ts';
import { uploadStates, UPLOAD_STATE_TTL_MS, type ManifestEntry, type UploadState } from './upload-state.ts';

export const PUT_URL_TTL_MS = 5 * 60 * 1000;
/** One attachment's bytes at most (a trace or a video). */
export const MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024;
const MAX_MANIFEST = 20_000;

/** The project a push or read names, once the caller may do `rule` there with test reports on. */
export async function runProject(actor: Actor, ref: ProjectName, rule: keyof typeof RULES) {
  const project = await visibleProjectNamed(actor, ref);
  authorizeProject(actor.principal, project, RULES[rule]);
  requireFeature(project.workspace, 'test-reports');
  return project;
}

// --- init ---------------------------------------------------------------------------------

const slugRef = z.string().trim().min(1).max(200);
const manifestEntry = z
  .object({
    id: z.string().min(1).max(500),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256'),
    size: z.number().int().min(0).max(MAX_ATTACHMENT_BYTES).optional(),
    sizeBytes: z.number().int().min(0).max(MAX_ATTACHMENT_BYTES).optional(),
    contentType: z.string().max(200).optional(),
    caseId: z.string().max(200).optional(),
    attachmentId: z.string().max(200).optional(),
    relativePath: z.string().max(1000).optional(),
  })
  .refine((entry) => entry.size !== undefined || entry.sizeBytes !== undefined, { params: { message: 'needs size (or sizeBytes)' } });
// Both spellings: the Kaizen document's (workspaceSlug, projectSlug, externalRunId) and the kensho CLI's.
const initInput = z.object({
  workspaceSlug: slugRef.optional(),
  workspace: slugRef.optional(),
  projectSlug: slugRef.optional(),
  project: slugRef.optional(),
  externalRunId: z.string().min(1).max(200).optional(),
  runId: z.string().min(1).max(200).optional(),
  schemaVersion: z.literal(SCHEMA_VERSION).optional(),
  attachments: z.array(manifestEntry).max(MAX_MANIFEST).default([]),
});

export const INIT_INPUT = initInput;
/** The finalize body as the kensho CLI sends it (the service also takes the run's fields at the top level). */
export const FINALIZE_BODY = z.object({ uploadId: z.string().optional(), workspace: z.string().optional(), run: runSchema, cases: z.array(caseSchema).optional() });

export interface InitAnswer {
  uploadId: string;
  expiresAt: string;
  presigned: Array<{ id: string; url: string; fields: Record<string, string> }>;
  alreadyExists: Array<{ id: string; sha256: string }>;
  presignedUrls: Array<{ id: string; url: string; headers: Record<string, string> }>;
  deduplicated: Array<{ id: string }>;
}

export async function initUpload(actor: Actor, body: unknown): Promise<InitAnswer> {
  requireAuthenticated(actor.principal);
  const input = parseInput(initInput, body ?? {});
  const project = input.projectSlug ?? input.project;
  const externalRunId = input.externalRunId ?? input.runId;
  if (!project) throw ValidationFailed.field('projectSlug', 'The projectSlug field is required.');
  if (!externalRunId) throw ValidationFailed.field('externalRunId', 'The externalRunId field is required.');
  const target = await runProject(actor, { workspace: input.workspaceSlug ?? input.workspace, project }, 'push');
  const { services } = actor;
  const manifest: ManifestEntry[] = input.attachments.map((entry) => ({
    id: entry.id,
    sha256: entry.sha256,
    size: (entry.size ?? entry.sizeBytes)!,
    contentType: entry.contentType ?? 'application/octet-stream',
  }));
  const stored = await storedInWorkspace(services, target.workspaceId, manifest.map((entry) => entry.sha256));
  const now = services.clock.now();
  const state: UploadState = { id: newId('upl'), projectId: target.id, externalRunId, manifest, expiresAt: new Date(now.getTime() + UPLOAD_STATE_TTL_MS) };
  await uploadStates(services).save(state);
  const key = await signingKey(services.prisma);
  const urlExpiry = new Date(now.getTime() + PUT_URL_TTL_MS);
  const answer: InitAnswer = { uploadId: state.id, expiresAt: state.expiresAt.toISOString(), presigned: [], alreadyExists: [], presignedUrls: [], deduplicated: [] };
  manifest.forEach((entry, index) => {
    if (stored.has(entry.sha256)) {
      answer.alreadyExists.push({ id: entry.id, sha256: entry.sha256 });
      answer.deduplicated.push({ id: entry.id });
      return;
    }
    const path = uploadPath(state.id, index);
    const { expires, signature } = signPath(key, path, urlExpiry);
    const url = `${services.config.publicUrl}${path}?expires=${expires}&signature=${signature}`;
    answer.presigned.push({ id: entry.id, url, fields: {} });
    answer.presignedUrls.push({ id: entry.id, url, headers: { 'content-type': entry.contentType } });
  });
  return answer;
}

export const uploadPath = (uploadId: string, index: number) => `/v1/ingest/kensho/uploads/${uploadId}/${index}`;

/** Which of these blobs a run of the workspace already links (and the store still holds). */
async function storedInWorkspace(services: Services, workspaceId: string, sha256s: string[]): Promise<Set<string>> {
  if (sha256s.length === 0) return new Set();
  const rows = await services.prisma.runAttachment.findMany({
    where: { sha256: { in: [...new Set(sha256s)] }, caseRun: { run: { project: { workspaceId } } } },
    select: { sha256: true },
    distinct: ['sha256'],
  });
  return new Set(rows.map((row) => row.sha256).filter((sha) => services.blobs.exists(sha)));
}

/** Which of these blobs a case run's attachment holds. */
export async function runBlobReferences(services: Services, sha256s: string[]): Promise<string[]> {
  const rows = await services.prisma.runAttachment.findMany({ where: { sha256: { in: sha256s } }, select: { sha256: true }, distinct: ['sha256'] });
  return rows.map((row) => row.sha256);
}

// --- PUT ----------------------------------------------------------------------------------

/**
 * One attachment's bytes at its signed URL: stored only when their sha256 and size are what init
 * described. Forged or expired URLs are refused before a byte is read.
 */
export async function receiveUpload(services: Services, uploadId: string, index: string, query: { expires?: unknown; signature?: unknown }, body: Readable) {
  const path = uploadPath(uploadId, Number(index));
  const check = /^\d{1,5}$/.test(index) ? verifyPath(await signingKey(services.prisma), path, query.expires, query.signature, services.clock.now()) : 'forged';
  if (check !== 'valid') throw new Forbidden(check === 'expired' ? 'The upload URL has expired; call init again.' : 'The upload URL is not valid.');
  const state = await uploadStates(services).load(uploadId);
  const entry = state?.manifest[Number(index)];
  if (!entry) throw new NotFound('Upload');
  const spooled = await services.blobs.spool(body, entry.size);
  if ('oversize' in spooled) throw new BadRequest(`The body is larger than the ${entry.size} bytes described at init.`);
  if (spooled.size !== entry.size || spooled.sha256 !== entry.sha256) {
    await services.blobs.discard([spooled]);
    throw new BadRequest(`The body (${spooled.size} bytes, sha256 ${spooled.sha256}) does not match what init described (${entry.size} bytes, sha256 ${entry.sha256}).`);
  }
  await services.blobs.commit(spooled);
  return { id: entry.id, sha256: entry.sha256, size: entry.size };
}

// --- finalize -----------------------------------------------------------------------------

export interface FinalizeAnswer {
  created: boolean;
  run: StoredRunSummary;
}
export interface StoredRunSummary extends Regression {
  id: string;
  passed: number;
  failed: number;
  broken: number;
  skipped: number;
}

/**
 * The run a finalize body carries, in either spelling: `{uploadId, run, cases}` (the kensho CLI;
 * `cases` replace the run's test cases of the same id) or the run's fields at the top level (the
 * Kaizen document: `runId` for `id`, `cases` for `testCases`). Paths in errors name what was sent.
 */
function runOfBody(body: unknown): { uploadId?: string; workspace?: string; run: unknown; prefix: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw ValidationFailed.field('body', 'The body must be a JSON object.');
  const { uploadId, workspace, workspaceSlug, run, cases, runId, ...rest } = body as Record<string, unknown>;
  const text = (value: unknown, field: string) => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) throw ValidationFailed.field(field, `The ${field} field must be a string.`);
    return value;
  };
  const common = { uploadId: text(uploadId, 'uploadId'), workspace: text(workspace ?? workspaceSlug, 'workspace') };
  if (run !== undefined) {
    if (run === null || typeof run !== 'object' || Array.isArray(run)) throw ValidationFailed.field('run', 'The run field must be an object.');
    const merged = { ...(run as Record<string, unknown>) };
    if (Array.isArray(cases) && Array.isArray(merged.testCases)) merged.testCases = mergeCases(merged.testCases, cases);
    else if (Array.isArray(cases) && merged.testCases === undefined) merged.testCases = cases;
    return { ...common, run: merged, prefix: 'run.' };
  }
  return { ...common, run: { ...rest, id: rest.id ?? runId, testCases: rest.testCases ?? cases }, prefix: '' };
}

/** Cases sent beside the run replace the run's of the same id (as kensho push merges cases/*.json). */
function mergeCases(testCases: unknown[], cases: unknown[]): unknown[] {
  const byId = new Map<unknown, unknown>();
  for (const item of [...testCases, ...cases]) byId.set(item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : item, item);
  return [...byId.values()];
}

function validateRun(run: unknown, prefix: string): KenshoRun {
  try {
    return parseKenshoRun(run);
  } catch (error) {
    if (!(error instanceof ValidationFailed) || !prefix) throw error;
    const rooted = (path: string) => (path === 'body' ? prefix.slice(0, -1) : `${prefix}${path}`);
    throw new ValidationFailed(Object.fromEntries(Object.entries(error.fields).map(([path, messages]) => [rooted(path), messages])));
  }
}

export async function finalizeRun(actor: Actor, body: unknown): Promise<FinalizeAnswer> {
  requireAuthenticated(actor.principal);
  const { services } = actor;
  const sent = runOfBody(body);
  const run = validateRun(sent.run, sent.prefix);
  const state = sent.uploadId ? await uploadStates(services).load(sent.uploadId) : null;
  if (sent.uploadId && !state) throw new NotFound('Upload (it expires 30 minutes after init)');
  const project = await runProject(actor, { workspace: sent.workspace, project: state ? state.projectId : run.project.slug }, 'push');
  if (state && state.externalRunId !== run.id) throw ValidationFailed.field(`${sent.prefix}id`, `The run id "${run.id}" is not the one init described ("${state.externalRunId}").`);

  const existing = await services.prisma.testRun.findUnique({ where: { projectId_externalRunId: { projectId: project.id, externalRunId: run.id } } });
  if (existing) return { created: false, run: existing };

  const cases = latestById(run.testCases);
  const links = attachmentLinks(cases, state, sent.prefix);
  const missing = links.filter((link) => link.sha256 && !services.blobs.exists(link.sha256));
  if (missing.length > 0) {
    throw new ValidationFailed(
      Object.fromEntries(missing.map((link) => [link.path, [`The attachment ${link.manifestId} was described at init but not uploaded.`]])),
      `${missing.length} attachment(s) described at init were not uploaded: ${missing.slice(0, 10).map((link) => link.manifestId).join(', ')}.`,
    );
  }

  // Two runs of one project share test cases: a deadlock between their finalizes retries the loser.
  const stored = await retryOnConflict(() => services.prisma.$transaction(
    async (tx) => {
      // Concurrent pushes of one run: the first stores it, the others answer it.
      await lockForTransaction(tx, 'test-run', `${project.id}:${run.id}`);
      const again = await tx.testRun.findUnique({ where: { projectId_externalRunId: { projectId: project.id, externalRunId: run.id } } });
      if (again) return { created: false, run: again };
      const now = services.clock.now();
      const summary = await storeRun(tx, project.id, run, cases, links, now);
      await fillExecutionsFromRun(tx, project.id, summary.id, now);
      const annotated = cases.flatMap((c) => {
        const found = defectAnnotation(c.labels?.jira);
        return found ? [{ stableId: c.id, ...found }] : [];
      });
      await recordDefectsFromRun(tx, project.id, summary.id, now, annotated);
      return { created: true, run: summary };
    },
    { timeout: 120_000, maxWait: 60_000 },
  ));
  if (stored.created) {
    announceChanged(services, { typename: 'Project', id: project.id });
    services.nudgeQueue(); // flaky detection, run.finalized
  }
  return stored;
}

/** A case id sent twice keeps its last version (a retry written over the first attempt). */
function latestById(cases: KenshoCase[]): KenshoCase[] {
  return [...new Map(cases.map((item) => [item.id, item])).values()];
}

interface AttachmentLink {
  caseId: string;
  manifestId: string;
  path: string;
  key: string;
  kind: string;
  name: string;
  mimeType: string;
  size: number;
  sha256: string | null;
}

/** Each case attachment with its bytes: the manifest entry init described for it, if any. */
function attachmentLinks(cases: KenshoCase[], state: UploadState | null, prefix: string): AttachmentLink[] {
  const manifest = new Map(state?.manifest.map((entry) => [entry.id, entry]) ?? []);
  const links: AttachmentLink[] = [];
  cases.forEach((item, caseIndex) => {
    (item.attachments ?? []).forEach((attachment, index) => {
      const manifestId = `${item.id}::${attachment.id}`;
      const entry = manifest.get(manifestId) ?? manifest.get(attachment.id);
      if (!entry) return; // described but never uploaded (--no-attachments): kept in the case detail only
      links.push({
        caseId: item.id,
        manifestId: entry.id,
        path: `${prefix}testCases.${caseIndex}.attachments.${index}`,
        key: attachment.id,
        kind: attachment.kind,
        name: attachment.relativePath,
        mimeType: attachment.mimeType,
        size: entry.size,
        sha256: entry.sha256,
      });
    });
  });
  return links;
}

const CHUNK = 500;

async function storeRun(tx: Db, projectId: number, run: KenshoRun, cases: KenshoCase[], links: AttachmentLink[], now: Date): Promise<StoredRunSummary> {
  const startedAt = parseIsoDate(run.startedAt);
  const { ids: testCaseIds, quarantined } = await upsertTestCases(tx, projectId, cases, startedAt, now);
  const branch = run.env?.branch ?? null;
  const previous = await tx.testRun.findFirst({
    where: { projectId, branch, startedAt: { lt: startedAt } },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    select: { id: true },
  });
  const previousStatuses = previous
    ? new Map((await tx.caseRun.findMany({ where: { runId: previous.id }, select: { testCaseId: true, status: true } })).map((row) => [row.testCaseId, row.status]))
    : null;
  // Muted and quarantined cases are recorded, but their failures count for nothing.
  const rows = cases.map((item) => {
    const testCaseId = testCaseIds.get(item.id)!;
    return { item, testCaseId, status: item.status, muted: (item.muted ?? false) || quarantined.has(testCaseId) };
  });
  const regression = compareWithPrevious(rows, previousStatuses);
  const count = (status: string) => cases.filter((item) => item.status === status).length;
  const id = newId('run');
  const { schemaVersion: _version, id: externalRunId, project: _project, framework, startedAt: _s, finishedAt, totals: _totals, testCases: _cases, durationMs, ...meta } = run;
  const stored = await tx.testRun.create({
    data: {
      id, projectId, externalRunId, branch, commit: run.env?.commit ?? null,
      framework: framework.name, frameworkVersion: framework.version, startedAt, finishedAt: parseIsoDate(finishedAt), durationMs: durationMs ?? null,
      passed: count('pass'), failed: count('fail'), broken: count('broken'), skipped: count('skip'),
      flaky: cases.filter((item) => item.flaky === true).length,
      excludedFailures: rows.filter((row) => row.muted && isFailing(row.status)).length,
      ...regression, previousRunId: previous?.id ?? null, meta: meta as object, createdAt: now,
    },
  });
  // Flaky detection follows the commit, as a job of the durable queue (flaky.ts).
  await enqueueJob(tx, 'test-runs.flaky', { runId: id }, now);
  await emitEvents(tx, [{
    projectId, type: 'run.finalized', occurredAt: stored.createdAt, branch,
    data: {
      id, externalRunId, branch, commit: stored.commit, startedAt: stored.startedAt.toISOString(), finishedAt: stored.finishedAt.toISOString(),
      totals: { passed: stored.passed, failed: stored.failed, skipped: stored.skipped, broken: stored.broken, flaky: stored.flaky }, regression,
    },
  }]);
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const created = await insertCaseRuns(tx, id, projectId, chunk);
    const caseRunOf = new Map(created.map((row) => [row.testCaseId, row.id]));
    const chunkIds = new Set(chunk.map((row) => row.item.id));
    const chunkLinks = links.filter((link) => chunkIds.has(link.caseId));
    if (chunkLinks.length > 0) {
      await tx.runAttachment.createMany({
        data: chunkLinks.map((link) => ({
          caseRunId: caseRunOf.get(testCaseIds.get(link.caseId)!)!, projectId, key: link.key, kind: link.kind, name: link.name,
          mimeType: link.mimeType, size: link.size, sha256: link.sha256!,
        })),
      });
    }
  }
  return stored;
}

/**
 * A thousand case runs in one statement. Raw SQL over arrays: Prisma's createMany spent most of a
 * 10,000-case finalize mapping the JSON details (bench/finalize.ts). Strings are storable already
 * (the schema refuses NUL); the free-form JSON inside a case (attachment meta) is made storable here.
 */
async function insertCaseRuns(tx: Db, runId: string, projectId: number, rows: Array<{ item: KenshoCase; testCaseId: number }>) {
  const column = <T>(value: (row: { item: KenshoCase; testCaseId: number }) => T) => rows.map(value);
  return tx.$queryRaw<Array<{ id: number; testCaseId: number }>>`
    INSERT INTO "CaseRun" ("runId", "projectId", "testCaseId", "status", "muted", "flaky", "retries", "startedAt", "durationMs", "suite", "errorMessage", "detail")
    SELECT ${runId}, ${projectId}, * FROM unnest(
      ${column((row) => row.testCaseId)}::int[], ${column((row) => row.item.status)}::text[], ${column((row) => row.item.muted ?? false)}::boolean[],
      ${column((row) => row.item.flaky ?? false)}::boolean[], ${column((row) => row.item.retries ?? 0)}::int[],
      ${column((row) => parseIsoDate(row.item.startedAt).toISOString())}::text[]::timestamp(3)[], ${column((row) => row.item.duration)}::int[],
      ${column((row) => suiteOf(row.item))}::text[], ${column((row) => row.item.errors?.[0]?.message.slice(0, 4000) ?? null)}::text[],
      ${column((row) => JSON.stringify(storableValue(caseDetail(row.item))))}::jsonb[]
    )
    RETURNING "id", "testCaseId"`;
}

/** What a case run keeps beside its columns: the kensho case without its identity and timing. */
function caseDetail(item: KenshoCase): Record<string, unknown> {
  const { id: _id, name: _name, fullName: _fullName, status: _status, startedAt: _startedAt, duration: _duration, ...detail } = item;
  return detail;
}

export const suiteOf = (item: Pick<KenshoCase, 'suite'>) => (item.suite ?? []).join(' › ');

/**
 * One row per stable id in the project; its last status follows the newest run that named it.
 * Answers the ids, and which of the cases are quarantined now.
 */
async function upsertTestCases(tx: Db, projectId: number, cases: KenshoCase[], runStartedAt: Date, now: Date) {
  const ids = new Map<string, number>();
  const quarantined = new Set<number>();
  for (let i = 0; i < cases.length; i += CHUNK) {
    const chunk = cases.slice(i, i + CHUNK);
    const returned = await tx.$queryRaw<Array<{ id: number; stableId: string; quarantined: boolean }>>`
      INSERT INTO "TestCase" ("projectId", "stableId", "name", "fullName", "filePath", "suite", "lastStatus", "lastRunAt")
      SELECT ${projectId}, * FROM unnest(
        ${chunk.map((item) => item.id)}::text[], ${chunk.map((item) => item.name)}::text[], ${chunk.map((item) => item.fullName)}::text[],
        ${chunk.map((item) => item.filePath ?? null)}::text[], ${chunk.map(suiteOf)}::text[], ${chunk.map((item) => item.status)}::text[],
        ${chunk.map(() => runStartedAt)}::timestamp(3)[]
      )
      ON CONFLICT ("projectId", "stableId") DO UPDATE SET
        "name" = excluded."name", "fullName" = excluded."fullName", "filePath" = excluded."filePath", "suite" = excluded."suite",
        "lastStatus" = CASE WHEN "TestCase"."lastRunAt" IS NULL OR excluded."lastRunAt" >= "TestCase"."lastRunAt" THEN excluded."lastStatus" ELSE "TestCase"."lastStatus" END,
        "lastRunAt" = GREATEST(excluded."lastRunAt", "TestCase"."lastRunAt")
      RETURNING "id", "stableId", ("quarantinedAt" IS NOT NULL AND ("quarantineUntil" IS NULL OR "quarantineUntil" > ${now})) AS quarantined`;
    for (const row of returned) {
      ids.set(row.stableId, row.id);
      if (row.quarantined) quarantined.add(row.id);
    }
  }
  return { ids, quarantined };
}

