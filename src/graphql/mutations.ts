// Every mutation has one shape (GRAPHQL.md, Shopify's userErrors): `name(input: NameInput!):
// NamePayload`, the payload naming what changed (`issue`, `reports`, …) as it is after the change,
// and `userErrors: [NameUserError!]!`, whose `code` enum lists only the catalogue errors this
// mutation can return (Shopify's `ProductCreateUserError`). A DomainError outside that list (and
// any other failure) stays a top-level error with its catalogue code, so nothing is hidden; the
// payload is nullable so one failing mutation of a document does not null the others (GitHub's
// mutation fields are nullable too).
import type { InputFieldMap, InputShapeFromFields, SchemaTypes } from '@pothos/core';
import { DomainError, ValidationFailed } from '../errors.ts';
import { builder, type GraphQLContext } from './builder.ts';
import { userErrorCode, UserErrorInterface, type UserErrorClass, type UserErrorShape } from './errors.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T extends SchemaTypes> ? T : never;
/** What a mutation's `input` fields are declared with (for helpers that declare a shared field). */
export type MutationInputFields = PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>;
type PayloadField = { type: Parameters<PothosSchemaTypes.ObjectFieldBuilder<Types, unknown>['field']>[0]['type']; description: string };
type Outcome = { result: Record<string, unknown> | null; userErrors: UserErrorShape[] };

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** One user error per field message, so each names its input path (`field: ["reportIds", "0"]`). */
function userErrorsOf(error: DomainError): UserErrorShape[] {
  if (!(error instanceof ValidationFailed)) return [{ code: error.code, message: error.message, field: null }];
  return Object.entries(error.fields).flatMap(([field, messages]) => messages.map((message) => ({ code: error.code, message, field: field.split('.') })));
}

export function defineMutation<Fields extends InputFieldMap, Payload extends Record<string, PayloadField>>(
  name: string,
  spec: {
    description: string;
    input: (t: MutationInputFields) => Fields;
    /** The payload's fields, read from what `resolve` returns under the same names. */
    payload: Payload;
    /** The catalogue errors this mutation answers as `userErrors`. */
    errors: readonly UserErrorClass[];
    resolve: (input: InputShapeFromFields<Fields>, ctx: GraphQLContext) => Promise<{ [K in keyof Payload]: unknown }>;
  },
): void {
  const typeName = capitalize(name);
  const input = builder.inputType(`${typeName}Input`, { fields: spec.input });
  const codes = builder.enumType(`${typeName}ErrorCode`, {
    description: `What ${name} can answer in userErrors.`,
    values: Object.fromEntries(spec.errors.map(userErrorCode).map(({ code, description }) => [code.toUpperCase(), { value: code, description }])),
  });
  const userError = builder.objectRef<UserErrorShape>(`${typeName}UserError`).implement({
    description: `Why ${name} changed nothing.`,
    interfaces: [UserErrorInterface],
    fields: (t) => ({ code: t.field({ type: codes, description: 'The catalogue code, shared with the REST APIs.', resolve: (error) => error.code as never }) }),
  });
  const payload = builder.objectRef<Outcome>(`${typeName}Payload`).implement({
    fields: (t) => ({
      ...Object.fromEntries(
        Object.entries(spec.payload).map(([key, field]) => [
          key,
          t.field({ type: field.type as never, nullable: true, description: field.description, resolve: (outcome) => (outcome.result?.[key] ?? null) as never }),
        ]),
      ),
      userErrors: t.field({
        type: [userError],
        description: 'Why nothing changed; empty when the mutation succeeded.',
        resolve: (outcome) => outcome.userErrors as never,
      }),
    }),
  });
  builder.mutationField(name, (t) =>
    t.field({
      type: payload,
      nullable: true,
      description: spec.description,
      args: { input: t.arg({ type: input, required: true }) },
      resolve: async (_root, args, ctx): Promise<Outcome> => {
        try {
          return { result: await spec.resolve((args as { input: InputShapeFromFields<Fields> }).input, ctx), userErrors: [] };
        } catch (error) {
          if (!(error instanceof DomainError) || !spec.errors.some((kind) => error instanceof kind)) throw error;
          return { result: null, userErrors: userErrorsOf(error) };
        }
      },
    }),
  );
}
