// Attachment bytes at a stable URL (/api/attachments/{id}), served only to callers who may read
// the reports of the attachment's project.
import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../errors.ts';
import type { Actor, Services } from '../../services.ts';
import { reportProject } from './service.ts';

export const attachmentUrl = (publicUrl: string, id: number) => `${publicUrl}/api/attachments/${id}`;

export async function readableAttachment(actor: Actor, id: number) {
  const attachment = Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647 ? await actor.services.prisma.attachment.findUnique({ where: { id } }) : null;
  if (!attachment) throw new NotFound('Attachment');
  await reportProject(actor, attachment.projectId, 'read');
  return attachment;
}

/** Blobs stay this long unreferenced before the collector may take them (uploads in flight). */
export const BLOB_GRACE_MS = 60 * 60 * 1000;

/** Removes blobs no attachment references (failed submissions, deleted reports). */
export function collectUnreferencedBlobs(services: Services): Promise<number> {
  return services.blobs.collectGarbage(BLOB_GRACE_MS, async (sha256s) => {
    const rows = await services.prisma.attachment.findMany({ where: { sha256: { in: sha256s } }, select: { sha256: true }, distinct: ['sha256'] });
    return new Set(rows.map((row) => row.sha256));
  }, services.clock.now().getTime());
}

export async function attachmentRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string } }>('/api/attachments/:id', { config: { family: 'intake', rateLimitFamily: 'default' } }, async (request, reply) => {
    const attachment = await readableAttachment({ services: app.services, principal: request.principal }, Number(request.params.id));
    return reply
      .header('content-type', attachment.mimeType)
      .header('content-length', attachment.size)
      .header('content-disposition', `inline; filename="${attachment.filename.replace(/["\\\r\n]/g, '_')}"`)
      .header('cache-control', 'private, max-age=31536000, immutable') // content-addressed: never changes
      .send(app.services.blobs.read(attachment.sha256));
  });
}
