import fs from 'node:fs';
import path from 'node:path';
import { getNamedType, getNullableType, isInputObjectType, isNonNullType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema, schema } from '../src/graphql/schema.ts';
import { createTestApp, graphql } from './helpers.ts';
import { seedWorkspace } from './fixtures.ts';

describe('schema.graphql', () => {
  it('is the printed Pothos schema (run `npm run schema:print` after changing types)', () => {
    const committed = fs.readFileSync(path.resolve(import.meta.dirname, '../schema.graphql'), 'utf8');
    expect(committed).toBe(printedSchema());
  });

  it('gives every mutation one input object, a nullable named payload and typed userErrors (GRAPHQL.md)', () => {
    const mutations = Object.values(schema.getMutationType()!.getFields());
    expect(mutations.length).toBeGreaterThan(30);
    for (const mutation of mutations) {
      const name = mutation.name.charAt(0).toUpperCase() + mutation.name.slice(1);
      const shape = {
        args: mutation.args.map((arg) => `${arg.name}: ${arg.type}`),
        payload: String(mutation.type),
        described: Boolean(mutation.description),
      };
      expect({ mutation: mutation.name, ...shape }).toEqual({ mutation: mutation.name, args: [`input: ${name}Input!`], payload: `${name}Payload`, described: true });
      expect(isInputObjectType(getNullableType(mutation.args[0]!.type))).toBe(true);
      const payload = mutation.type;
      if (!isObjectType(payload)) throw new Error(`${mutation.name}: the payload is not an object type`);
      const userErrors = payload.getFields().userErrors!;
      expect(String(userErrors.type)).toBe(`[${name}UserError!]!`);
      const errorType = getNamedType(userErrors.type);
      if (!isObjectType(errorType)) throw new Error(`${mutation.name}: userErrors is not a list of objects`);
      expect(errorType.getInterfaces().map(String)).toEqual(['UserError']);
      expect(String(errorType.getFields().code!.type)).toBe(`${name}ErrorCode!`);
      // What changed is named, never a generic `data`.
      expect(Object.keys(payload.getFields())).not.toContain('data');
      expect(isNonNullType(mutation.type)).toBe(false);
    }
  });
});

describe('mutation payloads at work', () => {
  it('answers a refused mutation in its userErrors, an anonymous one as a top-level error, and runs the sibling mutations regardless', async () => {
    const t = await createTestApp();
    try {
      const seed = await seedWorkspace(t.operator);
      const document = `mutation ($project: ID!) {
        refused: createWorkspace(input: { slug: "Not A Slug", name: "x" }) { workspace { slug } userErrors { code field message } }
        filed: submitReport(input: { project: $project, title: "Kept", description: "d" }) { report { title status } userErrors { code } }
      }`;
      const asAdmin = await graphql(t.app, document, { project: String(seed.project.id) }, seed.adminToken);
      expect(asAdmin.errors).toBeUndefined();
      expect(asAdmin.data).toEqual({
        refused: { workspace: null, userErrors: [{ code: 'VALIDATION_FAILED', field: ['slug'], message: expect.stringMatching(/slug/) }] },
        filed: { report: { title: 'Kept', status: 'PENDING' }, userErrors: [] },
      });
      const anonymous = await graphql(t.app, document, { project: String(seed.project.id) });
      expect(anonymous.data).toEqual({ refused: null, filed: null });
      expect(anonymous.errors?.map((error) => error.extensions?.code)).toEqual(['unauthenticated', 'unauthenticated']);
      expect(await t.db.prisma.report.count({ where: { title: 'Kept' } })).toBe(1);
    } finally {
      await t.close();
    }
  });
});
