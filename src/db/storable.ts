// What PostgreSQL can hold. `text` and `jsonb` refuse the NUL character, yet real clients send it
// (PHP names anonymous classes `class@anonymous\0/path/File.php:12$0`), so it is never an error:
// every string on its way into the database has NUL replaced by U+FFFD, the Unicode replacement
// character. Applied once, at the database boundary (a Prisma query extension, and the raw
// statements that bypass it), so no route, field or skin can forget it.

const NUL = /\u0000/g;
export const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * NUL becomes U+FFFD; so does a lone UTF-16 surrogate (`"\ud800"` is valid JSON, but neither
 * `text` nor `jsonb` can hold it).
 */
export const storableText = (text: string): string => {
  const withoutNul = text.includes('\u0000') ? text.replace(NUL, REPLACEMENT_CHARACTER) : text;
  return withoutNul.isWellFormed() ? withoutNul : withoutNul.toWellFormed();
};

/**
 * A copy of `value` with every string (and object key) storable. Values nested deeper than any
 * input validation lets through are left as they are rather than recursed into.
 */
export function storableValue<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((item) => storableValue(item, depth + 1)) as T;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // Date, Decimal, Buffer, Prisma's sentinels
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[storableText(key)] = storableValue(inner, depth + 1);
  return copy as T;
}
