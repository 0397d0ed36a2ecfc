// The error catalogue as GraphQL types: mutations list the ones they can return (plugin-errors);
// anything else thrown from a resolver keeps its catalogue code in `extensions.code`.
import { GraphQLError } from 'graphql';
import {
  Conflict, DomainError, FeatureRestricted, Forbidden, NotFound, RateLimited, Unauthenticated, ValidationFailed,
} from '../errors.ts';
import { builder } from './builder.ts';

export const UserErrorInterface = builder.interfaceRef<DomainError>('UserError').implement({
  description: 'An expected failure a mutation can return (named UserError so a generated client does not shadow the built-in Error). `code` is the stable catalogue code shared with the REST APIs.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

const FieldError = builder.objectRef<{ field: string; messages: string[] }>('FieldError').implement({
  fields: (t) => ({ field: t.exposeString('field'), messages: t.exposeStringList('messages') }),
});

builder.objectType(ValidationFailed, {
  name: 'ValidationError',
  interfaces: [UserErrorInterface],
  fields: (t) => ({
    fieldErrors: t.field({
      type: [FieldError],
      resolve: (error) => Object.entries(error.fields).map(([field, messages]) => ({ field, messages })),
    }),
  }),
});
builder.objectType(NotFound, { name: 'NotFoundError', interfaces: [UserErrorInterface] });
builder.objectType(Forbidden, { name: 'ForbiddenError', interfaces: [UserErrorInterface] });
builder.objectType(Conflict, { name: 'ConflictError', interfaces: [UserErrorInterface] });
builder.objectType(Unauthenticated, { name: 'UnauthenticatedError', interfaces: [UserErrorInterface] });
builder.objectType(FeatureRestricted, {
  name: 'FeatureRestrictedError',
  interfaces: [UserErrorInterface],
  fields: (t) => ({ feature: t.exposeString('feature') }),
});
builder.objectType(RateLimited, {
  name: 'RateLimitedError',
  interfaces: [UserErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

/** The usual set for a mutation that changes something in a project. */
export const MUTATION_ERRORS = [ValidationFailed, NotFound, Forbidden, Unauthenticated, FeatureRestricted, Conflict];

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
  return Boolean(original) && !(original instanceof DomainError) && !isClientArgumentError(original) && !(original as GraphQLError).locations;
}
