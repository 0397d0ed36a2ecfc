// Capability URLs (upload PUTs, run report pages) are HMAC-signed with a key kept in the
// database: created by whichever instance needs it first, then shared by every instance.
import crypto from 'node:crypto';
import type { Db } from '../db/client.ts';

const keys = new WeakMap<object, Promise<Buffer>>();

/** The service's signing key (one row of ServerSecret, created on first use). */
export function signingKey(prisma: Db): Promise<Buffer> {
  let key = keys.get(prisma);
  if (!key) {
    key = (async () => {
      const name = 'url-signing';
      await prisma.serverSecret.createMany({ data: [{ name, value: crypto.randomBytes(32).toString('base64url') }], skipDuplicates: true });
      const row = await prisma.serverSecret.findUniqueOrThrow({ where: { name } });
      return Buffer.from(row.value, 'base64url');
    })();
    key.catch(() => keys.delete(prisma));
    keys.set(prisma, key);
  }
  return key;
}

const hmac = (key: Buffer, message: string) => crypto.createHmac('sha256', key).update(message).digest('base64url');

/** `expires` (unix seconds) and `signature` query values for a path. */
export function signPath(key: Buffer, path: string, expiresAt: Date): { expires: string; signature: string } {
  const expires = String(Math.floor(expiresAt.getTime() / 1000));
  return { expires, signature: hmac(key, `${path}\n${expires}`) };
}

export type SignatureCheck = 'valid' | 'expired' | 'forged';

/** Constant-time check of a signed path; expiry is checked only for a genuine signature. */
export function verifyPath(key: Buffer, path: string, expires: unknown, signature: unknown, now: Date): SignatureCheck {
  if (typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires)) return 'forged';
  const expected = Buffer.from(hmac(key, `${path}\n${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return 'forged';
  return Number(expires) * 1000 < now.getTime() ? 'expired' : 'valid';
}
