import { maskEmail } from '../core/domain/email-address.js';
import type { SendRecord } from '../core/domain/send-record.js';
import type { SesEvent } from '../core/domain/ses-event.js';
import { logger } from '../core/observability/logger.js';
import type { CountedSends } from '../core/store/counted-sends.js';
import type { EventResult } from '../core/store/send-store.js';
import type { SuppressionStore } from '../core/store/suppression-store.js';
import type { EventMetrics } from './event-metrics.js';

export interface EventDeps {
  sends: Pick<CountedSends, 'recordEvent'>;
  suppressions: Pick<SuppressionStore, 'addIfAbsent'>;
  metrics: EventMetrics;
  clock: () => Date;
}

/**
 * One SES event: its address on the suppression list first, when it says so (a hard bounce or a
 * complaint is real whether or not the send is still in the table), then its news on the send, by rank
 * (SendStore.recordEvent), with the batch's counters moved for a change of status. Every step is
 * idempotent, so an event that comes twice, or again after a failure half-way, changes nothing more.
 */
export async function applySesEvent(
  event: SesEvent,
  deps: EventDeps,
  /** The send as an earlier event of this invocation left it: no read for it (SendStore.recordEvent). */
  known?: SendRecord,
): Promise<EventResult> {
  const now = deps.clock();
  const { suppression } = event;
  for (const email of suppression?.emails ?? []) {
    if (await suppress(email, event, deps, now)) deps.metrics.suppressionAdded();
  }
  const result = await deps.sends.recordEvent(event.sendId, event.update, now, known);
  deps.metrics.event(event.type);
  if (result.kind === 'unknown') {
    deps.metrics.unknownSend();
    logger.warn('an SES event names a send that is not in the table (expired, or not ours); acknowledged', {
      type: event.type,
      sendId: event.sendId,
      batchId: event.batchId,
      sesMessageId: event.sesMessageId,
      ...(suppression?.emails[0] ? { email: maskEmail(suppression.emails[0]) } : {}),
    });
  } else {
    logger.debug('SES event recorded', {
      type: event.type,
      sendId: event.sendId,
      status: result.send.status,
      ...(result.kind === 'recorded' ? { from: result.from } : {}),
    });
  }
  return result;
}

/** Adds one address of the event to the suppression list, unless it is there already (its first reason stands). */
async function suppress(email: string, event: SesEvent, deps: EventDeps, now: Date): Promise<boolean> {
  const { suppression } = event;
  if (!suppression) return false;
  const added = await deps.suppressions.addIfAbsent({
    email,
    reason: suppression.reason,
    ...(suppression.detail ? { detail: suppression.detail } : {}),
    sourceSendId: event.sendId,
    ...(event.batchId ? { sourceBatchId: event.batchId } : {}),
    addedAt: now.toISOString(),
  });
  if (added) {
    logger.info('address suppressed', {
      email: maskEmail(email),
      reason: suppression.reason,
      detail: suppression.detail,
      sendId: event.sendId,
    });
  }
  return added;
}
