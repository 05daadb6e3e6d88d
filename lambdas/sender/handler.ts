import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SendRef } from '../core/domain/send-record.js';
import { logger } from '../core/observability/logger.js';
import { sendRefFromBody } from '../core/queue/send-queue.js';
import type { CounterBuffer } from '../core/store/counter-buffer.js';
import {
  type DeferredRecord,
  type InvocationDeadline,
  putBack,
  type Requeue,
  slotTooLate,
} from './deferral.js';
import { type DeliveryDeps, deliverSend } from './deliver-send.js';
import { giveUpOnLastReceive } from './last-receive.js';
import { delayRetries, type RetryDelays } from './retry-delays.js';

export type { InvocationDeadline } from './deferral.js';

export interface SenderHandlerDeps extends DeliveryDeps {
  /** The queue's maxReceiveCount: the receive after which SQS moves a failed message to the DLQ. */
  maxReceiveCount: number;
  /** Delays before retried messages come back. None: after the queue's visibility timeout. */
  retryBackoff?: RetryDelays;
  /**
   * Where messages that pacing cannot fit before the invocation's deadline go back, as fresh messages
   * (the send queue). None: they are returned in batchItemFailures instead, and their next receive
   * counts towards the dead-letter queue like a failed one.
   */
  requeue?: Requeue;
  /**
   * Where the invocation's counter moves wait (counter-buffer.ts), written when it ends. None: each move
   * is written as it is made.
   */
  counts?: Pick<CounterBuffer, 'flush'>;
}

type Cause = { code: string; message: string };

/** What one invocation decided about its records, gathered as it goes through them. */
class BatchDecisions {
  private readonly failed = new Set<string>();
  /** Records returned for retry after a failure: they get the retry back-off. */
  readonly retried: SQSRecord[] = [];
  readonly deferred: DeferredRecord[] = [];
  /** Records whose batch's own pace had no slot for them in time, with the longest wait among them. */
  readonly paced: DeferredRecord[] = [];
  pacedWaitMs = 0;
  /** How far away the first slot that was too late is: the delay of every deferred message. */
  deferredWaitMs = 0;
  /** Set once SES refused the account: the rest of the batch goes back without an SES call. */
  accountBlocked: Cause | undefined;

  fail(record: SQSRecord): void {
    this.failed.add(record.messageId);
  }

  response(): SQSBatchResponse {
    return { batchItemFailures: [...this.failed].map((itemIdentifier) => ({ itemIdentifier })) };
  }
}

/**
 * The SQS-triggered sender. Records are handled one by one; a record that must be tried again is
 * reported in batchItemFailures and the others are acknowledged. Once SES refuses the account, the
 * rest of the batch goes back to the queue without calling SES again.
 *
 * A record that fails on its last allowed receive has its send marked ERROR "retries exhausted"
 * (last-receive.ts). A message returned for retry is kept invisible for a growing delay
 * (retry-delays.ts). Pacing stops before the invocation's deadline: once the next slot would leave
 * less than SEND_RESERVE_MS, the records not yet handled are deferred, unclaimed, and put back on the
 * queue as fresh messages (deferral.ts), so that Lambda does not kill the invocation mid-batch (which
 * would return the whole batch, sends done included, and count a receive against each).
 */
export function createSenderHandler(deps: SenderHandlerDeps) {
  return async (event: SQSEvent, context?: InvocationDeadline): Promise<SQSBatchResponse> => {
    const endInvocation = deps.pacing?.begin();
    try {
      const decisions = new BatchDecisions();
      for (const record of event.Records) await handleRecord(deps, decisions, record, context);
      for (const [records, waitMs] of [
        [decisions.deferred, decisions.deferredWaitMs],
        [decisions.paced, decisions.pacedWaitMs],
      ] as const) {
        for (const record of await putBack(deps.requeue, deps.metrics, records, waitMs))
          decisions.fail(record);
      }
      await delayRetries(deps.retryBackoff, deps.maxReceiveCount, decisions.retried);
      return decisions.response();
    } finally {
      await deps.counts?.flush();
      endInvocation?.();
    }
  };
}

async function handleRecord(
  deps: SenderHandlerDeps,
  decisions: BatchDecisions,
  record: SQSRecord,
  deadline: InvocationDeadline | undefined,
): Promise<void> {
  const ref = sendRefFromBody(record.body);
  if (ref === undefined) {
    // Retrying cannot make a foreign message readable: acknowledge it and leave a trace.
    logger.error('dropping a queue message that is not a send reference', { messageId: record.messageId });
    return;
  }
  try {
    if (decisions.accountBlocked) {
      await retry(deps, decisions, record, ref, decisions.accountBlocked);
      return;
    }
    // Once one slot is too late, every later one is too: the rest of the batch is deferred.
    const waitMs =
      decisions.deferred.length > 0
        ? decisions.deferredWaitMs
        : slotTooLate(deps.pacing, deps.dryRun, deadline);
    if (waitMs !== undefined) {
      decisions.deferredWaitMs = waitMs;
      decisions.deferred.push({ record, ref });
      return;
    }
    const outcome = await deliverSend(ref, deps, deadline);
    if (outcome.kind === 'paced') {
      // Back as a fresh message once its batch's pace has room: no failed receive, the claim given back.
      decisions.paced.push({ record, ref });
      decisions.pacedWaitMs = Math.max(decisions.pacedWaitMs, outcome.waitMs);
    } else if (outcome.kind === 'retry' || outcome.kind === 'account') {
      if (outcome.kind === 'account') decisions.accountBlocked = outcome.failure;
      logger.warn('send will be retried', {
        sendId: ref.sendId,
        code: outcome.failure.code,
        kind: outcome.failure.kind,
      });
      await retry(deps, decisions, record, ref, outcome.failure);
    } else if (outcome.kind === 'rejected') {
      logger.warn('send rejected', { sendId: ref.sendId, code: outcome.failure.code });
    } else if (outcome.kind === 'suppressed') {
      logger.info('send suppressed: its address is on the suppression list', {
        sendId: ref.sendId,
        reason: outcome.reason,
      });
    }
  } catch (error) {
    await failUnexpectedly(deps, decisions, record, ref, error);
  }
}

/** Returns the record to the queue for another delivery; on its last receive its send is given up. */
async function retry(
  deps: SenderHandlerDeps,
  decisions: BatchDecisions,
  record: SQSRecord,
  ref: SendRef,
  cause: Cause,
): Promise<void> {
  decisions.fail(record);
  decisions.retried.push(record);
  await giveUpOnLastReceive(deps, record, ref, cause);
}

/**
 * A failure the delivery did not expect (DynamoDB down, a bug): the record comes back without a retry
 * delay, and on its last receive its send is given up. If even that write fails, it is logged, not
 * thrown: the record is already failed (SQS will move it to the DLQ, where the send can be found and
 * redriven), and throwing would fail every other record of the batch, sends done included.
 */
async function failUnexpectedly(
  deps: SenderHandlerDeps,
  decisions: BatchDecisions,
  record: SQSRecord,
  ref: SendRef,
  error: unknown,
): Promise<void> {
  logger.error('send failed unexpectedly; will be retried', {
    sendId: ref.sendId,
    error: error instanceof Error ? error : String(error),
  });
  decisions.fail(record);
  const cause =
    error instanceof Error
      ? { code: error.name, message: error.message }
      : { code: 'Unknown', message: String(error) };
  try {
    await giveUpOnLastReceive(deps, record, ref, cause);
  } catch (markError) {
    logger.error('could not mark the send ERROR on its last delivery; its message still goes to the DLQ', {
      sendId: ref.sendId,
      error: markError instanceof Error ? markError : String(markError),
    });
  }
}
