// Signed-in callers' queries run compiled by graphql-jit: the uncached 50-report board ran ~1.5x
// faster than in the interpreting executor (README, Footprint). Only where graphql-jit answers as
// graphql-js does; everything else keeps the interpreter:
// - queries only: mutations are not hot, and subscriptions keep graphql-js's stream semantics;
// - variables of scalar and enum types only: graphql-jit's own variable coercion does not apply
//   the default of a required input-object field (`autoFill: Boolean! = false` omitted is refused);
// - never for anonymous callers, so nobody without a token can make the server compile every
//   document they invent.
// Compiled code is kept per parsed document, so it is bounded by Yoga's parse cache.
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getNamedType, getOperationAST, isInputObjectType, typeFromAST, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './builder.ts';

const verdicts = new WeakMap<DocumentNode, Map<string | undefined, boolean>>();

function compilable(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): boolean {
  let byName = verdicts.get(document);
  if (!byName) verdicts.set(document, (byName = new Map()));
  let verdict = byName.get(operationName);
  if (verdict === undefined) {
    const operation = getOperationAST(document, operationName);
    verdict =
      operation?.operation === 'query' &&
      (operation.variableDefinitions ?? []).every((definition) => {
        const type = typeFromAST(schema, definition.type);
        return type !== undefined && !isInputObjectType(getNamedType(type));
      });
    byName.set(operationName, verdict);
  }
  return verdict;
}

export const compiledExecution = () =>
  // Typed for envelop's bare context; Yoga's plugin list wants its own.
  useGraphQlJit(
    {},
    {
      enableIf: ({ schema, document, operationName, contextValue }) =>
        (contextValue as GraphQLContext).principal.kind !== 'anonymous' && compilable(schema, document, operationName ?? undefined),
      // Compilation errors (an unknown operation name) are the result's errors, as graphql-js words them.
      onError: () => undefined,
    },
  ) as Plugin;
