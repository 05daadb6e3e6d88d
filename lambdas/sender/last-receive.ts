import type { SQSRecord } from 'aws-lambda';
import { RETRIES_EXHAUSTED } from '../core/domain/retries-exhausted.js';
import type { SendRef } from '../core/domain/send-record.js';
import { logger } from '../core/observability/logger.js';
import type { CountedSends } from '../core/store/counted-sends.js';
import type { SendMetrics } from './send-metrics.js';
import { receiveCountOf } from './sqs-records.js';

export interface LastReceiveDeps {
  sends: Pick<CountedSends, 'markError'>;
  clock: () => Date;
  metrics: Pick<SendMetrics, 'failed'>;
  /** The queue's maxReceiveCount: the receive after which SQS moves a failed message to the DLQ. */
  maxReceiveCount: number;
}

/**
 * A record that fails on its last allowed receive is about to be moved to the DLQ by SQS: its send is
 * marked ERROR "retries exhausted" now, so that no send stays QUEUED or SENDING, while the message
 * itself is still failed so that it lands on the DLQ, from where an operator can redrive it.
 */
export async function giveUpOnLastReceive(
  deps: LastReceiveDeps,
  record: SQSRecord,
  ref: SendRef,
  cause: { code: string; message: string },
): Promise<void> {
  const receives = receiveCountOf(record);
  if (receives < deps.maxReceiveCount) return;
  const moved = await deps.sends.markError(
    ref,
    {
      code: RETRIES_EXHAUSTED.code,
      message: `${RETRIES_EXHAUSTED.message} after ${receives} deliveries; last error ${cause.code}: ${cause.message}`,
    },
    deps.clock(),
  );
  if (moved) deps.metrics.failed();
  logger.warn('send gave up after its last delivery', { sendId: ref.sendId, movedToError: moved });
}
