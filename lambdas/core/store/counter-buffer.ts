import type { SendStatus } from '../domain/send-status.js';
import { logger } from '../observability/logger.js';
import type { CounterStore, StatusChanges } from './counter-store.js';
import { counterShardOf } from './item-keys.js';

interface PendingBatch {
  changes: Partial<StatusChanges>;
  /** The latest change noted: the counters' lastChangeAt. */
  latest: Date;
  expiresAt: number;
  /** The shard the sum goes to: that of the first send noted, so that concurrent writers spread. */
  shard: number;
}

/**
 * The counter moves of a sender invocation, summed per batch and written once at its end: a batch of
 * ten sends claimed and sent costs one counter write instead of twenty (QUEUED −10, SENT +10; SENDING
 * nets to nothing), which halves the sender's DynamoDB calls. Progress shows a change when the
 * invocation that made it ends, a few seconds later at most.
 *
 * The same contract as a direct move: the send's own write came first, and a count that is lost (the
 * invocation crashed before `flush`, or the write failed) leaves the counters behind until the sweeper
 * reconciles the batch. Concurrent invocations of one process (the local runner) share a buffer: each
 * `flush` takes whatever is pending, so every move is written exactly once.
 */
export class CounterBuffer {
  private pending = new Map<string, PendingBatch>();

  constructor(
    private readonly counters: Pick<CounterStore, 'add'>,
    /** Whether the moves mark the counters' lastChangeAt (the sender's do; SES's events do not). */
    private readonly options: { touchTime: boolean } = { touchTime: true },
  ) {}

  /** Notes one send's change of status; nothing is written until `flush`. */
  async move(
    batchId: string,
    sendId: string,
    from: SendStatus,
    to: SendStatus,
    now: Date,
    expiresAt: number,
  ): Promise<void> {
    if (from === to) return;
    let batch = this.pending.get(batchId);
    if (!batch) {
      batch = { changes: {}, latest: now, expiresAt, shard: counterShardOf(sendId) };
      this.pending.set(batchId, batch);
    }
    batch.changes[from] = (batch.changes[from] ?? 0) - 1;
    batch.changes[to] = (batch.changes[to] ?? 0) + 1;
    if (now > batch.latest) batch.latest = now;
  }

  /** Writes every pending sum, one counter write per batch; a failed write is logged, not thrown. */
  async flush(): Promise<void> {
    const batches = [...this.pending];
    this.pending = new Map();
    await Promise.all(
      batches.map(async ([batchId, batch]) => {
        try {
          await this.counters.add(
            batchId,
            batch.shard,
            batch.changes,
            batch.latest,
            batch.expiresAt,
            0,
            this.options.touchTime,
          );
        } catch (error) {
          logger.warn('status changes were not counted; the sweeper reconciles the batch', {
            batchId,
            changes: batch.changes,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
  }
}
