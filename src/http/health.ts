import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';

export function registerHealthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/healthz', { config: { public: true, rateLimitFamily: 'health' } }, async (_request, reply) => {
    const started = performance.now();
    try {
      await services.db.sql.rows('SELECT 1');
      return { status: 'ok', database: { status: 'ok', kind: services.db.kind, latencyMs: Math.round(performance.now() - started) } };
    } catch (error) {
      return reply.code(503).send({ status: 'degraded', database: { status: 'down', kind: services.db.kind, error: (error as Error).message } });
    }
  });
}
