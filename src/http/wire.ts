// REST skins speak their API's wire names (kendo's snake_case); services speak the domain's
// camelCase. A skin declares the renames once: request bodies are translated in, and field
// errors (keys like `reportIds.0`, and the messages naming them) are translated back out.
import { ValidationFailed, type FieldErrors } from '../errors.ts';

export interface WireOptions {
  /**
   * Laravel's request pipeline (kendo): strings trimmed and empty ones null (TrimStrings,
   * ConvertEmptyStringsToNull), and messages naming a field as Laravel's attribute names do
   * (`exception_class` reads "exception class"; the error's key stays the wire name).
   */
  laravel?: boolean;
}

/** TrimStrings + ConvertEmptyStringsToNull, through nested arrays and objects (depth-bounded). */
function laravelValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map((item) => laravelValue(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, laravelValue(inner, depth + 1)]));
}

export function wireNames(wireToDomain: Record<string, string>, options: WireOptions = {}) {
  const domainToWire = Object.fromEntries(Object.entries(wireToDomain).map(([wire, domain]) => [domain, wire]));
  const domainPattern = new RegExp(`\\b(${Object.keys(domainToWire).join('|')})\\b`, 'g');
  const toWire = (text: string) => text.replace(domainPattern, (name) => domainToWire[name]!);

  /**
   * A body with its top-level wire names renamed. A domain name sent over the wire is dropped, so
   * the wire contract stays exact (`exceptionClass` is not `exception_class`); anything else is
   * passed on for the service to judge.
   */
  function toDomain(body: unknown): unknown {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
    return Object.fromEntries(
      Object.entries(options.laravel ? (laravelValue(body) as object) : body)
        .filter(([key]) => Object.hasOwn(wireToDomain, key) || !Object.hasOwn(domainToWire, key))
        .map(([key, value]) => [Object.hasOwn(wireToDomain, key) ? wireToDomain[key]! : key, value]),
    );
  }

  /** Runs a service call; its field errors come back in wire names. */
  async function inWireTerms<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      const fields: FieldErrors = {};
      for (const [key, messages] of Object.entries(error.fields)) {
        const wireKey = toWire(key);
        const attribute = options.laravel ? wireKey.replace(/_/g, ' ') : wireKey;
        fields[wireKey] = messages.map((message) => toWire(message).replaceAll(`The ${wireKey} `, `The ${attribute} `));
      }
      throw new ValidationFailed(fields);
    }
  }

  return { toDomain, inWireTerms };
}

/** An instant as the Kaizen and send.ai documents write them: ISO 8601 UTC, without zero milliseconds. */
export const isoInstant = (date: Date | null): string | null => date?.toISOString().replace(/\.000Z$/, 'Z') ?? null;
