// kendo Reports API: /api/projects/{projectId}/reports[/promote|/reorder|/{id}/dismiss|/{id}], mounted
// under the kendo family's prefix (modules/index.ts).
// JSON exactly as documented: snake_case, timestamps with 6 fractional digits.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Issue } from '../../generated/prisma/client.ts';
import { BadRequest, DomainError, PayloadTooLarge, ValidationFailed, type FieldErrors } from '../../errors.ts';
import { isDatabaseId } from '../../validation.ts';
import { wireNames } from '../../http/wire.ts';
import type { Actor } from '../../services.ts';
import {
  deleteReport, dismissReport, listReports, promoteReports, MAX_REPORTS_PER_PAGE, reorderReports, reportProject, submitReport, MAX_REPORT_FILE_BYTES, MAX_REPORT_FILES,
  type IncomingFile, type ReportStatus, type ReportWithCount,
} from './service.ts';

/** Laravel's serialisation: ISO-8601 UTC with microseconds (ours are whole milliseconds). */
export const laravelTime = (date: Date | null) => (date ? date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') : null);

export const reportJson = (report: ReportWithCount) => ({
  id: report.id,
  title: report.title,
  description: report.description,
  source: report.source,
  author_name: report.authorName,
  project_id: report.projectId,
  created_by: report.createdById,
  promoted_issue_id: report.promotedIssueId,
  promoted_at: laravelTime(report.promotedAt),
  dismissed_at: laravelTime(report.dismissedAt),
  order: report.order,
  attachments_count: report._count.attachments,
  created_at: laravelTime(report.createdAt),
  updated_at: laravelTime(report.updatedAt),
});

const issueJson = (issue: Issue) => ({
  id: issue.id,
  project_id: issue.projectId,
  title: issue.title,
  description: issue.description,
  status: issue.status.toLowerCase(),
  created_by: issue.createdById,
  created_at: laravelTime(issue.createdAt),
  updated_at: laravelTime(issue.updatedAt),
});

/** kendo's names for the fields the service knows in camelCase. */
const kendo = wireNames({ report_ids: 'reportIds', issue_id: 'issueId', author_name: 'authorName' }, { laravel: true });

/** `?per_page=N&page=M` (an extension: without them the answer is the whole queue). */
function pageOf(page: string | undefined, perPage: string | undefined) {
  if (page === undefined && perPage === undefined) return undefined;
  const errors: Record<string, string[]> = {};
  const number = (raw: string | undefined, fallback: number, max: number, field: string) => {
    if (raw === undefined) return fallback;
    if (!/^[1-9]\d{0,8}$/.test(raw) || Number(raw) > max) errors[field] = [`The ${field.replace('_', ' ')} field must be an integer between 1 and ${max}.`];
    return Number(raw);
  };
  const slice = { page: number(page, 1, 1_000_000, 'page'), perPage: number(perPage, 100, MAX_REPORTS_PER_PAGE, 'per_page') };
  if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
  return slice;
}

function nextPageUrl(request: FastifyRequest, slice: { page: number; perPage: number }) {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  url.searchParams.set('page', String(slice.page + 1));
  url.searchParams.set('per_page', String(slice.perPage));
  return url.href;
}

/** The bytes JSON.stringify would give for the whole array, produced a chunk at a time. */
async function* jsonArray(chunks: AsyncIterable<ReportWithCount[]>) {
  let first = true;
  yield '[';
  for await (const reports of chunks) {
    let text = '';
    for (const report of reports) {
      text += (first ? '' : ',') + JSON.stringify(reportJson(report));
      first = false;
    }
    yield text;
  }
  yield ']';
}

const STATUS_FILTER: Record<string, ReportStatus> = { '0': 'PENDING', '1': 'PROMOTED', '2': 'DISMISSED' };
const FILE_FIELD = /^files(?:\[(\d{0,2})\])?$/;
const TEXT_FIELDS = new Set(['title', 'description', 'author_name']);

/**
 * A multipart submission: the three text fields, and image parts named files[], files[N] or
 * files. Files are spooled to disk as they arrive. The body is read to its end whatever it
 * holds, so every problem is reported together (with the fields' own, by the service) and the
 * client reads its 422 instead of a reset connection. Other text fields are ignored, as Laravel
 * ignores input it does not validate; a file under another name is refused (a client that
 * misnames its file must hear so, not get a report without it). Limits: see app.ts.
 */
async function readMultipart(request: FastifyRequest): Promise<{ fields: Record<string, string>; files: IncomingFile[]; errors: FieldErrors }> {
  const fields: Record<string, string> = {};
  const files: IncomingFile[] = [];
  const errors: FieldErrors = {};
  let fileParts = 0;
  try {
    for await (const part of request.parts()) {
      const fileField = FILE_FIELD.exec(part.fieldname);
      const key = fileField ? `files.${fileField[1] || fileParts}` : part.fieldname;
      if (part.type === 'field') {
        if (fileField) (errors[key] ??= []).push(`The ${key} field must be a file.`);
        else if (TEXT_FIELDS.has(part.fieldname)) {
          if (part.valueTruncated) (errors[key] ??= []).push(`The ${key} field is too long.`);
          else fields[part.fieldname] = String(part.value);
        }
        continue;
      }
      if (!fileField) {
        (errors[key] ??= []).push(`The ${key} part is not a file field of a report (use files[], files[N] or files).`);
        await drain(part.file);
        continue;
      }
      fileParts++;
      if (fileParts > MAX_REPORT_FILES) {
        errors.files = [`The files field must not have more than ${MAX_REPORT_FILES} items.`];
        await drain(part.file);
        continue;
      }
      files.push({ field: key, filename: part.filename, blob: await request.server.services.blobs.spool(part.file, MAX_REPORT_FILE_BYTES) });
    }
  } catch (error) {
    await request.server.services.blobs.discard(files.map((f) => f.blob));
    throw multipartError(error);
  }
  return { fields, files, errors };
}

const drain = (stream: Readable) => new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject).resume());

/** Refused limits and malformed bodies as catalogue errors (busboy's own errors carry no status). */
function multipartError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_FILES_LIMIT') return ValidationFailed.field('files', `The files field must not have more than ${MAX_REPORT_FILES} items.`);
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return new PayloadTooLarge('The multipart body has too many parts.');
  if (code === 'FST_PROTO_VIOLATION') return new BadRequest('The multipart body names a reserved field.');
  return new BadRequest(`Malformed multipart body: ${(error as Error).message ?? 'unreadable'}.`);
}

export async function reportRoutes(app: FastifyInstance): Promise<void> {
  const base = { rateLimitFamily: 'reports' } as const;
  const gate = (rule: Parameters<typeof reportProject>[2]) => ({
    config: { ...base, authorize: (actor: Actor, params: Record<string, string>) => reportProject(actor, params.projectId!, rule) },
  });
  const actorOf = (request: FastifyRequest): Actor => ({ services: app.services, principal: request.principal });
  type ProjectParams = { Params: { projectId: string } };
  type ReportParams = { Params: { projectId: string; reportId: string } };
  const reportIdOf = (raw: string) => {
    const id = Number(raw);
    if (!isDatabaseId(id)) throw ValidationFailed.field('report', 'The report id must be a positive integer.');
    return id;
  };

  app.get<ProjectParams & { Querystring: { status?: string; page?: string; per_page?: string } }>('/:projectId/reports', gate('read'), async (request, reply) => {
    const { status, page, per_page: perPage } = request.query;
    if (status !== undefined && !Object.hasOwn(STATUS_FILTER, status)) throw ValidationFailed.field('status', 'The selected status is invalid (0 pending, 1 promoted, 2 dismissed).');
    const slice = pageOf(page, perPage);
    const chunks = await listReports(actorOf(request), request.params.projectId, status === undefined ? undefined : STATUS_FILTER[status], slice);
    if (slice) {
      const reports = (await chunks.next()).value ?? [];
      if (reports.length === slice.perPage) reply.header('link', `<${nextPageUrl(request, slice)}>; rel="next"`);
      return reports.map(reportJson);
    }
    // The documented answer is the whole queue as one bare array: streamed chunk by chunk, so a
    // long queue neither holds the event loop nor the memory of the whole body.
    return reply.type('application/json; charset=utf-8').send(Readable.from(jsonArray(chunks)));
  });

  app.post<ProjectParams>('/:projectId/reports', gate('create'), async (request, reply) => {
    const { fields, files, errors } = request.isMultipart() ? await readMultipart(request) : { fields: request.body, files: [], errors: {} };
    const report = await kendo.inWireTerms(() => submitReport(actorOf(request), request.params.projectId, kendo.toDomain(fields), files, errors));
    return reply.code(201).send(reportJson(report));
  });

  app.post<ProjectParams>('/:projectId/reports/promote', gate('update'), async (request, reply) => {
    const { issue, reports, created } = await kendo.inWireTerms(() => promoteReports(actorOf(request), request.params.projectId, kendo.toDomain(request.body)));
    return reply.code(created ? 201 : 200).send({ issue: issueJson(issue), reports: reports.map(reportJson) });
  });

  app.post<ProjectParams>('/:projectId/reports/reorder', gate('update'), async (request) =>
    (await kendo.inWireTerms(() => reorderReports(actorOf(request), request.params.projectId, kendo.toDomain(request.body)))).map(reportJson),
  );

  app.post<ReportParams>('/:projectId/reports/:reportId/dismiss', gate('update'), async (request) =>
    reportJson(await dismissReport(actorOf(request), request.params.projectId, reportIdOf(request.params.reportId))),
  );

  app.delete<ReportParams>('/:projectId/reports/:reportId', gate('delete'), async (request, reply) => {
    await deleteReport(actorOf(request), request.params.projectId, reportIdOf(request.params.reportId));
    return reply.code(204).send();
  });
}
