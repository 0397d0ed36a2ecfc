// The OpenAPI 3.1 document of every REST route (GET /v1/openapi.json) and a browsable reference
// (GET /docs, server-rendered, no external assets). Generated from the routes as registered: each
// route's family (its error envelope), its path parameters, and — where the route names it in
// `config.doc` — the zod schema its service validates the body with (z.toJSONSchema), so the
// document cannot drift from what is enforced.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';
import type { ErrorFamily } from './envelopes.ts';
import { escapeHtml } from './html.ts';

export interface RouteDoc {
  summary: string;
  /** The schema the service parses the body with. */
  body?: z.ZodType;
  /** The success status, when not 200. */
  status?: number;
  /** What the success response is, in a few words. */
  returns?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    doc?: RouteDoc;
  }
  interface FastifyInstance {
    routeCatalogue: RouteOptions[];
  }
}

/** Keeps every route's options (read when the document is built: families are set by then). */
export function catalogueRoutes(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  app.decorate('routeCatalogue', routes);
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
}

const ENVELOPES: Record<ErrorFamily, object> = {
  kendo: { type: 'object', required: ['message'], properties: { message: { type: 'string' }, errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } }, feature_restricted: { type: 'boolean' } } },
  raven: {
    type: 'object',
    required: ['success', 'status', 'error'],
    properties: { success: { const: false }, status: { type: 'integer' }, error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } },
  },
  kaizen: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } } },
  send: {
    type: 'object',
    required: ['payload', 'error'],
    properties: { payload: { type: 'null' }, error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } },
  },
  intake: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } } },
  graphql: { type: 'object', properties: { errors: { type: 'array', items: { type: 'object' } } } },
};
const ERROR_STATUSES: Record<ErrorFamily, number[]> = {
  kendo: [401, 403, 404, 422, 429],
  raven: [400, 401, 403, 404, 422, 429],
  kaizen: [400, 401, 403, 404, 429],
  send: [400, 401, 403, 404, 409, 429],
  intake: [400, 401, 403, 404, 429],
  graphql: [400, 401],
};
const FAMILY_TITLES: Record<ErrorFamily, string> = {
  kendo: 'kendo (Reports, Error Events)',
  raven: 'Raven bug reports',
  kaizen: 'Kaizen test runs and webhooks',
  send: 'send.ai tasks',
  intake: 'Intake',
  graphql: 'GraphQL',
};

interface Operation {
  method: string;
  path: string;
  family: ErrorFamily;
  doc: RouteDoc | undefined;
  secured: boolean;
}

/** The documented operations: every route but HEAD twins, GraphQL (its schema is its document) and this document's own routes. */
export function operations(app: FastifyInstance): Operation[] {
  const seen = new Set<string>();
  const result: Operation[] = [];
  for (const route of app.routeCatalogue) {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((method) => method !== 'HEAD' && method !== 'OPTIONS');
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');
    if (path.startsWith('/graphql') || path === '/v1/openapi.json' || path === '/docs' || route.config?.methodNotAllowed) continue;
    for (const method of methods) {
      const key = `${method} ${path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      result.push({ method: method.toLowerCase(), path, family: route.config?.family ?? 'intake', doc: route.config?.doc, secured: !route.config?.public });
    }
  }
  return result.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });

/**
 * A body schema for the document: its recursive definitions ($defs: the kensho step tree) move to
 * components.schemas under the operation's name, and their references follow.
 */
function bodySchema(schema: z.ZodType, operationId: string, components: Record<string, unknown>): unknown {
  const { $defs, $schema: _dialect, ...root } = jsonSchema(schema) as Record<string, unknown> & { $defs?: Record<string, unknown> };
  const text = JSON.stringify(root, null, 0);
  const rename = (json: string) => json.replace(/"#\/\$defs\/([^"]+)"/g, (_m, name: string) => JSON.stringify(`#/components/schemas/${operationId}_${name}`));
  for (const [name, definition] of Object.entries($defs ?? {})) components[`${operationId}_${name}`] = JSON.parse(rename(JSON.stringify(definition)));
  return JSON.parse(rename(text));
}

export function openApiDocument(app: FastifyInstance) {
  const paths: Record<string, Record<string, object>> = {};
  const schemas: Record<string, unknown> = Object.fromEntries(Object.entries(ENVELOPES).map(([family, schema]) => [`${family}Error`, schema]));
  for (const op of operations(app)) {
    const parameters = [...op.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const success = op.doc?.status ?? 200;
    const responses: Record<string, object> = {
      [String(success)]: success === 204 ? { description: op.doc?.returns ?? 'No content.' } : { description: op.doc?.returns ?? 'Success.', content: { 'application/json': { schema: {} } } },
    };
    for (const status of ERROR_STATUSES[op.family]) {
      if (status === 401 && !op.secured) continue;
      responses[String(status)] = { description: `Error (${op.family} envelope).`, content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.family}Error` } } } };
    }
    const operationId = `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
    (paths[op.path] ??= {})[op.method] = {
      operationId,
      summary: op.doc?.summary ?? `${op.method.toUpperCase()} ${op.path}`,
      tags: [FAMILY_TITLES[op.family]],
      ...(parameters.length ? { parameters } : {}),
      ...(op.doc?.body ? { requestBody: { required: true, content: { 'application/json': { schema: bodySchema(op.doc.body, operationId, schemas) } } } } : {}),
      ...(op.secured ? {} : { security: [] }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Intake', version: '1', description: 'Every REST route of Intake: the kendo, Raven and Kaizen compatibility families and its own. GraphQL is at /graphql.' },
    servers: [{ url: app.services.config.publicUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A project, workspace or personal token.' } },
      schemas,
    },
  };
}


/** The reference as one HTML page: operations by family, each with its body schema. */
export function docsPage(app: FastifyInstance): string {
  const byFamily = new Map<string, Operation[]>();
  for (const op of operations(app)) byFamily.set(FAMILY_TITLES[op.family], [...(byFamily.get(FAMILY_TITLES[op.family]) ?? []), op]);
  const sections = [...byFamily.entries()].map(
    ([title, ops]) => `<section><h2>${escapeHtml(title)}</h2>${ops
      .map(
        (op) => `<details><summary><code class="m">${op.method.toUpperCase()}</code> <code>${escapeHtml(op.path)}</code> — ${escapeHtml(op.doc?.summary ?? '')}</summary>
${op.doc?.body ? `<pre>${escapeHtml(JSON.stringify(jsonSchema(op.doc.body), null, 2))}</pre>` : '<p>No request body.</p>'}
<p>Success: ${op.doc?.status ?? 200}${op.doc?.returns ? ` — ${escapeHtml(op.doc.returns)}` : ''}. Errors: ${ERROR_STATUSES[op.family].join(', ')} in the ${op.family} envelope.</p></details>`,
      )
      .join('\n')}</section>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Intake REST reference</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}details{border:1px solid #ddd;border-radius:6px;margin:.3rem 0;padding:.3rem .6rem}.m{font-weight:bold}pre{background:#f5f5f5;padding:.5rem;overflow:auto}</style>
</head><body><h1>Intake REST reference</h1><p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1). GraphQL: <a href="/graphql">/graphql</a>.</p>
${sections.join('\n')}</body></html>`;
}

export function registerOpenApiRoutes(app: FastifyInstance): void {
  app.get('/v1/openapi.json', { config: { public: true, rateLimitFamily: 'default', family: 'kaizen' } }, async () => openApiDocument(app));
  app.get('/docs', { config: { public: true, rateLimitFamily: 'default' } }, async (_request, reply) =>
    reply.header('content-type', 'text/html; charset=utf-8').send(docsPage(app)),
  );
}
