// Every request resolves to exactly one principal before any domain code runs. Domains receive
// the principal, never a header.
import type { ApiToken, Membership, User } from '../generated/prisma/client.ts';
import type { Prisma } from '../db/client.ts';
import type { Clock } from '../clock.ts';
import { TokenExpired, Unauthenticated } from '../errors.ts';
import { LRUCache } from 'lru-cache';
import type { Ability } from './abilities.ts';
import { hashSecret, looksLikeSecret } from './tokens.ts';

export type UserWithMemberships = User & { memberships: Membership[] };

export type Principal =
  | { kind: 'anonymous' }
  /** A person, via a personal token (or the local CLI operator, token null, who acts as admin). */
  | { kind: 'user'; user: UserWithMemberships; token: ApiToken | null; abilities: readonly string[] }
  /** A project token: one project; acts within its abilities and its owner's permissions. */
  | { kind: 'project-token'; token: ApiToken; projectId: number; owner: UserWithMemberships | null; abilities: readonly string[] }
  | { kind: 'workspace-token'; token: ApiToken; workspaceId: string; abilities: readonly string[] };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/**
 * Who a request counts against for rate limits and stream caps: a person (all their tokens
 * together), or a machine token together with the token that minted it — minting more tokens
 * must not multiply one actor's budget. Undefined for anonymous callers (counted by address).
 */
export function budgetKey(principal: Principal): string | undefined {
  switch (principal.kind) {
    case 'anonymous':
      return undefined;
    case 'user':
      return `usr:${principal.user.id}`;
    default:
      return `tok:${principal.token.parentTokenId ?? principal.token.id}`;
  }
}

export const hasAbility = (principal: Principal, ability: Ability): boolean =>
  principal.kind !== 'anonymous' && principal.abilities.includes(ability);

type TokenRow = ApiToken & { user: UserWithMemberships | null; createdBy: UserWithMemberships | null };
const TOKEN_INCLUDE = { user: { include: { memberships: true } }, createdBy: { include: { memberships: true } } } as const;

/**
 * Token lookups are cached briefly, misses too: hot ingest paths do not pay a query per request,
 * and a flood of made-up secrets does not become a flood of queries. The entries age by the domain
 * clock, so a test decides when they expire (a loaded machine cannot expire one mid-count).
 */
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;
/** lastUsedAt is written at most once a minute per token: an ingest burst must not become writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class PrincipalResolver {
  private cache: LRUCache<string, { row: TokenRow | null }>;
  /** lastUsedAt writes still in flight. */
  private writes = new Set<Promise<unknown>>();

  constructor(
    private prisma: Prisma,
    private clock: Clock,
  ) {
    // ttlResolution 0: lru-cache would otherwise reuse one reading of the clock until a timer clears it.
    this.cache = new LRUCache({ max: CACHE_MAX, ttl: CACHE_TTL_MS, ttlResolution: 0, perf: { now: () => clock.now().getTime() } });
  }

  /** Missing credential → anonymous; a credential that does not verify → 401, whatever the route. */
  async resolve(secret: string | undefined): Promise<Principal> {
    if (!secret) return ANONYMOUS;
    if (!looksLikeSecret(secret)) throw new Unauthenticated('Unauthenticated: the token is invalid.');
    const row = await this.tokenRow(hashSecret(secret));
    const now = this.clock.now();
    const principal = this.verified(row, now);
    this.touch(row!, now);
    return principal;
  }

  /** Drop cached verifications (after a revocation in this process). */
  forget(): void {
    this.cache.clear();
  }

  /**
   * The principal as it is now in the database (no cache): what a long-lived stream re-checks.
   * Throws Unauthenticated once the token is revoked or expired.
   */
  async refresh(principal: Principal): Promise<Principal> {
    if (principal.kind === 'anonymous' || !principal.token) return principal;
    const row = await this.prisma.apiToken.findUnique({ where: { id: principal.token.id }, include: TOKEN_INCLUDE });
    return this.verified(row, this.clock.now());
  }

  private verified(row: TokenRow | null, now: Date): Principal {
    if (!row) throw new Unauthenticated('Unauthenticated: the token is invalid.');
    if (row.revokedAt) throw new Unauthenticated('Unauthenticated: the token was revoked.');
    if (row.expiresAt && row.expiresAt <= now) throw new TokenExpired();
    return principalOf(row);
  }

  private async tokenRow(secretHash: string): Promise<TokenRow | null> {
    const cached = this.cache.get(secretHash);
    if (cached) return cached.row;
    const row = await this.prisma.apiToken.findUnique({ where: { secretHash }, include: TOKEN_INCLUDE });
    this.cache.set(secretHash, { row });
    return row;
  }

  private touch(row: TokenRow, now: Date): void {
    if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    row.lastUsedAt = now;
    // Fire and forget: bookkeeping must never fail or slow the request it describes.
    const write = this.prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } }).catch(() => {});
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /** Resolves once the lastUsedAt writes started so far have landed (before closing the database). */
  async settled(): Promise<void> {
    await Promise.all(this.writes);
  }
}

function principalOf(row: TokenRow): Principal {
  switch (row.kind) {
    case 'PERSONAL':
      if (!row.user) throw new Unauthenticated('Unauthenticated: the token has no user.');
      return { kind: 'user', user: row.user, token: row, abilities: row.abilities };
    case 'PROJECT':
      if (row.projectId === null) throw new Unauthenticated('Unauthenticated: the token has no project.');
      return { kind: 'project-token', token: row, projectId: row.projectId, owner: row.createdBy, abilities: row.abilities };
    case 'WORKSPACE':
      if (!row.workspaceId) throw new Unauthenticated('Unauthenticated: the token has no workspace.');
      return { kind: 'workspace-token', token: row, workspaceId: row.workspaceId, abilities: row.abilities };
  }
}

/** The local operator (CLI on this machine): full access, like the owner of the data directory. */
export function operatorPrincipal(): Principal {
  const now = new Date(0);
  const user: UserWithMemberships = {
    id: 'usr_operator', email: 'operator@localhost', name: 'Local operator', role: 'ADMIN',
    avatarUrl: null, createdAt: now, updatedAt: now, memberships: [],
  };
  return { kind: 'user', user, token: null, abilities: ['read', 'write'] };
}
