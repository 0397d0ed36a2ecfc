// HTTP infrastructure shared by every skin: request ids, principal resolution, error envelopes,
// 404s and rate limits. Registered before any route.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import secureJson from 'secure-json-parse';
import type { Principal } from '../auth/principal.ts';
import { ANONYMOUS, budgetKey } from '../auth/principal.ts';
import { bearerFrom } from '../auth/tokens.ts';
import {
  BadRequest, DomainError, HeadersTooLarge, Internal, NotFound, PayloadTooLarge, RateLimited, RequestTimeout, Unavailable,
  UnsupportedMediaType, ValidationFailed, type FieldErrors,
} from '../errors.ts';
import type { Actor, Services } from '../services.ts';
import { familyOfUrl, rateLimitOf } from '../modules/index.ts';
import { errorReply, rawErrorResponse, type ErrorFamily } from './envelopes.ts';
import { PerKeyLimit } from './per-key-limit.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The documented API family whose error envelope this route answers in. */
    family?: ErrorFamily;
    /** Rate-limit bucket (RATE_LIMIT_<FAMILY>_PER_MINUTE); routes without one are not limited. */
    rateLimitFamily?: string;
    /** Skip principal resolution (health checks, static assets). */
    public?: boolean;
    /** Answers 405 for a documented path's other methods (modules/index.ts); not an operation. */
    methodNotAllowed?: boolean;
    /**
     * Authorizes the call from its URL alone, before the body is read: an anonymous or
     * unauthorized caller never makes the server parse (or spool) what it sends.
     */
    authorize?: (actor: Actor, params: Record<string, string>) => Promise<unknown>;
  }
  interface FastifyRequest {
    principal: Principal;
    /** A credential that did not verify: answered 401 once the rate limit has counted it. */
    authFailure?: DomainError;
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** Client-supplied ids are kept when they look sane, so logs join up across services. */
export function requestIdFrom(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : `req_${crypto.randomUUID()}`;
}

/**
 * Connection limits (README, Security): a request must arrive whole within 60 s (slow-drip
 * bodies are cut off), headers within 15 s; idle keep-alive connections close after 10 s.
 * Live subscriptions are responses, not requests, so they are not cut by these.
 */
export const HTTP_LIMITS = {
  requestTimeout: 60_000,
  connectionTimeout: 0,
  keepAliveTimeout: 10_000,
  routerOptions: { maxParamLength: 200 },
  http: { headersTimeout: 15_000 },
} as const;

/** Errors of Fastify's router (a malformed or oversized URL), in the URL's family envelope. */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const domain =
    error.code === 'FST_ERR_BAD_URL'
      ? new BadRequest('The URL is not valid (malformed percent-encoding).')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new NotFound('Resource') // no id of ours is that long
        : new BadRequest(error.message || 'Bad request.');
  void sendError(request, reply, domain);
}

/** Errors before there is a request at all (malformed HTTP, oversized headers, timeouts). */
export function answerClientError(error: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const domain =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new RequestTimeout('The request was not received in time.')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new HeadersTooLarge('The request headers (or the URL) are too large.')
        : new BadRequest('Malformed HTTP request.');
  if (socket.writable) socket.write(rawErrorResponse(domain, familyOfRawRequest(error)));
  socket.destroy(error);
}

/** The family of the URL on the request line of what Node had read (a long GraphQL GET is GraphQL's). */
function familyOfRawRequest(error: NodeJS.ErrnoException): ErrorFamily {
  const head = (error as { rawPacket?: Buffer }).rawPacket?.subarray(0, 512).toString('latin1');
  const url = head && /^[A-Z]+ (\/\S*)/.exec(head)?.[1];
  return url ? familyOfUrl(url) : 'intake';
}

/**
 * Every response: no MIME sniffing, no referrer. Pages (GraphiQL, and the board to come): a CSP
 * that keeps them out of frames and talking only to us. GraphiQL's bundle is inline, hence the
 * inline script and style allowances.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function applySecurityHeaders(reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
    reply.header('content-security-policy', PAGE_CSP);
    reply.header('x-frame-options', 'DENY');
  }
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

  limitConnectionsPerClient(app, services.config.maxConnectionsPerClient);
  app.addHook('onSend', async (_request, reply, payload) => {
    applySecurityHeaders(reply);
    return payload;
  });

  // While closing, new requests hear so in their family's envelope and may retry elsewhere.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    services.requestsServed += 1;
    reply.header('X-Request-Id', request.id);
    if (closing) {
      reply.header('connection', 'close');
      throw new Unavailable('The server is shutting down; retry shortly.');
    }
  });

  // `curl -X POST -H 'Content-Type: application/json' …/dismiss` sends no body: that is no input,
  // not malformed JSON. Anything else goes to Fastify's own (prototype-poisoning-safe) parser.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body as string, done),
  );

  app.setErrorHandler(answerError);
  // Per-route limits come from route config, resolved here so routes never repeat numbers.
  app.addHook('onRoute', (route) => {
    const family = route.config?.rateLimitFamily;
    if (!family) return;
    rateLimitOf(services.config.rateLimits, family); // an undeclared family fails at start, not on a request
    route.config = {
      ...route.config,
      rateLimit: { max: (request: FastifyRequest) => rateLimitOf(services.config.rateLimits, family, request.principal.kind), timeWindow: 60_000, groupId: family },
    } as typeof route.config;
  });

  // Who is calling is known before the rate limit counts the request (route-level onRequest
  // hooks run after this one), so limits are kept per verified credential. A credential that
  // does not verify counts against the client's address — made-up tokens get no buckets of
  // their own — and is refused 401 after that count.
  app.addHook('onRequest', async (request) => {
    request.principal = ANONYMOUS;
    if (request.routeOptions.config?.public) return;
    try {
      request.principal = await services.principals.resolve(bearerFrom(request.headers.authorization));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      request.authFailure = error;
    }
  });

  await app.register(rateLimit, {
    global: false,
    store: familyCounters(services.config.redisUrl ? await redisForRateLimits(services) : undefined),
    keyGenerator: (request) => budgetKey(request.principal) ?? `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) => new RateLimited(Math.max(1, Math.ceil(context.ttl / 1000)), context.max),
  });

  // Before the body is read: a bad token, or a caller the route's gate refuses, costs no parsing.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.authFailure) throw request.authFailure;
    const gate = request.routeOptions.config?.authorize;
    if (gate) await gate({ services, principal: request.principal }, request.params as Record<string, string>);
    return payload;
  });

  answerUnknownUrls(app, services);
}

/** Every error of a request as its family's envelope; the unexpected ones logged, masked. */
function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const domain = toDomainError(error);
  if (domain) {
    if (domain.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, domain);
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendError(request, reply, new Internal());
}

/** Unknown URLs are rate limited like everything else, so they cannot be probed for free. */
function answerUnknownUrls(instance: FastifyInstance, services: Services): void {
  instance.setNotFoundHandler({ preHandler: instance.rateLimit({ max: rateLimitOf(services.config.rateLimits, 'default'), timeWindow: 60_000 }) }, (request, reply) =>
    sendError(request, reply, new NotFound('Route')),
  );
}

/** What each REST family's encapsulated plugin gets (modules/index.ts): its own error and 404 answers. */
export const familyScope = (services: Services) => (family: string, instance: FastifyInstance) => {
  instance.setErrorHandler(answerError);
  answerUnknownUrls(instance, services);
  if (family === 'kendo') readBodiesAsLaravel(instance);
  if (family === 'raven') {
    // Raven's rate-limit page: X-RateLimit-Reset is the unix time of the reset, not seconds until it.
    instance.addHook('onSend', async (_request, reply, payload) => {
      const inSeconds = Number(reply.getHeader('x-ratelimit-reset'));
      if (reply.hasHeader('x-ratelimit-reset') && Number.isFinite(inSeconds)) reply.header('x-ratelimit-reset', String(Math.ceil(Date.now() / 1000) + inSeconds));
      return payload;
    });
  }
};

/**
 * kendo is a Laravel app: a form body (`curl -d 'title=…'`) is input like JSON, malformed JSON
 * reads as no input at all (so validation names the required fields), and a `__proto__` key is
 * dropped rather than refused. Scoped to the kendo routes: elsewhere (GraphQL above all) a form
 * post stays unsupported, which keeps cross-site form submissions out.
 */
function readBodiesAsLaravel(instance: FastifyInstance): void {
  instance.removeContentTypeParser('application/json');
  instance.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(body as string, undefined, { protoAction: 'remove', constructorAction: 'remove' }));
    } catch {
      done(null, {});
    }
  });
  instance.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const input: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(body as string)) {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
      if (key.endsWith('[]')) (input[key.slice(0, -2)] = [...((input[key.slice(0, -2)] as string[] | undefined) ?? []), value]);
      else input[key] = value;
    }
    done(null, input);
  });
}

/**
 * One client address may hold this many open connections; more are refused at once (the
 * socket is closed before any byte is read), so one client cannot exhaust file descriptors.
 */
function limitConnectionsPerClient(app: FastifyInstance, max: number): void {
  const open = new PerKeyLimit(max);
  app.server.on('connection', (socket: import('node:net').Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    if (!open.tryTake(address)) {
      socket.end(rawErrorResponse(new RateLimited(1, max)), () => socket.destroy());
      return;
    }
    socket.once('close', () => open.release(address));
  });
}

/**
 * One counter per caller per rate-limit family ("Report endpoints use the default API rate limit
 * of 120 requests per minute"), not one per route: the plugin's own stores make a child per
 * route, so a token limited on one route could go on calling its neighbours. Its in-memory and
 * Redis counters are reused; only the per-route split is dropped (routes key by `groupId`).
 */
function familyCounters(redis: import('ioredis').Redis | undefined) {
  const require = createRequire(import.meta.url);
  type Done = (error: Error | null, result?: { current: number; ttl: number }) => void;
  type Counter = { incr(key: string, done: Done, timeWindow: number, max: number): void };
  const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (continueExceeding: boolean, exponentialBackoff: boolean, cache: number) => Counter;
  const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (continueExceeding: boolean, exponentialBackoff: boolean, redis: unknown, key: string) => Counter;
  return class FamilyCounters {
    private readonly counter: Counter;
    constructor(params: { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
      const [continueExceeding, exponentialBackoff] = [params.continueExceeding ?? false, params.exponentialBackoff ?? false];
      this.counter = redis
        ? new RedisStore(continueExceeding, exponentialBackoff, redis, 'intake-rate-limit-')
        : new LocalStore(continueExceeding, exponentialBackoff, 10_000);
    }
    incr(key: string, done: Done, timeWindow: number, max: number) {
      this.counter.incr(key, done, timeWindow, max);
    }
    child() {
      return this;
    }
  };
}

async function redisForRateLimits(services: Services) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(services.config.redisUrl!, { connectTimeout: 2_000, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  services.onClose.push(() => void redis.disconnect());
  return redis;
}
