// Signed-in callers' plain queries run compiled by graphql-jit: the uncached 50-report board ran
// ~1.5x faster than in the interpreting executor (README, Footprint). graphql-jit answers as
// graphql-js does only for part of the language, so a document is compiled only when it keeps to
// that part, and everything else runs interpreted (a review found each of these, and
// test/compiled-execution.test.ts holds one case each):
// - one operation, a query: graphql-jit keys compiled code by document, not operation name, and
//   subscriptions keep graphql-js's streams;
// - no directives: `@include`/`@skip` on a fragment spread drop fields of other spreads;
// - response keys without `_` (a leaf may start with `__`, as `__typename` and the response
//   cache's aliases do): graphql-jit names each field's resolve info by its path joined with `_`,
//   so `x: a { y_z: id }` and `z_x: b { y: id }` would share one, and one resolver would see the
//   other's parent type; no introspection fields;
// - variables of built-in scalar or enum types, without defaults, used only as a whole argument
//   (not inside an object or list literal, where graphql-jit puts null for an omitted variable
//   instead of the field's default); each request's variables are first coerced by graphql-js,
//   and any that it refuses run interpreted, so the error reads and is coded as always;
// - no string literals: graphql-jit writes literal arguments into the code it generates and turns
//   a marker text inside them into a `new Date(…)` expression unchecked, so a crafted string ran
//   as JavaScript on the server (found by review); strings reach compiled queries as variables;
// - the operation the request names (Yoga executes even when the name matches none);
// - never for anonymous callers, and only from a document's second use (GRAPHQL_COMPILE_AFTER_USES;
//   0 turns compiled execution off), so nobody makes the server compile documents they invent
//   one request at a time.
// A compiled result with errors, or a compiled query that throws, is dropped and the query runs
// again interpreted (queries only read), so every error is worded, located, coded, logged and masked exactly as graphql-js's:
// graphql-jit's own errors carry no locations and no original error.
import {
  getVariableValues, isEnumType, isScalarType, isSpecifiedScalarType, Kind, visit, BREAK,
  getNamedType, typeFromAST, type DocumentNode, type ExecutionArgs, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './builder.ts';

interface DocumentPlan {
  operation: OperationDefinitionNode | null; // null: runs interpreted
  uses: number;
  compiled?: CompiledQuery;
}

/** Per parsed document (Yoga's parse cache and the response cache reuse them), so it goes with them. */
const plans = new WeakMap<DocumentNode, DocumentPlan>();
/**
 * The plans holding compiled code, least recently used first. A compiled board document is ~42 KB
 * of heap, and the caches above hold up to a thousand documents each: past this many, the least
 * recently used plan drops its code (and compiles again from its next two uses).
 */
const MAX_COMPILED_DOCUMENTS = 100;
const compiledPlans = new Set<DocumentPlan>();

function touchCompiled(plan: DocumentPlan): void {
  compiledPlans.delete(plan);
  compiledPlans.add(plan);
  if (compiledPlans.size <= MAX_COMPILED_DOCUMENTS) return;
  const oldest = compiledPlans.values().next().value!;
  compiledPlans.delete(oldest);
  oldest.compiled = undefined;
  oldest.uses = 0;
}

function isPlainKey(key: string, isLeaf: boolean): boolean {
  const rest = isLeaf && key.startsWith('__') ? key.slice(2) : key;
  return !rest.includes('_');
}

/** The document's one query operation, when graphql-jit answers it as graphql-js would. */
function compilableOperation(schema: GraphQLSchema, document: DocumentNode): OperationDefinitionNode | null {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = operations.length === 1 ? operations[0]! : null;
  if (operation?.operation !== 'query') return null;
  const plainVariables = (operation.variableDefinitions ?? []).every((definition) => {
    const type = typeFromAST(schema, definition.type);
    const named = type && getNamedType(type);
    return !definition.defaultValue && named !== undefined && (isEnumType(named) || (isScalarType(named) && isSpecifiedScalarType(named)));
  });
  if (!plainVariables) return null;
  let plain = true;
  visit(document, {
    Directive() {
      plain = false;
      return BREAK;
    },
    StringValue() {
      plain = false;
      return BREAK;
    },
    Field(field) {
      const key = field.alias?.value ?? field.name.value;
      if (field.name.value === '__schema' || field.name.value === '__type' || !isPlainKey(key, !field.selectionSet)) {
        plain = false;
        return BREAK;
      }
      return undefined;
    },
    Variable(_node, _key, _parent, _path, ancestors) {
      if (ancestors.some((ancestor) => 'kind' in ancestor && (ancestor.kind === Kind.OBJECT || ancestor.kind === Kind.LIST))) {
        plain = false;
        return BREAK;
      }
      return undefined;
    },
  });
  return plain ? operation : null;
}

function planOf(schema: GraphQLSchema, document: DocumentNode): DocumentPlan {
  let plan = plans.get(document);
  if (!plan) plans.set(document, (plan = { operation: compilableOperation(schema, document), uses: 0 }));
  return plan;
}

/** Compiled runs since start (tests assert that compiled execution really ran). */
export const compiledRuns = { count: 0 };

function compiledFor(execution: ExecutionArgs, afterUses: number): CompiledQuery | null {
  const { schema, document, operationName } = execution;
  const variables = execution.variableValues as Record<string, unknown> | undefined;
  const plan = planOf(schema, document);
  if (!plan.operation || ++plan.uses < afterUses) return null;
  if (operationName != null && operationName !== plan.operation.name?.value) return null;
  if (getVariableValues(schema, plan.operation.variableDefinitions ?? [], variables ?? {}).errors) return null;
  if (!plan.compiled) {
    const compiled = compileQuery(schema, document);
    if (!isCompiledQuery(compiled)) {
      plan.operation = null;
      return null;
    }
    plan.compiled = compiled;
  }
  touchCompiled(plan);
  return plan.compiled;
}

export const compiledExecution = (afterUses: number): Plugin<GraphQLContext> => ({
  onExecute({ args, executeFn: interpret, setExecuteFn }) {
    if (afterUses === 0 || args.contextValue.principal.kind === 'anonymous') return;
    // The execute function is called with the document to run, which a later plugin (the
    // response cache) may have rewritten: decide on that one.
    setExecuteFn((execution) => {
      const compiled = compiledFor(execution, afterUses);
      if (!compiled) return interpret(execution);
      compiledRuns.count++;
      try {
        return Promise.resolve(compiled.query(execution.rootValue, execution.contextValue, execution.variableValues)).then(
          (result) => (result.errors?.length ? interpret(execution) : { data: result.data }),
          () => interpret(execution),
        );
      } catch {
        return interpret(execution);
      }
    });
  },
});
