// Every module's REST compatibility routes, registered after the HTTP infrastructure. Add a
// module's rest.ts here.
import type { FastifyInstance } from 'fastify';

export async function registerModuleRoutes(_app: FastifyInstance): Promise<void> {}
