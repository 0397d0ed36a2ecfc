// Each REST family answers errors in its documented envelope. This is the one place that maps
// the error catalogue to bodies and statuses per family.
import { DomainError, HTTP_STATUS, MethodNotAllowed, RateLimited, Unavailable, ValidationFailed, FeatureRestricted, type ErrorCode } from '../errors.ts';

/**
 * kendo: Laravel-style `{message, errors}` (+ `feature_restricted: true`);
 * raven (bug reports): `{success:false, status, error:{code, message, details}}`;
 * kaizen: `{error:{code, message, details}}`; intake: our own routes, same shape as kaizen.
 */
export type ErrorFamily = 'kendo' | 'raven' | 'kaizen' | 'send' | 'intake' | 'graphql';

export interface ErrorReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const RAVEN_CODES: Record<ErrorCode, string> = {
  bad_request: 'INVALID_PARAMETER',
  unauthenticated: 'UNAUTHORIZED',
  token_expired: 'TOKEN_EXPIRED',
  forbidden: 'FORBIDDEN',
  feature_restricted: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  method_not_allowed: 'METHOD_NOT_ALLOWED',
  conflict: 'ALREADY_EXISTS',
  validation_failed: 'VALIDATION_ERROR',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  request_timeout: 'REQUEST_TIMEOUT',
  headers_too_large: 'HEADERS_TOO_LARGE',
  unsupported_media_type: 'UNSUPPORTED_MEDIA_TYPE',
  rate_limited: 'RATE_LIMITED',
  unavailable: 'SERVICE_UNAVAILABLE',
  internal: 'INTERNAL_ERROR',
};

function details(error: DomainError): Record<string, unknown> | undefined {
  if (error instanceof ValidationFailed) return { fields: error.fields };
  if (error instanceof RateLimited) {
    return { limit: error.limit, retry_after: error.retryAfterSeconds, reset_at: Math.ceil(Date.now() / 1000) + error.retryAfterSeconds };
  }
  if (error instanceof FeatureRestricted) return { feature: error.feature };
  return undefined;
}

export function errorReply(family: ErrorFamily, error: DomainError): ErrorReply {
  const status = HTTP_STATUS[error.code];
  const headers: Record<string, string> = {};
  if (error instanceof RateLimited || error instanceof Unavailable) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error instanceof MethodNotAllowed) headers.allow = error.allow.join(', ');
  switch (family) {
    case 'kendo': {
      // Sanctum answers every 401 alike, whatever the reason.
      const body: Record<string, unknown> = { message: status === 401 ? 'Unauthenticated.' : error.message };
      if (error instanceof ValidationFailed) body.errors = error.fields;
      if (error instanceof FeatureRestricted) body.feature_restricted = true;
      return { status, body, headers };
    }
    case 'raven':
      return {
        status,
        body: { success: false, status, error: { code: RAVEN_CODES[error.code], message: error.message, details: details(error) ?? {} } },
        headers,
      };
    case 'graphql':
      return { status, body: { errors: [{ message: error.message, extensions: { code: error.code, ...details(error) } }] }, headers };
    case 'kaizen':
      // Kaizen answers schema errors 400 with a JSON path per problem.
      if (error instanceof ValidationFailed) {
        const problems = Object.entries(error.fields).flatMap(([path, messages]) => messages.map((message) => ({ path: jsonPath(path), message })));
        return { status: 400, body: { error: { code: error.code, message: error.message, details: problems } }, headers };
      }
      return { status, body: { error: { code: error.code, message: error.message, details: details(error) ?? {} } }, headers };
    case 'send':
      // send.ai wraps everything in { payload }, with an `error` member beside it; invalid bodies are 400s.
      return {
        status: error instanceof ValidationFailed ? 400 : status,
        body: { payload: null, error: { code: error.code, message: error.message, details: details(error) ?? {} } },
        headers,
      };
    case 'intake':
      return { status, body: { error: { code: error.code, message: error.message, details: details(error) ?? {} } }, headers };
  }
}

/** `run.testCases.3.status` → `$.run.testCases[3].status`. */
const jsonPath = (key: string) => `$${key.split('.').map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('')}`;

/**
 * The raw bytes of an error answered before Fastify has a request (malformed HTTP, oversized
 * headers, timeouts), in the envelope of the URL's family when the request line was read, else our own.
 */
export function rawErrorResponse(error: DomainError, family: ErrorFamily = 'intake'): string {
  const { status, body } = errorReply(family, error);
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`;
}
const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large' };
