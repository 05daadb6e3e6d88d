import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger } from '../observability/logger.js';
import { sendRefFromBody } from '../queue/send-queue.js';
import { type DeliveryDeps, deliverSend } from './deliver-send.js';

/**
 * The SQS-triggered sender. Records are handled one by one; a record that must be tried again is
 * reported in batchItemFailures and the others are acknowledged. Once SES refuses the account, the
 * rest of the batch goes back to the queue without calling SES again.
 */
export function createSenderHandler(deps: DeliveryDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    let accountBlocked = false;
    for (const record of event.Records) {
      const ref = sendRefFromBody(record.body);
      if (ref === undefined) {
        // Retrying cannot make a foreign message readable: acknowledge it and leave a trace.
        logger.error('dropping a queue message that is not a send reference', {
          messageId: record.messageId,
        });
        continue;
      }
      if (accountBlocked) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        const outcome = await deliverSend(ref, deps);
        if (outcome.kind === 'retry' || outcome.kind === 'account') {
          batchItemFailures.push({ itemIdentifier: record.messageId });
          accountBlocked ||= outcome.kind === 'account';
          logger.warn('send will be retried', {
            sendId: ref.sendId,
            code: outcome.failure.code,
            kind: outcome.failure.kind,
          });
        } else if (outcome.kind === 'rejected') {
          logger.warn('send rejected', { sendId: ref.sendId, code: outcome.failure.code });
        }
      } catch (error) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        logger.error('send failed unexpectedly; will be retried', {
          sendId: ref.sendId,
          error: error instanceof Error ? error : String(error),
        });
      }
    }
    return { batchItemFailures };
  };
}
