// Read-heavy board pages are answered from a per-credential response cache. Results holding
// records whose changes are not announced (error groups, bug reports: ingest writes them
// thousands of times a second) are never cached. Every other change is announced by its domain
// service (announceChanged → `recordsChanged`, through Redis when REDIS_URL is set) by type and
// id, and each instance drops the cached results holding those records (a submission drops its
// project's board pages, not every tenant's); the TTL bounds anything else.
import { createInMemoryCache, useResponseCache } from '@envelop/response-cache';
import type { Principal } from '../auth/principal.ts';
import type { Services } from '../services.ts';
import { NEVER_CACHED } from '../modules/index.ts';
import type { GraphQLContext } from './builder.ts';
import { encodeGlobalId } from './node.ts';

/** Results are private to the credential that asked (its permissions shaped them). */
function sessionOf(principal: Principal): string {
  switch (principal.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'user':
      return principal.token ? `tok:${principal.token.id}` : `usr:${principal.user.id}`;
    default:
      return `tok:${principal.token.id}`;
  }
}

export function boardResponseCache(services: Services) {
  const cache = createInMemoryCache();
  const changes = services.pubsub.subscribe('recordsChanged')[Symbol.asyncIterator]();
  void (async () => {
    for (let next = await changes.next(); !next.done; next = await changes.next()) {
      // Cached results know their records by `id`, the global id; services announce database ids.
      await cache.invalidate(next.value.map(({ typename, id }) => (id === undefined ? { typename } : { typename, id: encodeGlobalId(typename, id) })));
    }
  })();
  services.onClose.push(async () => void (await changes.return?.()));
  return useResponseCache<GraphQLContext>({
    cache,
    ttl: services.config.graphqlCacheTtlMs,
    enabled: () => services.config.graphqlCacheTtlMs > 0,
    session: (context) => sessionOf(context.principal),
    ignoredTypes: [...NEVER_CACHED],
    // The library's default says the same but also console.warns on every result with errors,
    // which bypasses the server's logger (and a fuzzing client would fill stderr with it).
    shouldCacheResult: ({ result }) => !result.errors?.length,
  });
}
