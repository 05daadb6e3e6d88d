import type { SQSRecord } from 'aws-lambda';
import { logger } from '../core/observability/logger.js';
import type { DelayedMessage, MessageDelay } from '../core/queue/message-delay.js';
import { type RetryBackoff, retryDelaySeconds } from './retry-backoff.js';
import { receiveCountOf } from './sqs-records.js';

/**
 * Growing delays before a retried message comes back (ChangeMessageVisibility), so that a throttled or
 * paused SES gets time to recover.
 */
export interface RetryDelays {
  backoff: RetryBackoff;
  messages: MessageDelay;
}

/**
 * Keeps each message returned for retry invisible for a delay that grows with its receive count. The
 * last receive is not delayed, as SQS moves it to the DLQ anyway. A delay that cannot be set is not an
 * error: the message still comes back, after the queue's visibility timeout instead.
 */
export async function delayRetries(
  delays: RetryDelays | undefined,
  maxReceiveCount: number,
  records: SQSRecord[],
): Promise<void> {
  if (!delays || records.length === 0) return;
  const delayed: DelayedMessage[] = records.flatMap((record) => {
    const receives = receiveCountOf(record);
    const seconds = retryDelaySeconds(receives, delays.backoff);
    return receives < maxReceiveCount && seconds > 0
      ? [{ receiptHandle: record.receiptHandle, seconds }]
      : [];
  });
  if (delayed.length === 0) return;
  try {
    const refused = await delays.messages.delay(delayed);
    if (refused > 0) logger.warn('SQS refused some retry delays', { refused });
  } catch (error) {
    logger.warn('could not delay retried messages', {
      error: error instanceof Error ? error : String(error),
    });
  }
}
