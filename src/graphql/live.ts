// Live subscriptions outlast the request that opened them, so they are re-authorized while they
// run: on every event and at least every few seconds, against the database (not a cache). A
// revoked or expired token, or a lost permission, ends the stream with that error. Each
// credential may hold a bounded number of streams at once.
import { RateLimited } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import type { Actor, Services } from '../services.ts';

export const LIVE_RECHECK_MS = 5_000;

const openStreams = new WeakMap<Services, Map<string, number>>();

function credentialOf(principal: Principal): string {
  if (principal.kind === 'anonymous') return 'anonymous';
  if (principal.kind === 'user' && !principal.token) return `usr:${principal.user.id}`;
  return `tok:${principal.token!.id}`;
}

/**
 * `source`'s events while `authorize(freshActor)` keeps passing. `authorize` runs first (so a
 * refused caller never subscribes), before each event, and every `recheckMs` between. A plain
 * iterator rather than a generator: a generator could not be closed by the client while it
 * waits between events, and its slot would leak until the next one.
 */
export async function guardedStream<T>(
  actor: Actor,
  subscribe: () => AsyncIterable<T>,
  authorize: (fresh: Actor) => Promise<unknown>,
  recheckMs = LIVE_RECHECK_MS,
): Promise<AsyncIterableIterator<T>> {
  const { services } = actor;
  await authorize(actor);
  let counts = openStreams.get(services);
  if (!counts) openStreams.set(services, (counts = new Map()));
  const slots = counts;
  const key = credentialOf(actor.principal);
  const max = services.config.maxSubscriptionsPerPrincipal;
  if ((slots.get(key) ?? 0) >= max) throw new RateLimited(LIVE_RECHECK_MS / 1000, max);
  slots.set(key, (slots.get(key) ?? 0) + 1);

  const source = subscribe()[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    wake?.();
    const left = (slots.get(key) ?? 1) - 1;
    if (left <= 0) slots.delete(key);
    else slots.set(key, left);
    await source.return?.();
  };
  const done = { done: true, value: undefined } as IteratorResult<T>;
  const stream: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => stream,
    async next() {
      while (!closed) {
        pending ??= source.next();
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), recheckMs)));
        const stop = new Promise<'stop'>((resolve) => (wake = () => resolve('stop')));
        const next = await Promise.race([pending, tick, stop]);
        clearTimeout(timer);
        if (next === 'stop') break;
        try {
          await authorize({ services, principal: await services.principals.refresh(actor.principal) });
        } catch (error) {
          await close();
          throw error;
        }
        if (next === 'tick') continue;
        pending = undefined;
        if (next.done) await close();
        return next;
      }
      return done;
    },
    async return() {
      await close();
      return done;
    },
    async throw(error: unknown) {
      await close();
      throw error;
    },
  };
  return stream;
}
