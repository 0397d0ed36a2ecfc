// zod → catalogue: every domain validates its input with a zod schema and reports field errors.
import { z } from 'zod';
import { ValidationFailed, type FieldErrors } from './errors.ts';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true }); // tells missing from mistyped
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || 'body';
    (fields[key] ??= []).push(messageFor(key, issue));
  }
  throw new ValidationFailed(fields);
}

function messageFor(field: string, issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `The ${field} field is required.`;
  if (issue.code === 'invalid_type') return `The ${field} field must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}.`;
  if (issue.code === 'custom' && typeof issue.params?.maxChars === 'number') return `The ${field} field must not be greater than ${issue.params.maxChars} characters.`;
  if (issue.code === 'too_big' && issue.origin === 'string') return `The ${field} field must not be greater than ${issue.maximum} characters.`;
  if (issue.code === 'too_small' && issue.origin === 'string' && issue.minimum === 1) return `The ${field} field is required.`;
  return `The ${field} field is invalid: ${issue.message}`;
}

export const slugSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'lowercase letters, digits and dashes');

/**
 * A string of at most `max` characters, counted as Laravel counts them (code points, so an emoji
 * is one). The UTF-16 length is checked first: it is never smaller, and usually enough.
 */
export const maxChars = (max: number, schema: z.ZodString = z.string()) =>
  schema.refine((value) => value.length <= max || [...value].length <= max, { params: { maxChars: max } });
