// What domain services share: configuration, database, blob store, pub/sub, clock, logger.
// Built once per process (or per test app) by buildApp; passed to every service call.
import type { FastifyBaseLogger } from 'fastify';
import { createPubSub } from 'graphql-yoga';
import type { Config } from './config.ts';
import type { Database, Prisma } from './db/client.ts';
import type { Clock } from './clock.ts';
import { BlobStore } from './storage/blobs.ts';
import { PrincipalResolver, type Principal } from './auth/principal.ts';

/** Live events for subscriptions; add a topic here when a module publishes one. */
export type PubSubTopics = {
  reportQueueChanged: [projectId: number, payload: { projectId: number; reportId: number | null; change: string }];
  /** Kinds of record (GraphQL type names) that changed: cached GraphQL results holding them go. */
  recordsChanged: [typenames: string[]];
};

/** Tells every instance that records of these kinds changed (e.g. to drop cached board pages). */
export const announceChanged = (services: Pick<Services, 'pubsub'>, ...typenames: string[]): void =>
  services.pubsub.publish('recordsChanged', typenames);

export interface Services {
  config: Config;
  db: Database;
  prisma: Prisma;
  blobs: BlobStore;
  pubsub: ReturnType<typeof createPubSub<PubSubTopics>>;
  clock: Clock;
  principals: PrincipalResolver;
  log: FastifyBaseLogger;
  /** Called on close, in reverse order (redis connections, background jobs). */
  onClose: Array<() => Promise<void> | void>;
}

/** What every service method receives: who is asking, and the shared services. */
export interface Actor {
  services: Services;
  principal: Principal;
}
