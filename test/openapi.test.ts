// The OpenAPI document: valid OpenAPI 3.1 (checked by a maintained validator), complete (every
// registered REST route, each in its family's error envelope), bodies from the validating zod
// schemas; and the offline reference at /docs.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('GET /v1/openapi.json', () => {
  it('is valid OpenAPI 3.1 and lists every registered REST route with its method', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);

    // The 405 answers for a documented path's other methods are not operations.
    const registered = t.app.routeCatalogue.filter((route) => !route.config?.methodNotAllowed).flatMap((route) =>
      (Array.isArray(route.method) ? route.method : [route.method])
        .filter((method) => method !== 'HEAD' && method !== 'OPTIONS')
        .map((method) => ({ method: method.toLowerCase(), path: route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}') })),
    );
    const documented = registered.filter(({ path }) => !path.startsWith('/graphql') && path !== '/v1/openapi.json' && path !== '/docs');
    expect(documented.length).toBeGreaterThan(30);
    for (const { method, path } of documented) expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });

  it('documents each family’s envelope and the bodies its services validate', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    const finalize = document.paths['/v1/ingest/kensho/finalize'].post;
    expect(finalize.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/kaizenError');
    expect(finalize.requestBody.content['application/json'].schema.properties.run.properties.schemaVersion).toEqual({ type: 'string', const: 'kensho/v1' });
    expect(JSON.stringify(finalize.requestBody)).toContain('#/components/schemas/');
    expect(document.paths['/api/projects/{projectId}/reports'].post.responses['422'].content['application/json'].schema.$ref).toBe('#/components/schemas/kendoError');
    expect(document.paths['/api/bug-reports/auto'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('errorMessage');
    expect(document.paths['/v1/projects/{slug}/webhooks'].post.requestBody.content['application/json'].schema.properties.events.items.enum).toContain('run.finalized');
    expect(document.paths['/healthz'].get.security).toEqual([]);
  });
});

describe('GET /docs', () => {
  it('is a self-contained HTML reference of every operation', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).not.toMatch(/<script|src="http|href="http/);
    const document = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    for (const path of Object.keys(document.paths)) expect(response.body).toContain(`<code>${path}</code>`);
  });
});
