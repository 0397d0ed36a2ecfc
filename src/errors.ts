// The error catalogue: every expected failure is one of these codes. Domains throw them; each
// REST family (src/http/envelopes.ts) and GraphQL (src/graphql/errors.ts) map them once.

export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'token_expired'
  | 'forbidden'
  | 'feature_restricted'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'validation_failed'
  | 'payload_too_large'
  | 'request_timeout'
  | 'headers_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  token_expired: 401,
  forbidden: 403,
  feature_restricted: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  validation_failed: 422,
  payload_too_large: 413,
  request_timeout: 408,
  headers_too_large: 431,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** Field name → messages, Laravel-style; also what GraphQL's ValidationError carries. */
export type FieldErrors = Record<string, string[]>;

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  get status(): number {
    return HTTP_STATUS[this.code];
  }
}

export class BadRequest extends DomainError {
  readonly code = 'bad_request';
}
export class Unauthenticated extends DomainError {
  readonly code = 'unauthenticated';
  constructor(message = 'Unauthenticated.') {
    super(message);
  }
}
/** A token that was valid once (Raven's errors page lists TOKEN_EXPIRED apart from UNAUTHORIZED). */
export class TokenExpired extends DomainError {
  readonly code = 'token_expired';
  constructor() {
    super('Unauthenticated: the token has expired.');
  }
}
export class Forbidden extends DomainError {
  readonly code = 'forbidden';
  constructor(message = 'This action is unauthorized.') {
    super(message);
  }
}
export class FeatureRestricted extends DomainError {
  readonly code = 'feature_restricted';
  constructor(readonly feature: string) {
    super(`The ${feature} feature is not enabled for this workspace.`);
  }
}
export class NotFound extends DomainError {
  readonly code = 'not_found';
  constructor(readonly resource: string) {
    super(`${resource} not found.`);
  }
}
/** A documented path called with a method it does not answer; `allow` lists those it does. */
export class MethodNotAllowed extends DomainError {
  readonly code = 'method_not_allowed';
  constructor(readonly allow: readonly string[]) {
    super(`This method is not supported for this route. Supported methods: ${allow.join(', ')}.`);
  }
}
export class Conflict extends DomainError {
  readonly code = 'conflict';
}
export class ValidationFailed extends DomainError {
  readonly code = 'validation_failed';
  constructor(readonly fields: FieldErrors, message?: string) {
    super(message ?? firstFieldMessage(fields));
  }
  static field(field: string, message: string): ValidationFailed {
    return new ValidationFailed({ [field]: [message] });
  }
}
export class PayloadTooLarge extends DomainError {
  readonly code = 'payload_too_large';
}
/** The client took too long to send its request (see the HTTP limits in the README). */
export class RequestTimeout extends DomainError {
  readonly code = 'request_timeout';
}
export class HeadersTooLarge extends DomainError {
  readonly code = 'headers_too_large';
}
export class UnsupportedMediaType extends DomainError {
  readonly code = 'unsupported_media_type';
}
export class RateLimited extends DomainError {
  readonly code = 'rate_limited';
  constructor(readonly retryAfterSeconds: number, readonly limit: number) {
    super('Too Many Attempts.');
  }
}
export class Unavailable extends DomainError {
  readonly code = 'unavailable';
  constructor(message: string, readonly retryAfterSeconds = 5) {
    super(message);
  }
}
/** Anything unexpected; its message never reaches the client. */
export class Internal extends DomainError {
  readonly code = 'internal';
  constructor() {
    super('Server Error');
  }
}

function firstFieldMessage(fields: FieldErrors): string {
  const entries = Object.values(fields).flat();
  if (entries.length === 0) return 'The given data was invalid.';
  const more = entries.length - 1;
  return more > 0 ? `${entries[0]} (and ${more} more error${more > 1 ? 's' : ''})` : entries[0]!;
}
