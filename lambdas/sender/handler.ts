import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { RETRIES_EXHAUSTED } from '../domain/retries-exhausted.js';
import type { SendRef } from '../domain/send-record.js';
import { logger } from '../observability/logger.js';
import type { DelayedMessage, MessageDelay } from '../queue/message-delay.js';
import { sendRefFromBody } from '../queue/send-queue.js';
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

  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const endInvocation = deps.pacing?.begin();
    try {
      return await handleBatch(event);
    } finally {
      endInvocation?.();
    }
  };

  async function handleBatch(event: SQSEvent): Promise<SQSBatchResponse> {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    const retried: SQSRecord[] = [];
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
    await delayRetries(retried);
    return { batchItemFailures };
  }
}
