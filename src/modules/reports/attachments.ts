// Attachment bytes at a stable URL (/api/attachments/{id}), served only to callers who may read
// the reports of the attachment's project.
import type { FastifyInstance } from 'fastify';
import { canSeeProject, requireAuthenticated } from '../../auth/permissions.ts';
import { projectScope } from '../workspaces/project-scope.ts';
import { NotFound } from '../../errors.ts';
import { isDatabaseId } from '../../validation.ts';
import type { Actor, Services } from '../../services.ts';
import { reportProject } from './service.ts';
import { IMAGE_TYPES } from '../../storage/file-type.ts';

export const attachmentUrl = (publicUrl: string, id: number) => `${publicUrl}/api/attachments/${id}`;

/**
 * The attachment, for a caller who may read its project's reports. Anonymous callers are refused
 * before any lookup, and "not yours" reads exactly as "not there": no existence oracle.
 */
export async function readableAttachment(actor: Actor, id: number) {
  requireAuthenticated(actor.principal);
  const attachment = isDatabaseId(id) ? await actor.services.prisma.attachment.findUnique({ where: { id } }) : null;
  if (!attachment) throw new NotFound('Attachment');
  // Whoever cannot see the project hears "not found", whatever rule would refuse them first.
  const project = await projectScope(actor.services, attachment.projectId);
  if (!canSeeProject(actor.principal, project)) throw new NotFound('Attachment');
  await reportProject(actor, attachment.projectId, 'read');
  return attachment;
}

/**
 * RFC 6266: an ASCII fallback name plus the exact UTF-8 name (RFC 5987), so any file name —
 * 報告.png, or one holding control characters — can be served. Images display inline; anything
 * else is a download, never rendered in our origin.
 */
export function contentDisposition(filename: string, mimeType: string): string {
  const disposition = IMAGE_TYPES.has(mimeType) ? 'inline' : 'attachment';
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'file';
  const exact = encodeURIComponent(filename.toWellFormed()).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** Which of these blobs a report attachment holds. */
export async function reportBlobReferences(services: Services, sha256s: string[]): Promise<string[]> {
  const rows = await services.prisma.attachment.findMany({ where: { sha256: { in: sha256s } }, select: { sha256: true }, distinct: ['sha256'] });
  return rows.map((row) => row.sha256);
}

export async function attachmentRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string } }>('/:id', { config: { rateLimitFamily: 'default' } }, async (request, reply) => {
    const attachment = await readableAttachment({ services: app.services, principal: request.principal }, Number(request.params.id));
    return reply
      .header('content-type', attachment.mimeType)
      .header('content-length', attachment.size)
      .header('content-disposition', contentDisposition(attachment.filename, attachment.mimeType))
      .header('cache-control', 'private, max-age=31536000, immutable') // content-addressed: never changes
      .send(app.services.blobs.read(attachment.sha256));
  });
}
