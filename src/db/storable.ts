// What PostgreSQL can hold. `text` and `jsonb` refuse the NUL character, yet real clients send it
// (PHP names anonymous classes `class@anonymous\0/path/File.php:12$0`), so it is never an error:
// every string on its way into the database has NUL replaced by U+FFFD, the Unicode replacement
// character. Applied once, at the database boundary: Prisma's driver adapter, which every
// statement Prisma sends crosses with its parameters typed (`storableAdapter`), so no route,
// field or skin can forget it. Raw SQL through Prisma gets its strings made storable there too,
// but JSON it passes arrives typed as plain text: such a caller applies `storableValue` itself,
// as does SQL written outside Prisma.
import type { ArgType, SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';

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

/** Arrays and plain objects are copied; Date, Decimal, Buffer and Prisma's sentinels pass as they are. */
const isCopied = (value: unknown): value is object => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
};

/**
 * A copy of `value` with every string (and object key) storable, however deep: it walks with a
 * stack of its own, not by recursion (a kensho case nests 64 steps, two JSON levels each, and the
 * attachment meta inside them). `value` is data read from JSON, so it has no cycles.
 */
export function storableValue<T>(value: T): T {
  const pending: Array<[object, object]> = [];
  const storable = (inner: unknown): unknown => {
    if (typeof inner === 'string') return storableText(inner);
    if (!isCopied(inner)) return inner;
    const copy = Array.isArray(inner) ? [] : {};
    pending.push([inner, copy]);
    return copy;
  };
  const root = storable(value);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [source, copy] = next;
    if (Array.isArray(source)) for (const item of source) (copy as unknown[]).push(storable(item));
    else {
      for (const [key, inner] of Object.entries(source)) {
        const storableKey = storableText(key);
        // A `__proto__` key (JSON.parse makes it an own property) must stay a key, not set the prototype.
        if (storableKey === '__proto__') Object.defineProperty(copy, storableKey, { value: storable(inner), enumerable: true, writable: true, configurable: true });
        else (copy as Record<string, unknown>)[storableKey] = storable(inner);
      }
    }
  }
  return root as T;
}

/**
 * JSON text made storable. Prisma hands `Json` parameters to the driver as text, where a NUL or a
 * lone surrogate can only appear as an escape (`\u0000`, `\ud800`), which jsonb refuses; text
 * without such an escape is passed on untouched, so the common case costs one scan.
 */
export function storableJsonText(text: string): string {
  if (!/\\u(?:0000|d[89a-f])/i.test(text)) return text;
  return JSON.stringify(storableValue(JSON.parse(text)));
}

function storableArg(arg: unknown, type: ArgType | undefined): unknown {
  if (typeof arg === 'string') return type?.scalarType === 'json' ? storableJsonText(arg) : storableText(arg);
  if (Array.isArray(arg)) return arg.map((item) => storableArg(item, type));
  return arg;
}

const storableQuery = (query: SqlQuery): SqlQuery => ({ ...query, args: query.args.map((arg, i) => storableArg(arg, query.argTypes[i])) });

type Method = (...args: never[]) => unknown;

/** `target` with the named methods wrapped; its other methods and properties as they are. */
function wrapMethods<T extends object>(target: T, wrappers: Record<string, (method: Method) => Method>): T {
  return new Proxy(target, {
    get(object, key) {
      const value = Reflect.get(object, key, object) as unknown;
      if (typeof value !== 'function') return value;
      const method = (value as Method).bind(object);
      const wrap = typeof key === 'string' && Object.hasOwn(wrappers, key) ? wrappers[key] : undefined;
      return wrap ? wrap(method) : method;
    },
  });
}

/** `queryable` with the parameters of every statement it runs made storable (and so its transactions'). */
function storableQueryable<T extends SqlDriverAdapter | Transaction>(queryable: T): T {
  const storableRun = (run: Method) => (query: SqlQuery) => (run as (query: SqlQuery) => unknown)(storableQuery(query));
  return wrapMethods(queryable, {
    queryRaw: storableRun,
    executeRaw: storableRun,
    startTransaction: (start) => async (...args: never[]) => storableQueryable((await start(...args)) as Transaction),
  });
}

/**
 * Prisma's driver adapter with every parameter of every statement made storable. A query extension
 * did this before, on the arguments of every model operation; it cost the uncached board 10–15%
 * of its throughput, this one scan of the parameters (`bench/board-query.ts`).
 */
export function storableAdapter(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return wrapMethods(factory, { connect: (connect) => async () => storableQueryable((await connect()) as SqlDriverAdapter) });
}
