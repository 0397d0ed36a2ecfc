// GraphQL Yoga mounted on Fastify at /graphql: self-contained GraphiQL (works offline), multipart
// uploads (Yoga implements the GraphQL multipart request spec natively, so no
// graphql-upload middleware), SSE subscriptions, and errors masked to the catalogue.
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createYoga, processRegularResult, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { getOperationAST, type ExecutionResult } from 'graphql';
import { createFetch } from '@whatwg-node/fetch';
import type { Services } from '../services.ts';
import { BadRequest, UnsupportedMediaType } from '../errors.ts';
import { Loaders } from '../loaders/index.ts';
import { isUnexpectedError, maskGraphQLError } from './errors.ts';
import { schema } from './schema.ts';
import { isRefusedDocument, MAX_DOCUMENT_NESTING, nestingExceeds, operationLimits } from './limits.ts';
import { boardResponseCache } from './response-cache.ts';
import type { GraphQLContext } from './builder.ts';
import { compiledExecution } from './compiled-execution.ts';

interface ServerContext {
  req: FastifyRequest;
  reply: FastifyReply;
}

/**
 * Unexpected resolver failures are logged with the request id, as REST logs its 500s; Yoga masks
 * them afterwards (this plugin runs before the masking one), so clients see only "internal".
 */
const logUnexpectedErrors: Plugin<GraphQLContext & ServerContext> = {
  onExecute: () => ({
    onExecuteDone: ({ result, args }) => {
      if (!('errors' in result) || !result.errors) return;
      for (const error of result.errors) {
        if (isUnexpectedError(error)) args.contextValue.req.log.error({ err: error.originalError, path: error.path }, 'GraphQL resolver failed');
      }
    },
  }),
};

export const MAX_UPLOAD_BYTES = 3 * 1024 * 1024;
export const MAX_UPLOAD_FILES = 5;

export function registerGraphQL(app: FastifyInstance, services: Services): void {
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    // The self-contained GraphiQL bundle costs ~47 MB of memory: loaded on the first visit only.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    graphiql: { title: 'Intake GraphiQL' },
    logging: false,
    cors: false, // same-origin board; API clients are not browsers
    landingPage: false,
    maskedErrors: { maskError: maskGraphQLError },
    plugins: [...operationLimits(), logUnexpectedErrors, compiledExecution(services.config.graphqlCompileAfterUses), boardResponseCache(services)],
    fetchAPI: createFetch({ formDataLimits: { fileSize: MAX_UPLOAD_BYTES, files: MAX_UPLOAD_FILES, fieldSize: 1024 * 1024 } }),
    // A fresh context (and fresh loaders) per operation: complexity and loaders cache on it.
    context: ({ req }) => ({ services, principal: req.principal, loaders: new Loaders(services.prisma) }),
  });

  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    config: { family: 'graphql', rateLimitFamily: 'graphql' },
    handler: async (req, reply) => {
      // Yoga would read the body again, find it consumed and answer "invalid JSON" with the parser's error.
      const body = req.body as unknown;
      if (req.method === 'POST' && /json/.test(req.headers['content-type'] ?? '') && (typeof body !== 'object' || body === null || Array.isArray(body))) {
        throw new BadRequest(body === undefined ? 'The request body is empty: send a JSON object with a "query".' : 'The request body must be a JSON object with a "query".');
      }
      const query = (req.method === 'GET' ? (req.query as { query?: unknown }) : (body as { query?: unknown } | undefined))?.query;
      if (typeof query === 'string' && nestingExceeds(query)) {
        throw new BadRequest(`The query nests deeper than ${MAX_DOCUMENT_NESTING} levels.`);
      }
      const fast = services.config.graphqlFastPath ? await executeJsonPost(yoga, req, reply) : undefined;
      if (fast && 'plainJson' in fast) return reply.header('content-type', fast.contentType).send(fast.plainJson);
      const response = fast ?? (await yoga.handleNodeRequestAndResponse(req, reply, { req, reply }));
      if (response.status === 415) throw new UnsupportedMediaType('Send GraphQL requests as application/json, or multipart/form-data for uploads.');
      response.headers.forEach((value, key) => reply.header(key, value));
      reply.status(response.status);
      // Streams only for subscriptions and incremental delivery; a single result is sent whole,
      // which is much cheaper than piping a one-chunk stream.
      const streamed = /text\/event-stream|multipart\/mixed/.test(response.headers.get('content-type') ?? '');
      if (streamed) return reply.send(response.body);
      const text = await response.text();
      if (isRefusedDocument(response.status, text)) reply.status(400);
      if (response.headers.get('content-type')?.startsWith('text/html')) return sendPage(req, reply, text);
      return reply.send(text);
    },
  });
}

/**
 * The common case — a JSON POST of one query or mutation — runs Yoga's own envelop pipeline
 * (parse/validate caches, masked errors, our context) and Yoga's own response shaping, but skips
 * its fetch-API request adaptation, which costs more than the operation itself
 * (bench/graphql-hello.ts). Everything else (GET, uploads, SSE, subscriptions, batches, and any
 * request that fails to parse or validate, so its error reads exactly as Yoga words it) returns
 * undefined and goes through Yoga whole.
 */
async function executeJsonPost(yoga: YogaServerInstance<ServerContext, GraphQLContext>, req: FastifyRequest, reply: FastifyReply): Promise<Response | PlainAnswer | undefined> {
  const accept = req.headers.accept ?? '';
  if (req.method !== 'POST' || !isPlainParams(req.body) || /text\/event-stream|multipart\/mixed/.test(accept)) return undefined;
  const params = req.body;
  const { parse, validate, contextFactory, execute, schema } = yoga.getEnveloped({ req, reply, params } as never);
  let document;
  try {
    document = parse(params.query);
  } catch {
    return undefined;
  }
  const operation = getOperationAST(document, params.operationName);
  if (!operation || operation.operation === 'subscription' || validate(schema, document).length > 0) return undefined; // Yoga words the errors
  const result = (await execute({
    schema,
    document,
    contextValue: await contextFactory(),
    variableValues: params.variables,
    operationName: params.operationName,
  })) as ExecutionResult;
  const mediaType = accept.includes('application/graphql-response+json') ? 'application/graphql-response+json' : 'application/json';
  if (result.errors?.length || result.extensions) return processRegularResult(result, yoga.fetchAPI, mediaType);
  // A plain success is 200 with its JSON, as processRegularResult answers it, without the Response
  // it wraps the text in (which encodes it to bytes, for us to decode them back).
  return { plainJson: JSON.stringify(result), contentType: `${mediaType}; charset=utf-8` };
}

/** A successful result's JSON and content type (status 200). */
interface PlainAnswer {
  plainJson: string;
  contentType: string;
}

/**
 * GraphiQL's page is ~9 MB of inline JavaScript and never changes while the process runs: it is
 * compressed once (gzip, ~10x smaller) and sent compressed to every client that accepts it.
 */
let compressedPage: { html: string; gzipped: Buffer } | undefined;
function sendPage(req: FastifyRequest, reply: FastifyReply, html: string): FastifyReply {
  reply.header('vary', 'accept-encoding');
  if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.send(html);
  if (compressedPage?.html !== html) compressedPage = { html, gzipped: gzipSync(html, { level: 9 }) };
  const { gzipped } = compressedPage;
  return reply.header('content-encoding', 'gzip').header('content-length', gzipped.length).send(gzipped);
}

interface GraphQLParams {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

function isPlainParams(body: unknown): body is GraphQLParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { query, variables, operationName } = body as Record<string, unknown>;
  return (
    typeof query === 'string' &&
    (variables == null || (typeof variables === 'object' && !Array.isArray(variables))) &&
    (operationName == null || typeof operationName === 'string')
  );
}
