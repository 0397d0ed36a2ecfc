// Live subscriptions outlast the request that opened them, so they are re-authorized while they
// run: on every event and at least every few seconds, with the token and memberships read from
// the database (project feature flags from their 5 s cache). A revoked or expired token, or a
// lost permission, ends the stream with that error. Each person (or machine token family) may
// hold a bounded number of streams at once.
import { RateLimited } from '../errors.ts';
import { budgetKey } from '../auth/principal.ts';
import { PerKeyLimit } from '../http/per-key-limit.ts';
import type { Actor, Services } from '../services.ts';

const openStreams = new WeakMap<Services, PerKeyLimit>();

/**
 * `source`'s events while `authorize(freshActor)` keeps passing. `authorize` runs first (so a
 * refused caller never subscribes), before each event, and every `config.liveRecheckMs` between. A plain
 * iterator rather than a generator: a generator could not be closed by the client while it
 * waits between events, and its slot would leak until the next one.
 */
export async function guardedStream<T>(
  actor: Actor,
  subscribe: () => AsyncIterable<T>,
  authorize: (fresh: Actor) => Promise<unknown>,
): Promise<AsyncIterableIterator<T>> {
  const { services } = actor;
  const recheckMs = services.config.liveRecheckMs;
  await authorize(actor);
  const streams = openStreams.get(services) ?? new PerKeyLimit(services.config.maxSubscriptionsPerPrincipal);
  openStreams.set(services, streams);
  const key = budgetKey(actor.principal) ?? 'anonymous';
  if (!streams.tryTake(key)) throw new RateLimited(Math.ceil(recheckMs / 1000), streams.max);

  const source = subscribe()[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    wake?.();
    streams.release(key);
    await source.return?.();
  };
  const done = { done: true, value: undefined } as IteratorResult<T>;
  const stream: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => stream,
    async next() {
      while (!closed) {
        pending ??= source.next().catch(async (error: unknown) => {
          await close(); // the source failed: free the slot, end the stream with its error
          throw error;
        });
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
