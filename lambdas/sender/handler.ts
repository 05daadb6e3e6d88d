import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { deferralDelaySeconds, slotFitsBeforeDeadline } from '../contract/pacing-budget.js';
import { RETRIES_EXHAUSTED } from '../core/domain/retries-exhausted.js';
import type { SendRef } from '../core/domain/send-record.js';
import { logger } from '../core/observability/logger.js';
import type { DelayedMessage, MessageDelay } from '../core/queue/message-delay.js';
import { type EnqueueOptions, sendRefFromBody } from '../core/queue/send-queue.js';
import { type DeliveryDeps, deliverSend } from './deliver-send.js';
import { type RetryBackoff, retryDelaySeconds } from './retry-backoff.js';

export interface SenderHandlerDeps extends DeliveryDeps {
  /** The queue's maxReceiveCount: the receive after which SQS moves a failed message to the DLQ. */
  maxReceiveCount: number;
  /**
   * Growing delays before a retried message comes back (ChangeMessageVisibility). None: it comes back
   * after the queue's visibility timeout.
   */
  retryBackoff?: { backoff: RetryBackoff; messages: MessageDelay };
  /**
   * Where messages that pacing cannot fit before the invocation's deadline go back, as fresh messages
   * (the send queue). None: they are returned in batchItemFailures instead, and their next receive
   * counts towards the dead-letter queue like a failed one.
   */
  requeue?: { enqueue(refs: SendRef[], options: EnqueueOptions): Promise<void> };
}

/** What the handler reads of the Lambda context: the time left before Lambda stops the invocation. */
export type InvocationDeadline = Pick<Context, 'getRemainingTimeInMillis'>;

/** A record the handler had no time to send, with the send it refers to. */
interface DeferredRecord {
  record: SQSRecord;
  ref: SendRef;
}

const receiveCountOf = (record: SQSRecord) => Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1;

/**
 * The SQS-triggered sender. Records are handled one by one; a record that must be tried again is
 * reported in batchItemFailures and the others are acknowledged. Once SES refuses the account, the
 * rest of the batch goes back to the queue without calling SES again.
 *
 * A record that fails on its last allowed receive is about to be moved to the DLQ by SQS: its send is
 * marked ERROR "retries exhausted" now, so that no send stays QUEUED or SENDING, and the message is
 * still failed so that it lands on the DLQ, from where an operator can redrive it.
 *
 * A message returned for retry (a transient failure, or the account refused) is kept invisible for a
 * delay that grows with its receive count (retryBackoff), so that a throttled or paused SES gets
 * time to recover; the last receive is not delayed, as SQS moves it to the DLQ anyway.
 *
 * Pacing stops before the invocation's deadline (the Lambda context's remaining time): once the next
 * slot would leave less than SEND_RESERVE_MS, the records not yet handled are deferred, unclaimed, so
 * that Lambda does not kill the invocation mid-batch (which would return the whole batch, sends done
 * included, and count a receive against each). A deferral is not a failure: SQS counts every receive
 * and cannot return a message without its next receive counting, so deferred messages are put back as
 * fresh messages (requeue) with a delay until the slot they missed, and acknowledged; the claim is not
 * taken, so neither the send's attempts nor its status change. Only where putting them back fails (or
 * no requeue is given) are they returned in batchItemFailures, and then their next receive counts; on
 * a last receive such a message goes to the DLQ with its send still QUEUED, for the sweeper or a redrive.
 */
export function createSenderHandler(deps: SenderHandlerDeps) {
  const giveUpIfLast = async (record: SQSRecord, ref: SendRef, cause: { code: string; message: string }) => {
    const receives = receiveCountOf(record);
    if (receives < deps.maxReceiveCount) return;
    const moved = await deps.store.markError(
      ref,
      {
        code: RETRIES_EXHAUSTED.code,
        message: `${RETRIES_EXHAUSTED.message} after ${receives} deliveries; last error ${cause.code}: ${cause.message}`,
      },
      deps.clock(),
    );
    if (moved) deps.metrics.failed();
    logger.warn('send gave up after its last delivery', { sendId: ref.sendId, movedToError: moved });
  };

  const delayRetries = async (records: SQSRecord[]) => {
    if (!deps.retryBackoff || records.length === 0) return;
    const { backoff, messages } = deps.retryBackoff;
    const delayed: DelayedMessage[] = records.flatMap((record) => {
      const receives = receiveCountOf(record);
      const seconds = retryDelaySeconds(receives, backoff);
      return receives < deps.maxReceiveCount && seconds > 0
        ? [{ receiptHandle: record.receiptHandle, seconds }]
        : [];
    });
    if (delayed.length === 0) return;
    try {
      const refused = await messages.delay(delayed);
      if (refused > 0) logger.warn('SQS refused some retry delays', { refused });
    } catch (error) {
      // The message still comes back, after the queue's visibility timeout instead.
      logger.warn('could not delay retried messages', {
        error: error instanceof Error ? error : String(error),
      });
    }
  };

  /** Puts deferred messages back on the queue; returns those that must be failed instead. */
  const putBack = async (deferred: DeferredRecord[], waitMs: number): Promise<SQSRecord[]> => {
    if (deferred.length === 0) return [];
    deps.metrics.deferred(deferred.length);
    const delaySeconds = deferralDelaySeconds(waitMs);
    logger.info('no time left to pace the rest of the batch; deferring it', {
      deferred: deferred.length,
      nextSlotInMs: Math.round(waitMs),
      delaySeconds,
    });
    if (!deps.requeue) return deferred.map((d) => d.record);
    try {
      await deps.requeue.enqueue(
        deferred.map((d) => d.ref),
        { delaySeconds },
      );
      return [];
    } catch (error) {
      // Returned instead: they come back after the visibility timeout, one receive further on.
      logger.warn('could not put deferred messages back on the queue; returning them as failures', {
        error: error instanceof Error ? error : String(error),
      });
      return deferred.map((d) => d.record);
    }
  };

  /**
   * Whether the next record must wait for a slot that comes too late. Only a real SES call takes a slot:
   * with DRY_RUN on for the whole function, or without pacing or a deadline, nothing is deferred.
   */
  const slotTooLate = (deadline: InvocationDeadline | undefined): number | undefined => {
    if (!deadline || !deps.pacing || deps.dryRun) return undefined;
    const waitMs = deps.pacing.nextSlotInMs();
    return slotFitsBeforeDeadline(waitMs, deadline.getRemainingTimeInMillis()) ? undefined : waitMs;
  };

  return async (event: SQSEvent, context?: InvocationDeadline): Promise<SQSBatchResponse> => {
    const endInvocation = deps.pacing?.begin();
    try {
      return await handleBatch(event, context);
    } finally {
      endInvocation?.();
    }
  };

  async function handleBatch(
    event: SQSEvent,
    deadline: InvocationDeadline | undefined,
  ): Promise<SQSBatchResponse> {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    const retried: SQSRecord[] = [];
    const deferred: DeferredRecord[] = [];
    let deferredWaitMs = 0;
    let accountBlocked: { code: string; message: string } | undefined;
    for (const record of event.Records) {
      const ref = sendRefFromBody(record.body);
      if (ref === undefined) {
        // Retrying cannot make a foreign message readable: acknowledge it and leave a trace.
        logger.error('dropping a queue message that is not a send reference', {
          messageId: record.messageId,
        });
        continue;
      }
      const retry = async (cause: { code: string; message: string }) => {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        retried.push(record);
        await giveUpIfLast(record, ref, cause);
      };
      try {
        if (accountBlocked) {
          await retry(accountBlocked);
          continue;
        }
        // Once one slot is too late, every later one is too: the rest of the batch is deferred.
        const waitMs = deferred.length > 0 ? deferredWaitMs : slotTooLate(deadline);
        if (waitMs !== undefined) {
          deferredWaitMs = waitMs;
          deferred.push({ record, ref });
          continue;
        }
        const outcome = await deliverSend(ref, deps);
        if (outcome.kind === 'retry' || outcome.kind === 'account') {
          if (outcome.kind === 'account') accountBlocked = outcome.failure;
          logger.warn('send will be retried', {
            sendId: ref.sendId,
            code: outcome.failure.code,
            kind: outcome.failure.kind,
          });
          await retry(outcome.failure);
        } else if (outcome.kind === 'rejected') {
          logger.warn('send rejected', { sendId: ref.sendId, code: outcome.failure.code });
        }
      } catch (error) {
        logger.error('send failed unexpectedly; will be retried', {
          sendId: ref.sendId,
          error: error instanceof Error ? error : String(error),
        });
        if (!batchItemFailures.some((f) => f.itemIdentifier === record.messageId)) {
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
        const cause =
          error instanceof Error
            ? { code: error.name, message: error.message }
            : { code: 'Unknown', message: String(error) };
        await giveUpIfLast(record, ref, cause).catch(() => {});
      }
    }
    for (const record of await putBack(deferred, deferredWaitMs)) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    await delayRetries(retried);
    return { batchItemFailures };
  }
}
