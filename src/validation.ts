// zod → catalogue: every domain validates its input with a zod schema and reports field errors.
import { z } from 'zod';
import { ValidationFailed, type FieldErrors } from './errors.ts';
import { storableText } from './db/storable.ts';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const fields: FieldErrors = {};
  const data = collectInput(schema, input, fields);
  if (data === undefined) throw new ValidationFailed(fields);
  return data;
}

/**
 * The parsed input, or undefined with its problems added to `fields`: for a caller that checks
 * more than one thing (fields and files) and must report every problem of a request together.
 */
export function collectInput<S extends z.ZodType>(schema: S, input: unknown, fields: FieldErrors): z.output<S> | undefined {
  const result = schema.safeParse(input, { reportInput: true }); // tells missing from mistyped
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || 'body';
    (fields[key] ??= []).push(messageFor(key, issue));
  }
  return undefined;
}

/** zod's names of the kinds it expected, as a person (or a JSON document) says them. */
const EXPECTED_WORDS: Record<string, string> = {
  int: 'an integer', bigint: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false',
  object: 'an object', record: 'an object', map: 'an object', array: 'an array', tuple: 'an array', set: 'an array', date: 'a date',
};

/** Messages are for people, in Laravel's words; no library jargon reaches a client. */
function messageFor(field: string, issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return `The ${field} field is required.`;
      return `The ${field} field must be ${EXPECTED_WORDS[issue.expected] ?? `a ${issue.expected}`}.`;
    case 'custom':
      if (typeof issue.params?.message === 'string') return `The ${field} field ${issue.params.message}.`;
      if (typeof issue.params?.maxChars === 'number') return `The ${field} field must not be greater than ${issue.params.maxChars} characters.`;
      return `The ${field} field is invalid.`;
    case 'too_big':
      if (issue.origin === 'string') return `The ${field} field must not be greater than ${issue.maximum} characters.`;
      if (issue.origin === 'array') return `The ${field} field must not have more than ${issue.maximum} items.`;
      return `The ${field} field must not be greater than ${issue.maximum}.`;
    case 'too_small':
      if (issue.origin === 'string') return issue.minimum === 1 ? `The ${field} field is required.` : `The ${field} field must be at least ${issue.minimum} characters.`;
      if (issue.origin === 'array') return `The ${field} field must have at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}.`;
      return `The ${field} field must be at least ${issue.minimum}.`;
    case 'invalid_value':
      if (issue.input === undefined) return `The ${field} field is required.`;
      return `The selected ${field} is invalid (one of: ${issue.values.map(String).join(', ')}).`;
    case 'invalid_format':
      return `The ${field} field format is invalid.`;
    case 'unrecognized_keys':
      return `The ${field} field has unknown keys: ${issue.keys.join(', ')}.`;
    default:
      return `The ${field} field is invalid.`;
  }
}

/**
 * The items of a `String[]` column, made storable before Prisma sees them: Prisma writes list values
 * into its query itself and refuses a lone surrogate there ("unexpected end of hex escape"), before
 * the driver adapter (db/storable.ts) could replace it as it does in every other string.
 */
export const storableItems = (item: z.ZodType<string, string>) => z.array(item.transform(storableText));

/** The largest id an `int` column holds; anything past it is simply not an id of ours. */
export const MAX_INT32 = 2_147_483_647;
export const idSchema = z.number().int().positive().max(MAX_INT32);
/** Whether a value could be one of our `int` ids: a whole number from 1 to MAX_INT32. */
export const isDatabaseId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= MAX_INT32;

/**
 * Dates a person could mean: years 1970 through 9999. PostgreSQL refuses years past 294276 and
 * before 4713 BC, JavaScript's far ends sort first forever; neither is ever a real occurrence.
 */
export const EARLIEST_DATE = Date.UTC(1970, 0, 1);
export const LATEST_DATE = Date.UTC(10_000, 0, 1) - 1;
export const isSensibleDate = (date: Date): boolean => {
  const time = date.getTime();
  return Number.isFinite(time) && time >= EARLIEST_DATE && time <= LATEST_DATE;
};
/**
 * ISO 8601 as people write it: a year and month, a date, or a date-time (seconds and fraction
 * optional) with `Z`, an offset, or none — which is read as UTC, never the server's zone.
 * `Date`'s own parser takes "12" or "02/14/2025" too, so the shape is checked first.
 */
const ISO_DATE = /^\d{4}-\d{2}(?:-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?)?$/i;

/** The instant an ISO 8601 text names (see ISO_DATE), or an invalid Date. */
export function parseIsoDate(value: string): Date {
  const match = ISO_DATE.exec(value);
  if (!match) return new Date(Number.NaN);
  const hasTime = value.length > 10;
  const text = value.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  return new Date(hasTime && match[1] === undefined ? `${text}Z` : text.length === 7 ? `${text}-01` : text);
}

export const isoDateSchema = z
  .string()
  .max(64)
  .refine((value) => isSensibleDate(parseIsoDate(value)), { params: { message: 'must be an ISO 8601 date between 1970 and 9999' } });

/** How deep client-supplied JSON (bug-report context, metadata) may nest. */
export const MAX_JSON_DEPTH = 32;

/**
 * Does a JSON value nest deeper than `max`? Walked level by level without recursion (a hostile
 * value may nest 100,000 deep), item by item (a 200,000-element array must not be spread onto
 * the call stack).
 */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > max) return true;
    const next: unknown[] = [];
    for (const item of level) {
      if (item === null || typeof item !== 'object') continue;
      for (const child of Object.values(item)) if (child !== null && typeof child === 'object') next.push(child);
    }
    level = next;
  }
  return false;
}

/** A JSON object of at most MAX_JSON_DEPTH levels. */
export const jsonObjectSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => !jsonDepthExceeds(value, MAX_JSON_DEPTH), { params: { message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` } });

export const slugSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'lowercase letters, digits and dashes');

/**
 * A string of at most `max` characters, counted as Laravel counts them (code points, so an emoji
 * is one). The UTF-16 length is checked first: it is never smaller, and usually enough.
 */
export const maxChars = (max: number, schema: z.ZodString = z.string()) =>
  schema.refine((value) => value.length <= max || [...value].length <= max, { params: { maxChars: max } });
