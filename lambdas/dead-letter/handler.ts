import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { RETRIES_EXHAUSTED } from '../domain/retries-exhausted.js';
import { logger } from '../observability/logger.js';
import { sendRefFromBody } from '../queue/send-queue.js';
import type { SendStore } from '../store/send-store.js';

/**
 * Consumes the dead-letter queue: a message lands there after its last allowed receive, and its send
 * is moved to ERROR "retries exhausted" so that no send stays QUEUED or SENDING forever. A send that
 * reached SENT meanwhile is left as it is (the conditional write refuses the move).
 */
export function createDeadLetterHandler(deps: { store: SendStore; clock: () => Date }) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const ref = sendRefFromBody(record.body);
      if (ref === undefined) {
        logger.error('dead letter is not a send reference; dropped', { messageId: record.messageId });
        continue;
      }
      try {
        const moved = await deps.store.markError(ref, RETRIES_EXHAUSTED, deps.clock());
        logger.warn('send gave up after its last retry', { sendId: ref.sendId, movedToError: moved });
      } catch (error) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        logger.error('could not record a dead letter; will retry', {
          sendId: ref.sendId,
          error: error instanceof Error ? error : String(error),
        });
      }
    }
    return { batchItemFailures };
  };
}
