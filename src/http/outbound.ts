// Signed outbound POSTs — webhook deliveries and task export hooks: the destination is refused
// when it resolves to a private, loopback or link-local address (checked at registration and
// again at each send: DNS rebinding) unless WEBHOOKS_ALLOW_PRIVATE=1; 5 s timeout; no redirects;
// `X-Intake-Signature` over the exact body.
import crypto from 'node:crypto';
import dns from 'node:dns/promises';
import net from 'node:net';
import { ValidationFailed } from '../errors.ts';
import type { Services } from '../services.ts';

export const OUTBOUND_TIMEOUT_MS = 5_000;

/** A receiver's signing secret (webhooks, export hooks), shown once. */
export const newSigningSecret = () => `whsec_${crypto.randomBytes(24).toString('base64url')}`;

const PRIVATE = new net.BlockList();
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::1', 128], ['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(network, prefix, 'ipv6');

/** May we send to this URL's host? A validation failure on `url` when it is private or does not resolve. */
export async function refusePrivateDestination(services: Services, url: string): Promise<void> {
  if (services.config.webhooksAllowPrivate) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [{ address: host, family: net.isIP(host) }] : await dns.lookup(host, { all: true }).catch(() => []);
  if (addresses.length === 0) throw ValidationFailed.field('url', `The host "${host}" does not resolve.`);
  for (const { address, family } of addresses) {
    const mapped = family === 6 && address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
    if (PRIVATE.check(mapped, net.isIP(mapped) === 6 ? 'ipv6' : 'ipv4')) {
      throw ValidationFailed.field('url', `The URL resolves to a private or local address (${address}); webhooks go to public hosts only.`);
    }
  }
}

/** `X-Intake-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export type SendOutcome = { status: number; failure: null } | { status: null; failure: 'timeout' | 'unreachable'; message: string };

/** POSTs a JSON body, signed with `secret`; the receiver's status, or why there was none. */
export async function postSigned(services: Services, url: string, secret: string, body: string, headers: Record<string, string>): Promise<SendOutcome> {
  try {
    await refusePrivateDestination(services, url);
    const response = await fetch(url, {
      method: 'POST',
      // Wall time, not the domain clock: receivers compare it with theirs.
      headers: { 'content-type': 'application/json', ...headers, 'x-intake-signature': signatureHeader(secret, body, new Date()) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(OUTBOUND_TIMEOUT_MS),
    });
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status, failure: null };
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') return { status: null, failure: 'timeout', message: error.message };
    return { status: null, failure: 'unreachable', message: error instanceof Error ? error.message : String(error) };
  }
}
