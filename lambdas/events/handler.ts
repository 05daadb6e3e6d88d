import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SendRecord } from '../core/domain/send-record.js';
import { parseSesEventMessage } from '../core/domain/ses-event.js';
import { logger } from '../core/observability/logger.js';
import type { CounterBuffer } from '../core/store/counter-buffer.js';
import { applySesEvent, type EventDeps } from './apply-ses-event.js';
import { applyGuardrail, type GuardrailDeps } from './guardrail.js';

export interface EventsHandlerDeps extends EventDeps {
  /** Pauses a batch whose bounce or complaint rate passed its limit; none: no guardrail. */
  guardrail?: Omit<GuardrailDeps, 'metrics' | 'clock'>;
  /**
   * Where the invocation's counter moves wait (counter-buffer.ts), written when it ends. None: each move
   * is written as it is made.
   */
  counts?: Pick<CounterBuffer, 'flush'>;
}

const receiveCountOf = (record: SQSRecord): number =>
  Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1;

/**
 * The SQS-triggered events function: each message is an EventBridge event carrying one SES event record.
 * Records are handled one by one, in order (two events of one send in a batch are written in the order
 * SES published them, though the rank would settle any order). A record that fails is reported in
 * batchItemFailures and comes back; the others are acknowledged. A message that is no SES event we can
 * use (not JSON, another source, no sendId tag, an unknown type) fails every time, so that after the
 * queue's maxReceiveCount it waits on the events DLQ, whose alarm tells an operator.
 */
export function createEventsHandler(deps: EventsHandlerDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    /** Batches a bounce or a complaint of this invocation moved a send of: the guardrail checks them. */
    const worsened = new Set<string>();
    /**
     * Each send as this invocation's events left it: a send's Send and Delivery events usually come in
     * one batch, and the second then costs no read (a guess the write's conditions check).
     */
    const seen = new Map<string, SendRecord>();
    try {
      for (const record of event.Records) {
        const parsed = parseSesEventMessage(record.body);
        if (!parsed.ok) {
          // The problem names fields, never their values: no address reaches the log.
          logger.error('an events queue message is no SES event we can use; it goes to the DLQ', {
            messageId: record.messageId,
            problem: parsed.problem,
            receiveCount: receiveCountOf(record),
          });
          failed.push(record.messageId);
          continue;
        }
        try {
          const result = await applySesEvent(parsed.event, deps, seen.get(parsed.event.sendId));
          if (result.kind === 'unknown') seen.delete(parsed.event.sendId);
          else seen.set(parsed.event.sendId, result.send);
          if (result.kind === 'recorded' && (result.to === 'BOUNCED' || result.to === 'COMPLAINED'))
            worsened.add(result.send.batchId);
        } catch (error) {
          seen.delete(parsed.event.sendId);
          logger.error('an SES event could not be recorded; it will be retried', {
            messageId: record.messageId,
            type: parsed.event.type,
            sendId: parsed.event.sendId,
            receiveCount: receiveCountOf(record),
            error: error instanceof Error ? error : String(error),
          });
          failed.push(record.messageId);
        }
      }
      return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
    } finally {
      await deps.counts?.flush();
      // After the flush: the counts it reads include this invocation's bounces and complaints.
      if (deps.guardrail && worsened.size > 0)
        await applyGuardrail(worsened, { ...deps.guardrail, metrics: deps.metrics, clock: deps.clock });
      deps.metrics.flush();
    }
  };
}
