// Group commit for ingest paths: concurrent submissions are gathered while the previous batch
// commits (or for at most `maxWaitMs`), written by one `flush` (one transaction), and each
// submitter is answered only after that commit — with its own result, or with the batch's error.
// Nothing acknowledged is lost, and throughput is not bounded by one round trip per request.
import type { Services } from '../services.ts';

export interface GroupCommitOptions {
  /** Longest a lone submission waits for company before its batch is flushed. */
  maxWaitMs: number;
  /** A batch this large is flushed at once. */
  maxBatch: number;
}

interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class GroupCommit<T, R = void> {
  private queue: Pending<T, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    /** Writes a batch in one transaction; returns one result per item, in order (or nothing). */
    private readonly flush: (items: T[]) => Promise<R[] | void>,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Resolves with the item's result once it is committed; rejects if its batch failed. */
  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.options.maxWaitMs);
    });
  }

  /** Waits until everything submitted so far is committed (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      this.kick();
      await this.flushing;
    }
  }

  // One batch in flight at a time: while it commits, the next one fills up.
  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.flushing = this.flushIsolating(batch).finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  /**
   * Batches mix requests of every tenant, so one row the database refuses must not fail the
   * others: a failed batch (rolled back whole) is retried by halves until the culprit stands
   * alone, and only its submitter gets the error. Costs log2(batch) extra flushes per bad row.
   */
  private async flushIsolating(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await retryOnConflict(() => this.flush(batch.map((p) => p.item)));
      batch.forEach((p, i) => p.resolve(results?.[i] as R));
    } catch (error) {
      // Only a refused row is worth isolating; an outage or timeout would fail every half too.
      if (batch.length === 1 || !isRowError(error)) return batch.forEach((p) => p.reject(error));
      const middle = Math.ceil(batch.length / 2);
      await this.flushIsolating(batch.slice(0, middle));
      await this.flushIsolating(batch.slice(middle));
    }
  }
}

/** Tries after the first, when the database chose this batch's transaction to abort. */
const CONFLICT_RETRIES = 4;

/**
 * A deadlock (40P01) or serialization failure (40001) rolls the whole transaction back and says
 * nothing about its rows: the write (a batch, a finalize) runs again, a bounded number of times
 * with a short jittered pause, before anyone hears of it. `write` must be a whole transaction.
 */
export async function retryOnConflict<R>(write: () => Promise<R>): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= CONFLICT_RETRIES || !isConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, (5 + Math.random() * 20) * 2 ** attempt));
    }
  }
}

/** Prisma wraps a raw statement's SQLSTATE in P2010; the driver's code is among the causes. */
const isConflict = (error: unknown) => errorCodes(error).some((code) => code === '40P01' || code === '40001' || code === 'P2034');

/** Every code an error and its causes carry (Prisma's, the SQLSTATE the driver adapter reports). */
function errorCodes(error: unknown): string[] {
  type Coded = { code?: unknown; originalCode?: unknown; cause?: unknown; meta?: { code?: unknown; driverAdapterError?: unknown } };
  const codes: unknown[] = [];
  const queue: unknown[] = [error];
  for (let visited = 0; queue.length > 0 && visited < 10; visited++) {
    const e = queue.shift() as Coded | undefined;
    if (!e || typeof e !== 'object') continue;
    codes.push(e.code, e.originalCode, e.meta?.code);
    queue.push(e.cause, e.meta?.driverAdapterError);
  }
  return codes.filter((code): code is string => typeof code === 'string');
}

const TRANSIENT_PRISMA_CODES = ['P2024', 'P2028', 'P2034']; // pool timeout, transaction API/timeout, write conflict

/**
 * Did the database refuse a row's data (SQLSTATE class 22 data exception, 23 integrity
 * violation; Prisma's P2xxx request errors), as opposed to failing the whole batch (connection
 * lost, pool exhausted, transaction timeout)?
 */
export function isRowError(error: unknown): boolean {
  return !isConflict(error) && errorCodes(error).some((code) => /^2[23][0-9A-Z]{3}$/.test(code) || (/^P2\d{3}$/.test(code) && !TRANSIENT_PRISMA_CODES.includes(code)));
}

/**
 * A lazily created GroupCommit per app (per Services), drained when the app closes so that
 * everything acknowledged is committed before the database goes.
 */
export function groupCommitPerApp<T, R = void>(
  flush: (services: Services, items: T[]) => Promise<R[] | void>,
  options: GroupCommitOptions,
): (services: Services) => GroupCommit<T, R> {
  const queues = new WeakMap<Services, GroupCommit<T, R>>();
  return (services) => {
    let queue = queues.get(services);
    if (!queue) {
      const created = new GroupCommit<T, R>((items) => flush(services, items), options);
      services.onClose.push(() => created.drain());
      queues.set(services, (queue = created));
    }
    return queue;
  };
}
