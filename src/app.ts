// Builds the whole service from a Config: database, services, HTTP infrastructure, GraphQL and
// every module's REST routes. main.ts listens; tests call buildApp in-process and use inject().
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { Config } from './config.ts';
import { openDatabase, type Database, type OpenOptions } from './db/client.ts';
import type { Clock } from './clock.ts';
import { closeServices, createServices, type Services } from './services.ts';
import { answerClientError, answerFrameworkError, familyScope, HTTP_LIMITS, registerHttpInfrastructure, requestIdFrom } from './http/plugin.ts';
import { registerGraphQL, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES } from './graphql/yoga.ts';
import { registerHealthRoutes } from './http/health.ts';
import { catalogueRoutes, registerOpenApiRoutes } from './http/openapi.ts';
import { registerModuleRoutes } from './modules/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/**
 * Every multipart body is bounded: a few text fields of at most 256 KiB (the longest legal field,
 * a 65,535-character description, is at most that in UTF-8), files one byte past the per-file
 * limit (the spooler then refuses them as too large), one file past the count limit (refused as
 * too many), and parts in all.
 */
export const MULTIPART_LIMITS = {
  fields: 10,
  fieldSize: 256 * 1024,
  fieldNameSize: 100,
  files: 2 * MAX_UPLOAD_FILES, // past the count limit, files are read and refused together with the rest
  fileSize: MAX_UPLOAD_BYTES + 1,
  parts: 20,
  headerPairs: 20,
};

export interface BuildOptions {
  /** Use this database instead of opening config.databaseUrl (tests share one per worker). */
  database?: Database;
  databaseOptions?: OpenOptions;
  clock?: Clock;
  /** Apply pending migrations at start (default true). */
  migrate?: boolean;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const db = options.database ?? (await openDatabase(config.databaseUrl, options.databaseOptions));
  if (options.migrate !== false) await db.migrate();

  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdFrom,
    requestIdHeader: false,
    // Our own 503 (in the family's envelope, with Retry-After) is answered by the HTTP plugin.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ...HTTP_LIMITS,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });

  const services = await createServices(config, db, app.log, options.clock);
  app.decorate('services', services);
  app.addHook('onClose', async () => {
    await closeServices(services);
    if (!options.database) await db.close();
  });

  catalogueRoutes(app);
  await registerHttpInfrastructure(app, services);
  await app.register(multipart, { limits: MULTIPART_LIMITS, throwFileSizeLimit: false });
  registerHealthRoutes(app, services);
  registerGraphQL(app, services);
  await registerModuleRoutes(app, familyScope(services));
  registerOpenApiRoutes(app);
  return app;
}
