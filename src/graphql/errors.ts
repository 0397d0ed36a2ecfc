// The error catalogue in GraphQL: each mutation lists the errors it can return as userErrors
// (graphql/mutations.ts); anything else thrown from a resolver keeps its catalogue code in `extensions.code`.
import { GraphQLError } from 'graphql';
import {
  Conflict, DomainError, FeatureRestricted, Forbidden, NotFound, ValidationFailed,
} from '../errors.ts';
import { builder } from './builder.ts';

/** A user error as data (graphql-js would raise an Error instance found among the values). */
export interface UserErrorShape {
  code: string;
  message: string;
  field: string[] | null;
}

export const UserErrorInterface = builder.interfaceRef<UserErrorShape>('UserError').implement({
  description: 'Why a mutation changed nothing (named UserError so a generated client does not shadow the built-in Error). Each mutation’s own `…UserError` type adds the `code`s it can return.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'For a person: what went wrong and what to change.' }),
    field: t.exposeStringList('field', {
      nullable: true,
      description: 'The path into the mutation’s input this error is about (`["reportIds", "0"]`); null when it is about no one field.',
    }),
  }),
});

/** The catalogue errors a mutation can list as its userErrors: their codes, described for GraphiQL. */
const USER_ERROR_CODES = new Map<UserErrorClass, { code: string; description: string }>([
  [ValidationFailed, { code: 'validation_failed', description: 'An input is invalid; `field` names it.' }],
  [NotFound, { code: 'not_found', description: 'An object it names does not exist, or the caller may not see it.' }],
  [Forbidden, { code: 'forbidden', description: 'The caller may see the object but not do this.' }],
  [Conflict, { code: 'conflict', description: 'The object’s state does not allow it (already promoted, closed, taken).' }],
  [FeatureRestricted, { code: 'feature_restricted', description: 'The workspace does not have the module this needs.' }],
]);
export type UserErrorClass = typeof ValidationFailed | typeof NotFound | typeof Forbidden | typeof Conflict | typeof FeatureRestricted;
export const userErrorCode = (kind: UserErrorClass) => USER_ERROR_CODES.get(kind)!;

/** Errors of a mutation that writes: a bad input, an object unknown to the caller, a refusal. */
export const WRITE_ERRORS = [ValidationFailed, NotFound, Forbidden] as const;
/** … in a module a workspace may not have (reports, error tracking, test reports, task reports). */
export const MODULE_WRITE_ERRORS = [...WRITE_ERRORS, FeatureRestricted] as const;
/** … that can also find the object in a state that refuses it (closed, already promoted, edited meanwhile). */
export const STATEFUL_WRITE_ERRORS = [...MODULE_WRITE_ERRORS, Conflict] as const;

/** Yoga's maskError: catalogue errors keep message and code; everything else is masked. */
export function maskGraphQLError(error: unknown, message: string): Error {
  // Duck-typed: graphql may be loaded twice (ESM and CJS), so instanceof GraphQLError is unreliable.
  const wrapper = error as Partial<GraphQLError> & Error;
  const original = wrapper?.originalError ?? error;
  if (original instanceof DomainError) {
    return new GraphQLError(original.message, {
      nodes: wrapper.nodes,
      path: wrapper.path,
      extensions: {
        code: original.code,
        ...(original instanceof ValidationFailed ? { fields: original.fields } : {}),
      },
    });
  }
  if (isClientArgumentError(original)) {
    // Pothos refuses bad connection arguments (a garbled cursor, `first: -1`): the client's mistake.
    return new GraphQLError((original as Error).message, { nodes: wrapper.nodes, path: wrapper.path, extensions: { code: 'bad_request' } });
  }
  // Parse and validation errors, and Yoga's own request errors (a malformed `map`, variables that
  // are not JSON), are GraphQL errors of their own making: already worded for the client.
  if (wrapper?.name === 'GraphQLError' && !wrapper.originalError) return wrapper;
  if ((original as GraphQLError)?.extensions?.code === 'bad_request') return original as GraphQLError; // refused by a limit
  if (wrapper?.name === 'RangeError' && !('path' in wrapper) && /call stack/.test(wrapper.message)) {
    return new GraphQLError('The document nests too deeply to parse.', { extensions: { code: 'bad_request' } }); // a multipart `operations` the nesting check did not see
  }
  if (wrapper?.name === 'SyntaxError' && !('path' in wrapper)) {
    return new GraphQLError(`Malformed request parameters: ${wrapper.message}`, { extensions: { code: 'bad_request' } }); // e.g. GET variables that are not JSON
  }
  if (isVariableCoercionError(wrapper)) return new GraphQLError(wrapper.message, { nodes: wrapper.nodes, extensions: { code: 'bad_request' } });
  return new GraphQLError(message, { extensions: { code: 'internal' } });
}

const isClientArgumentError = (error: unknown): boolean => (error as Error | undefined)?.name === 'PothosValidationError';

/** A variable a scalar refused (e.g. a DateTime out of range): raised before execution, so no path. */
const isVariableCoercionError = (wrapper: Partial<GraphQLError> & Error): boolean =>
  !wrapper.path && /^Variable "\$/.test(wrapper.message) && ['GraphQLError', 'TypeError'].includes(wrapper.originalError?.name ?? '');

/** Did a resolver fail unexpectedly (a bug, or the database), as opposed to a refused input? */
export function isUnexpectedError(error: GraphQLError): boolean {
  const original = error.originalError;
  return Boolean(original) && !(original instanceof DomainError) && !isClientArgumentError(original) && !(original as GraphQLError).locations && !isVariableCoercionError(error);
}
