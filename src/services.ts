// What domain services share: configuration, database, blob store, pub/sub, clock, logger.
// Built once per process (or per test app) by buildApp; passed to every service call.
import type { FastifyBaseLogger } from 'fastify';
import { createPubSub } from 'graphql-yoga';
import type { Config } from './config.ts';
import type { Database, Prisma } from './db/client.ts';
import type { Clock } from './clock.ts';
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
  /** Called on close, in reverse order (redis connections, background jobs). */
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
