// What domain services share: configuration, database, blob store, pub/sub, clock, logger.
// Built once per process (or per test app) by buildApp, or by the CLI, which must not load the
// HTTP and GraphQL layers to run one command (graphql-yoga alone takes ~0.6 s to import; its
// pub/sub is the small package it re-exports); passed to every service call.
import type { FastifyBaseLogger } from 'fastify';
import { createPubSub } from '@graphql-yoga/subscription';
import type { Config } from './config.ts';
import type { Database, Prisma } from './db/client.ts';
import { systemClock, type Clock } from './clock.ts';
import { BlobStore } from './storage/blobs.ts';
import { PrincipalResolver, type Principal } from './auth/principal.ts';
import type { QueueChange } from './modules/reports/service.ts';

/** Live events for subscriptions; add a topic here when a module publishes one. */
export type PubSubTopics = {
  reportQueueChanged: [projectId: number, payload: { projectId: number; reportId: number | null; change: QueueChange }];
  /** Records that changed: cached GraphQL results holding them go. */
  recordsChanged: [records: ChangedRecord[]];
};

/**
 * A changed record, by GraphQL type name and id — or a whole kind (no id) for rare changes that
 * reach everything (a feature switched, access granted).
 */
export interface ChangedRecord {
  typename: string;
  id?: string | number;
}

/**
 * Tells every instance that these records changed, so cached results holding them are dropped.
 * A list that gained or lost a member changed its parent: announce the parent (the Project of a
 * report queue), not just the member.
 */
export const announceChanged = (services: Pick<Services, 'pubsub'>, ...records: ChangedRecord[]): void =>
  services.pubsub.publish('recordsChanged', records);

export interface Services {
  config: Config;
  db: Database;
  prisma: Prisma;
  blobs: BlobStore;
  pubsub: ReturnType<typeof createPubSub<PubSubTopics>>;
  clock: Clock;
  principals: PrincipalResolver;
  log: FastifyBaseLogger;
  /** Called by closeServices, in reverse order (redis connections, background jobs). */
  onClose: Array<() => Promise<void> | void>;
  /** Tells this instance's queue worker that jobs were just committed (a no-op where none runs). */
  nudgeQueue: () => void;
  /** Requests this instance has received: the queue worker yields while they arrive fast. */
  requestsServed: number;
}

/** What every service method receives: who is asking, and the shared services. */
export interface Actor {
  services: Services;
  principal: Principal;
}

/** The shared services of one process (the server, or the CLI when no server holds the data). */
export async function createServices(config: Config, db: Database, log: FastifyBaseLogger, clock: Clock = systemClock): Promise<Services> {
  const principals = new PrincipalResolver(db.prisma, clock);
  // Last to run (closeServices runs them in reverse): the token bookkeeping of the final requests lands before the database closes.
  const onClose: Services['onClose'] = [() => principals.settled()];
  return {
    config,
    db,
    prisma: db.prisma,
    blobs: new BlobStore(config.storageDir),
    pubsub: await createEventPubSub(config, onClose),
    clock,
    principals,
    log,
    onClose,
    nudgeQueue: () => {},
    requestsServed: 0,
  };
}

/** Runs the services' close callbacks, the last registered first. */
export async function closeServices(services: Services): Promise<void> {
  for (const close of [...services.onClose].reverse()) await close();
}

/** In-process pub/sub by default; with REDIS_URL every instance sees every event. */
async function createEventPubSub(config: Config, onClose: Services['onClose']) {
  if (!config.redisUrl) return createPubSub<PubSubTopics>();
  const { Redis } = await import('ioredis');
  const { createRedisEventTarget } = await import('@graphql-yoga/redis-event-target');
  const publishClient = new Redis(config.redisUrl);
  const subscribeClient = new Redis(config.redisUrl);
  onClose.push(() => {
    publishClient.disconnect();
    subscribeClient.disconnect();
  });
  return createPubSub<PubSubTopics>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
}
