import { normaliseEmail } from '../core/domain/email-address.js';
import { logger } from '../core/observability/logger.js';
import type { CounterStore } from '../core/store/counter-store.js';
import type { SendStore } from '../core/store/send-store.js';
import type { SuppressionStore } from '../core/store/suppression-store.js';

export interface UnsubscribeDeps {
  sends: Pick<SendStore, 'getSend' | 'markUnsubscribed'>;
  suppressions: Pick<SuppressionStore, 'addIfAbsent'>;
  counters: Pick<CounterStore, 'countUnsubscribe'>;
  clock: () => Date;
  /** How long the batch's counters are kept after its upload (RETENTION_DAYS). */
  retentionSeconds: number;
}

/**
 * - unknown: no such send (never, or expired with its batch's retention);
 * - unsubscribed: the address is on the suppression list (now, or already), the send says so.
 */
export type UnsubscribeOutcome = 'unknown' | 'unsubscribed';

/**
 * One recipient's unsubscribe through a send's link: its address goes on the suppression list as
 * UNSUBSCRIBED (unless it is there already: the first reason stands), the send notes when, and the
 * batch counts it once, on the write that noted it first. Every step is conditional, so a repeated
 * POST (a mail client retrying, a person clicking twice) changes nothing and answers the same, and a
 * POST that failed half-way completes what is missing when tried again.
 */
export async function recordUnsubscribe(sendId: string, deps: UnsubscribeDeps): Promise<UnsubscribeOutcome> {
  const send = await deps.sends.getSend(sendId);
  if (send === undefined) return 'unknown';
  const now = deps.clock();
  // The list first: it is what stops the next mail; the send's note and the count are the record of it.
  await deps.suppressions.addIfAbsent({
    email: normaliseEmail(send.email),
    reason: 'UNSUBSCRIBED',
    sourceSendId: send.sendId,
    sourceBatchId: send.batchId,
    addedAt: now.toISOString(),
  });
  const first = await deps.sends.markUnsubscribed(send.sendId, now);
  if (first) {
    const expiresAt = Math.floor(Date.parse(send.createdAt) / 1000) + deps.retentionSeconds;
    try {
      await deps.counters.countUnsubscribe(send.batchId, send.sendId, now, expiresAt);
    } catch (error) {
      // The recipient is unsubscribed all the same; only the batch's count is one behind.
      logger.warn('an unsubscribe was not counted', {
        batchId: send.batchId,
        sendId: send.sendId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  logger.info('recipient unsubscribed', { batchId: send.batchId, sendId: send.sendId, first });
  return 'unsubscribed';
}
