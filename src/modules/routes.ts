// Every module's REST compatibility routes, registered after the HTTP infrastructure. Add a
// module's rest.ts here.
import type { FastifyInstance } from 'fastify';
import { bugReportRoutes } from './bug-reports/rest.ts';
import { errorEventRoutes } from './errors/rest.ts';
import { reportRoutes } from './reports/rest.ts';
import { attachmentRoutes } from './reports/attachments.ts';

export async function registerModuleRoutes(app: FastifyInstance): Promise<void> {
  await errorEventRoutes(app);
  await bugReportRoutes(app);
  await reportRoutes(app);
  await attachmentRoutes(app);
}
