// What one GraphQL operation may ask for, checked while validating (before anything runs), for
// every caller and on both the fast path and Yoga's: GraphQL Armor's limits on aliases, tokens,
// directives and depth, plus our own bound on introspection (one `__schema`, a few `__type` per
// document: GraphiQL needs one; thousands of aliased copies would freeze the event loop). The
// Pothos complexity plugin then prices the fields of our own types. A refused operation answers
// 400 with a message saying which limit it broke.
import { GraphQLError, type ValidationContext, type ASTVisitor } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';

export const GRAPHQL_LIMITS = {
  aliases: 30,
  /** Depth of our own types; introspection (GraphiQL's query nests ~13 `ofType`) is bounded below. */
  depth: 12,
  tokens: 3_000,
  directives: 20,
  schemaFields: 1,
  typeFields: 5,
} as const;

const refusal = (message: string) => new GraphQLError(message, { extensions: { code: 'bad_request' } });

/**
 * A document refused by a limit gets 400 whichever path served it (Yoga answers validation
 * errors 200 to application/json clients, as GraphQL over HTTP allows; a refusal is not that).
 * Refused means nothing came back: no data (a validation limit), or only nulls at the root (the
 * complexity limit, checked as the first root field runs). A partial result, say one field's bad
 * cursor beside data that arrived, stays 200 so that clients keep the data.
 */
export function isRefusedDocument(status: number, body: string): boolean {
  if (status !== 200 || !body.startsWith('{"errors":') || !body.includes('"code":"bad_request"')) return false;
  const { data } = JSON.parse(body) as { data?: Record<string, unknown> | null };
  return data == null || Object.values(data).every((value) => value === null);
}

function introspectionLimitRule(context: ValidationContext): ASTVisitor {
  let schemaFields = 0;
  let typeFields = 0;
  return {
    Field(node) {
      if (node.name.value === '__schema' && ++schemaFields === GRAPHQL_LIMITS.schemaFields + 1) {
        context.reportError(refusal(`Introspection is limited to ${GRAPHQL_LIMITS.schemaFields} __schema field per document.`));
      }
      if (node.name.value === '__type' && ++typeFields === GRAPHQL_LIMITS.typeFields + 1) {
        context.reportError(refusal(`Introspection is limited to ${GRAPHQL_LIMITS.typeFields} __type fields per document.`));
      }
    },
  };
}

// Reported as validation errors rather than thrown (a throw escapes validate() itself).
const armorRejection = { propagateOnRejection: false, exposeLimits: true };

/** Deepest bracket nesting any operation may have; graphql-js parses recursively. */
export const MAX_DOCUMENT_NESTING = 64;

/**
 * Does the document nest brackets deeper than `max`? A character scan (string contents skipped)
 * run before parsing: graphql-js recurses per level and would exhaust the stack on a few
 * thousand, before any token or depth limit could count them.
 */
export function nestingExceeds(document: string, max = MAX_DOCUMENT_NESTING): boolean {
  let depth = 0;
  for (let i = 0; i < document.length; i++) {
    const c = document[i];
    if (c === '"') {
      const block = document.startsWith('"""', i);
      const end = block ? blockStringEnd(document, i + 3) : stringEnd(document, i + 1);
      if (end < 0) return false; // unterminated: the parser will say so
      i = block ? end + 2 : end;
    } else if (c === '#') {
      while (i < document.length && document[i] !== '\n' && document[i] !== '\r') i++; // a comment ends at either
    } else if (c === '{' || c === '(' || c === '[') {
      if (++depth > max) return true;
    } else if (c === '}' || c === ')' || c === ']') {
      depth--;
    }
  }
  return false;
}

function stringEnd(document: string, from: number): number {
  for (let i = from; i < document.length; i++) {
    if (document[i] === '\\') i++;
    else if (document[i] === '"') return i;
  }
  return -1;
}

/** Where a block string's closing `"""` starts (`\"""` inside one is an escaped quote). */
function blockStringEnd(document: string, from: number): number {
  for (let i = from; i < document.length; i++) {
    if (document.startsWith('\\"""', i)) i += 3;
    else if (document.startsWith('"""', i)) return i;
  }
  return -1;
}

export function operationLimits(): Plugin[] {
  // Armor words its errors well ("Syntax Error: Aliases limit of 30 exceeded, found 100."); they only lack our code.
  const onReject = [
    (context: ValidationContext | null, error: GraphQLError) => {
      Object.assign(error.extensions, { code: 'bad_request' });
      context?.reportError(error);
    },
  ];
  return [
    maxAliasesPlugin({ ...armorRejection, onReject, n: GRAPHQL_LIMITS.aliases, allowList: [] }), // __typename aliases count too
    maxDepthPlugin({ ...armorRejection, onReject, n: GRAPHQL_LIMITS.depth, ignoreIntrospection: true }),
    // The token count is taken while parsing, where there is no validation context to report to:
    // refused by throwing, as a syntax error (with our code; a 400 either way).
    maxTokensPlugin({ ...armorRejection, propagateOnRejection: true, onReject, n: GRAPHQL_LIMITS.tokens }),
    maxDirectivesPlugin({ ...armorRejection, onReject, n: GRAPHQL_LIMITS.directives }),
    {
      onValidate: ({ addValidationRule }) => {
        addValidationRule(introspectionLimitRule);
        // graphql-js stops comparing a selection's fields past a bound (800 repeated `__typename`
        // do it) and says only "Validation aborted.": a refusal like the others, said plainly.
        return ({ result, setResult }) => {
          if (result.length === 1 && result[0]!.message === 'Validation aborted.' && !result[0]!.extensions.code) {
            setResult([refusal('The document repeats too many fields to validate; ask for each field once.')]);
          }
        };
      },
    },
  ] as Plugin[];
}
