import type { SendRecord, SendRef } from '../domain/send-record.js';
import type { SendStatus } from '../domain/send-status.js';
import { logger } from '../observability/logger.js';
import type { CounterStore } from './counter-store.js';
import type { EventResult, SendEventUpdate, SendStore } from './send-store.js';
import type { WriterStore } from './writer-store.js';

/**
 * The sends' status changes with their counting: each change the SendStore made (its conditional write
 * succeeded) moves the batch's counters from the status left to the status entered, and nothing else
 * does. The counter write comes second: when it fails (an outage, a crash in between), the send has
 * changed and the counters lag by one until the sweeper reconciles the batch (batch-progress.ts); the
 * failure is logged, never thrown, since the send itself is fine.
 */
export class CountedSends {
  constructor(
    private readonly sends: Pick<
      SendStore,
      'claim' | 'markSent' | 'markError' | 'markSuppressed' | 'markCancelled' | 'releaseClaim' | 'recordEvent'
    >,
    private readonly counters: Pick<CounterStore, 'move'>,
    private readonly writers: Pick<WriterStore, 'markSendingUnfinished'>,
    /** How long counters are kept after the batch's upload. */
    private readonly retentionSeconds: number,
  ) {}

  async claim(ref: SendRef, leaseId: string, now: Date, leaseMs: number): Promise<SendRecord | undefined> {
    const claimed = await this.sends.claim(ref, leaseId, now, leaseMs);
    if (!claimed) return undefined;
    await this.count(ref, claimed.from, 'SENDING', now);
    // A redriven send of a finished batch makes the batch unfinished again.
    if (claimed.from === 'ERROR') await this.writers.markSendingUnfinished(ref.batchId, ref.createdAt);
    return claimed.send;
  }

  async markSent(
    ref: SendRef,
    leaseId: string,
    sesMessageId: string,
    now: Date,
    options: { dryRun?: boolean } = {},
  ): Promise<boolean> {
    const moved = await this.sends.markSent(ref, leaseId, sesMessageId, now, options);
    if (moved) await this.count(ref, moved.from, 'SENT', now);
    return moved !== undefined;
  }

  async markError(
    ref: SendRef,
    error: { code: string; message: string },
    now: Date,
    leaseId?: string,
  ): Promise<boolean> {
    const moved = await this.sends.markError(ref, error, now, leaseId);
    if (moved) await this.count(ref, moved.from, 'ERROR', now);
    return moved !== undefined;
  }

  async markSuppressed(ref: SendRef, reason: string, now: Date, leaseId?: string): Promise<boolean> {
    const moved = await this.sends.markSuppressed(ref, reason, now, leaseId);
    if (moved) await this.count(ref, moved.from, 'SUPPRESSED', now);
    return moved !== undefined;
  }

  async markCancelled(ref: SendRef, now: Date, leaseId?: string): Promise<boolean> {
    const moved = await this.sends.markCancelled(ref, now, leaseId);
    if (moved) await this.count(ref, moved.from, 'CANCELLED', now);
    return moved !== undefined;
  }

  /** Writes an SES event's news on its send (SendStore.recordEvent) and counts its change of status. */
  async recordEvent(
    sendId: string,
    update: SendEventUpdate,
    now: Date,
    known?: SendRecord,
  ): Promise<EventResult> {
    const result = await this.sends.recordEvent(sendId, update, now, known);
    if (result.kind === 'recorded') await this.count(result.send, result.from, result.to, now);
    return result;
  }

  releaseClaim(ref: SendRef, leaseId: string, error: { code: string; message: string }, now: Date) {
    return this.sends.releaseClaim(ref, leaseId, error, now);
  }

  private async count(
    ref: Pick<SendRef, 'batchId' | 'sendId' | 'createdAt'>,
    from: SendStatus,
    to: SendStatus,
    now: Date,
  ): Promise<void> {
    const expiresAt = Math.floor(Date.parse(ref.createdAt) / 1000) + this.retentionSeconds;
    try {
      await this.counters.move(ref.batchId, ref.sendId, from, to, now, expiresAt);
    } catch (error) {
      logger.warn('a status change was not counted; the sweeper reconciles the batch', {
        batchId: ref.batchId,
        sendId: ref.sendId,
        from,
        to,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
