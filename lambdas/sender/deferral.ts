import type { Context, SQSRecord } from 'aws-lambda';
import { deferralDelaySeconds, slotFitsBeforeDeadline } from '../contract/pacing-budget.js';
import type { SendRef } from '../core/domain/send-record.js';
import { logger } from '../core/observability/logger.js';
import type { EnqueueOptions } from '../core/queue/send-queue.js';
import type { SendMetrics } from './send-metrics.js';
import type { SendPacing } from './send-pacing.js';

/** What the handler reads of the Lambda context: the time left before Lambda stops the invocation. */
export type InvocationDeadline = Pick<Context, 'getRemainingTimeInMillis'>;

/** A record the handler had no time to send, with the send it refers to. */
export interface DeferredRecord {
  record: SQSRecord;
  ref: SendRef;
}

/** Where deferred messages go back: the send queue, as fresh messages. */
export interface Requeue {
  enqueue(refs: SendRef[], options: EnqueueOptions): Promise<void>;
}

/**
 * How long the next SES slot is away when it comes too late for this invocation, or undefined when it
 * still fits. Only a real SES call takes a slot: with DRY_RUN on for the whole function, or without
 * pacing or a deadline, nothing is deferred.
 */
export function slotTooLate(
  pacing: SendPacing | undefined,
  dryRun: boolean | undefined,
  deadline: InvocationDeadline | undefined,
): number | undefined {
  if (!deadline || !pacing || dryRun) return undefined;
  const waitMs = pacing.nextSlotInMs();
  return slotFitsBeforeDeadline(waitMs, deadline.getRemainingTimeInMillis()) ? undefined : waitMs;
}

/**
 * Puts deferred messages back on the queue as fresh messages, delayed until the slot they missed, and
 * returns the records that must be failed instead: all of them without a requeue, or when putting them
 * back fails (they then come back after the visibility timeout, one receive further on).
 *
 * A deferral is not a failure: SQS counts every receive and cannot return a message without its next
 * receive counting, so a fresh message is what keeps a deferred send's receives untouched. The claim was
 * not taken, so neither the send's attempts nor its status change.
 */
export async function putBack(
  requeue: Requeue | undefined,
  metrics: Pick<SendMetrics, 'deferred'>,
  deferred: DeferredRecord[],
  waitMs: number,
): Promise<SQSRecord[]> {
  if (deferred.length === 0) return [];
  metrics.deferred(deferred.length);
  const delaySeconds = deferralDelaySeconds(waitMs);
  logger.info('no time left to pace the rest of the batch; deferring it', {
    deferred: deferred.length,
    nextSlotInMs: Math.round(waitMs),
    delaySeconds,
  });
  if (!requeue) return deferred.map((d) => d.record);
  try {
    await requeue.enqueue(
      deferred.map((d) => d.ref),
      { delaySeconds },
    );
    return [];
  } catch (error) {
    logger.warn('could not put deferred messages back on the queue; returning them as failures', {
      error: error instanceof Error ? error : String(error),
    });
    return deferred.map((d) => d.record);
  }
}
