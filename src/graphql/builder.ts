// The one Pothos builder: plugins, context, scalars. Each module's schema.ts adds its types;
// graphql/schema.ts imports them all and calls toSchema().
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import RefusedCursorsPlugin from './refused-cursors.ts';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver, NonNegativeIntResolver } from 'graphql-scalars';
import { isSensibleDate } from '../validation.ts';
import type PrismaTypes from '../generated/pothos-types.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import type { Principal } from '../auth/principal.ts';
import { isAdmin } from '../auth/permissions.ts';
import { Forbidden, Unauthenticated } from '../errors.ts';
import type { Actor, Services } from '../services.ts';
import type { Loaders } from '../loaders/index.ts';

export interface GraphQLContext extends Actor {
  services: Services;
  principal: Principal;
  loaders: Loaders;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  AuthScopes: { authenticated: boolean; admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    NonNegativeInt: { Input: number; Output: number };
    File: { Input: File; Output: never };
  };
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin, RefusedCursorsPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authScopes: (ctx) => ({ authenticated: ctx.principal.kind !== 'anonymous', admin: isAdmin(ctx.principal) }),
    unauthorizedError: (_parent, ctx, _info, result) =>
      ctx.principal.kind === 'anonymous' ? new Unauthenticated() : new Forbidden(result.message),
  },
  prisma: {
    client: (ctx) => ctx.services.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  // Every connection offers `nodes` beside `edges` (GRAPHQL.md).
  relay: { clientMutationId: 'omit', cursorType: 'String', nodesOnConnection: true },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { complexity: 5_000, depth: 12, breadth: 200 },
    complexityError: (kind, result) => {
      const measure = String(kind).toLowerCase() as 'depth' | 'breadth' | 'complexity';
      const limits = { depth: result.maxDepth, breadth: result.maxBreadth, complexity: result.maxComplexity };
      return new GraphQLError(`Query exceeds the maximum ${measure} (${measure}: ${result[measure]}, max: ${limits[measure]}).`, {
        extensions: { code: 'bad_request' },
      });
    },
  },
});

/** graphql-scalars' DateTime, refusing dates nobody means (see isSensibleDate). */
const sensible = (date: Date): Date => {
  if (!isSensibleDate(date)) throw new GraphQLError('DateTime must be between 1970-01-01 and 9999-12-31.');
  return date;
};
const BoundedDateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  parseValue: (value) => sensible(DateTimeResolver.parseValue(value) as Date),
  parseLiteral: (ast, variables) => sensible(DateTimeResolver.parseLiteral(ast, variables) as Date),
});
builder.addScalarType('DateTime', BoundedDateTime);
builder.addScalarType('JSON', JSONResolver);
builder.addScalarType('NonNegativeInt', NonNegativeIntResolver);
builder.scalarType('File', {
  description: 'A file uploaded with the GraphQL multipart request spec (handled natively by Yoga).',
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
});

builder.queryType({});
builder.mutationType({});
