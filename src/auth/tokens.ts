// Token secrets: minted from 32 random bytes, shown once, stored only as sha256.
import crypto from 'node:crypto';
import { Unauthenticated } from '../errors.ts';
import type { TokenKind } from '../generated/prisma/enums.ts';

const KIND_TAG: Record<TokenKind, string> = { PROJECT: 'prj', WORKSPACE: 'ws', PERSONAL: 'pat' };
/** Every secret starts `intake_<kind>_`, so leaked tokens are recognisable by secret scanners. */
const SECRET_PATTERN = /^intake_(prj|ws|pat)_[A-Za-z0-9_-]{43}$/;

export interface MintedSecret {
  secret: string;
  secretHash: string;
  /** Safe to display and store: enough to tell tokens apart, useless to an attacker. */
  prefix: string;
}

export function mintSecret(kind: TokenKind): MintedSecret {
  const secret = `intake_${KIND_TAG[kind]}_${crypto.randomBytes(32).toString('base64url')}`;
  return { secret, secretHash: hashSecret(secret), prefix: secret.slice(0, secret.indexOf('_', 7) + 5) };
}

export const hashSecret = (secret: string): string => crypto.createHash('sha256').update(secret).digest('hex');
export const looksLikeSecret = (value: string): boolean => SECRET_PATTERN.test(value);

/**
 * The bearer credential of an Authorization header, or undefined when there is none. Any other
 * shape (a bare token, another scheme) is refused like a wrong token: every documented client
 * sends `Bearer <token>`, and Sanctum reads nothing else.
 */
export function bearerFrom(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new Unauthenticated('Unauthenticated: the Authorization header must read "Bearer <token>".');
  return match[1];
}
