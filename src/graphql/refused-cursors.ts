// A cursor is a client's text. Pothos decodes it (`GPC:N:2147483648`, `GPC:S:abc`) and hands the
// value to Prisma without checking it against the column, so a forged one reached the database and
// answered `internal`. Every connection field (any field with `after` or `before`) is wrapped
// here, once: when Prisma refuses the query that a cursor was given to, the cursor is refused as
// the client's mistake, worded as Pothos words a garbled one.
import SchemaBuilder, { BasePlugin, isThenable, PothosValidationError, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';

/** Prisma refusing a value it was given: of the wrong type (validation), or out of the column's range. */
const PRISMA_VALUE_ERRORS = new Set(['P2007', 'P2020', 'P2023', 'P2033']);
const isRefusedValue = (error: unknown): boolean => {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return name === 'PrismaClientValidationError' || (name === 'PrismaClientKnownRequestError' && PRISMA_VALUE_ERRORS.has(code ?? ''));
};

const refusal = (error: unknown, cursor: unknown): unknown => (isRefusedValue(error) ? new PothosValidationError(`Invalid cursor: ${String(cursor)}`) : error);

export class RefusedCursorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (!('after' in fieldConfig.args) && !('before' in fieldConfig.args)) return resolver;
    return (parent, args, context, info) => {
      const { after, before } = args as { after?: unknown; before?: unknown };
      const cursor = after ?? before;
      if (cursor == null) return resolver(parent, args, context, info);
      try {
        const result = resolver(parent, args, context, info);
        return isThenable(result)
          ? Promise.resolve(result).catch((error: unknown) => {
              throw refusal(error, cursor);
            })
          : result;
      } catch (error) {
        throw refusal(error, cursor);
      }
    };
  }
}

const pluginName = 'refusedCursors';
export default pluginName;
SchemaBuilder.registerPlugin(pluginName, RefusedCursorsPlugin);

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      refusedCursors: RefusedCursorsPlugin<Types>;
    }
  }
}
