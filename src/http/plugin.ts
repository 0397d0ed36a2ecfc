// HTTP infrastructure shared by every skin: request ids, principal resolution, error envelopes,
// 404s and rate limits. Registered before any route.
import crypto from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Principal } from '../auth/principal.ts';
import { ANONYMOUS } from '../auth/principal.ts';
import { bearerFrom, hashSecret } from '../auth/tokens.ts';
import type { RateLimitFamily } from '../config.ts';
import {
  BadRequest, DomainError, Internal, NotFound, PayloadTooLarge, RateLimited, UnsupportedMediaType, ValidationFailed,
  type FieldErrors,
} from '../errors.ts';
import type { Actor, Services } from '../services.ts';
import { errorReply, familyOfUrl, type ErrorFamily } from './envelopes.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The documented API family whose error envelope this route answers in. */
    family?: ErrorFamily;
    /** Rate-limit bucket (RATE_LIMIT_<FAMILY>_PER_MINUTE); routes without one are not limited. */
    rateLimitFamily?: RateLimitFamily;
    /** Skip principal resolution (health checks, static assets). */
    public?: boolean;
    /**
     * Authorizes the call from its URL alone, before the body is read: an anonymous or
     * unauthorized caller never makes the server parse (or spool) what it sends.
     */
    authorize?: (actor: Actor, params: Record<string, string>) => Promise<unknown>;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** Client-supplied ids are kept when they look sane, so logs join up across services. */
export function requestIdFrom(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : `req_${crypto.randomUUID()}`;
}

export function familyOf(request: FastifyRequest): ErrorFamily {
  return request.routeOptions?.config?.family ?? familyOfUrl(request.url);
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: DomainError): FastifyReply {
  const { status, body, headers } = errorReply(familyOf(request), error);
  return reply.code(status).headers(headers).send(body);
}

/** Fastify's own failures (bad JSON, body too large, schema validation) as catalogue errors. */
export function toDomainError(error: FastifyError): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (error.validation) {
    const fields: FieldErrors = {};
    for (const issue of error.validation) {
      const missing = (issue.params as { missingProperty?: string } | undefined)?.missingProperty;
      const field = missing ?? (issue.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'body');
      (fields[field] ??= []).push(missing ? `The ${field} field is required.` : `The ${field} field ${issue.message ?? 'is invalid'}.`);
    }
    return new ValidationFailed(fields);
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return new PayloadTooLarge(error.message || 'Payload too large.');
  if (status === 415) return new UnsupportedMediaType(error.message || 'Unsupported media type.');
  if (status === 404) return new NotFound('Route');
  if (status === 429) return new RateLimited(60, 0);
  if (status >= 400 && status < 500) return new BadRequest(error.message || 'Bad request.');
  return undefined;
}

export async function registerHttpInfrastructure(app: FastifyInstance, services: Services): Promise<void> {
  app.decorateRequest('principal', null as never);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });

  // `curl -X POST -H 'Content-Type: application/json' …/dismiss` sends no body: that is no input,
  // not malformed JSON. Anything else goes to Fastify's own (prototype-poisoning-safe) parser.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body as string, done),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const domain = toDomainError(error);
    if (domain) {
      if (domain.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendError(request, reply, domain);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(request, reply, new Internal());
  });

  // 404s are rate limited like everything else so unknown URLs cannot be probed for free.
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new NotFound('Route')));

  // Per-route limits come from route config, resolved here so routes never repeat numbers.
  app.addHook('onRoute', (route) => {
    const family = route.config?.rateLimitFamily;
    if (!family) return;
    route.config = {
      ...route.config,
      rateLimit: { max: services.config.rateLimits[family], timeWindow: 60_000 },
    } as typeof route.config;
  });

  await app.register(rateLimit, {
    global: false,
    ...(services.config.redisUrl ? { redis: await redisForRateLimits(services) } : {}),
    // Keyed by credential (hashed, never stored in clear); anonymous callers by address.
    keyGenerator: (request) => {
      const secret = bearerFrom(request.headers.authorization);
      return secret ? `tok:${hashSecret(secret)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => new RateLimited(Math.max(1, Math.ceil(context.ttl / 1000)), context.max),
  });

  // Resolve who is calling after the rate limit (route-level onRequest) and before the body is
  // read: a bad token costs us no parsing.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const config = request.routeOptions.config;
    request.principal = config?.public ? ANONYMOUS : await services.principals.resolve(bearerFrom(request.headers.authorization));
    if (config?.authorize) await config.authorize({ services, principal: request.principal }, request.params as Record<string, string>);
    return payload;
  });
}

async function redisForRateLimits(services: Services) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(services.config.redisUrl!, { connectTimeout: 2_000, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  services.onClose.push(() => void redis.disconnect());
  return redis;
}
