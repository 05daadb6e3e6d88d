import type { SendRecord } from './send-record.js';
import type { EventStatus } from './send-status.js';

/** The facts of SES's events a send keeps (send-record.ts), by attribute. */
export type EventFactName =
  | 'delivery'
  | 'bounce'
  | 'complaint'
  | 'reject'
  | 'deliveryDelay'
  | 'firstOpenedAt'
  | 'firstClickedAt';

/**
 * Which of two facts of one name a send keeps, so that a repeated or late event changes nothing:
 * - first: the one written first (a Delivery, a Complaint, a Reject: one per mail);
 * - earliest: the one that happened first (first open, first click), whatever order they arrive in;
 * - latest: the one that happened last (a DeliveryDelay: SES's latest word on its retries);
 * - strongest: a permanent bounce replaces a transient or undetermined one, never the reverse, and the
 *   first of equal strength stays.
 */
export type FactKeeping = 'first' | 'earliest' | 'latest' | 'strongest';

export type EventFact = {
  [N in EventFactName]: { name: N; value: NonNullable<SendRecord[N]>; keep: FactKeeping };
}[EventFactName];

/** What one SES event says about a send, ready to be written (SendStore.recordEvent). */
export interface SendEventUpdate {
  /** The status the event moves the send to, if the rank allows; none for Open, Click, DeliveryDelay. */
  status?: EventStatus;
  fact?: EventFact;
  /** SES's message id: recorded when the event comes before the sender wrote SENT. */
  sesMessageId: string;
  /** When SES took the mail (the event's mail.timestamp): the send's sentAt when the sender has not written it. */
  sentAt: string;
  /** When SES says the event happened (ISO-8601 UTC). */
  at: string;
}

/** When a kept fact happened: its `at`, or the fact itself for the first-open and first-click times. */
const timeOf = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'object' && value !== null && typeof (value as { at?: unknown }).at === 'string'
      ? (value as { at: string }).at
      : undefined;

const isPermanentBounce = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Permanent';

/**
 * Whether an event's fact is written over what the send keeps under that name (`kept`, undefined when
 * none). False for a repeated event, whatever its kind: a redelivered event writes nothing.
 */
export function factReplaces(fact: EventFact, kept: unknown): boolean {
  if (kept === undefined) return true;
  const at = timeOf(fact.value);
  const keptAt = timeOf(kept);
  switch (fact.keep) {
    case 'first':
      return false;
    case 'earliest':
      return at !== undefined && keptAt !== undefined && at < keptAt;
    case 'latest':
      return at !== undefined && keptAt !== undefined && at > keptAt;
    case 'strongest':
      return isPermanentBounce(fact.value) && !isPermanentBounce(kept);
  }
}
