/**
 * The life cycle of one send. Every change is forward-only and is written with a condition on the
 * current status, so a retried, duplicated or late step can never move a send backwards.
 *
 *   QUEUED ──claimed──▶ SENDING ──SES accepted──▶ SENT ──SES events──▶ DELIVERED < BOUNCED < COMPLAINED
 *      │                   │                        └──SES Reject──▶ REJECTED
 *      ├───────────────────┴──address suppressed──▶ SUPPRESSED (no SES call)
 *      ├───────────────────┴──batch cancelled──▶ CANCELLED (no SES call)
 *      └───────────────────┴──permanent error / retries exhausted──▶ ERROR
 *
 * A send is born QUEUED: the writer writes it and puts its message on the queue as one step of its
 * chunk, and a chunk the writer did not finish is written and enqueued again by its continuation
 * (docs/data-model.md), so no send waits unqueued. One exception to "ERROR is final": ERROR with the code
 * of RETRIES_EXHAUSTED means "gave up on transient failures", not "cannot be sent", and a message an
 * operator redrives from the DLQ may claim it again (SendStore.claim); a rejected send stays ERROR. A
 * transient failure does not move a send back: it stays SENDING with its lease released, which is what
 * lets the next delivery claim it again.
 *
 * SES's events after the send (docs/ses-events.md) follow the rank SENT < DELIVERED < BOUNCED <
 * COMPLAINED: a Delivery after a Bounce is refused, a Complaint after a Delivery is taken. They are
 * taken from SENDING too: SES may publish an event before the sender has written SENT (or the sender
 * may crash between SES's answer and its write), and the event then carries the message id itself.
 */
export const SEND_STATUSES = [
  'QUEUED',
  'SENDING',
  'SENT',
  'DELIVERED',
  'BOUNCED',
  'COMPLAINED',
  'REJECTED',
  'SUPPRESSED',
  'CANCELLED',
  'ERROR',
] as const;

export type SendStatus = (typeof SEND_STATUSES)[number];

/** The statuses SES's events move a send to, lowest rank first. */
export const EVENT_STATUSES = ['SENT', 'DELIVERED', 'BOUNCED', 'COMPLAINED', 'REJECTED'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

const NEXT: Record<SendStatus, readonly SendStatus[]> = {
  QUEUED: ['SENDING', 'SUPPRESSED', 'CANCELLED', 'ERROR'],
  SENDING: ['SENT', 'DELIVERED', 'BOUNCED', 'COMPLAINED', 'REJECTED', 'SUPPRESSED', 'CANCELLED', 'ERROR'],
  SENT: ['DELIVERED', 'BOUNCED', 'COMPLAINED', 'REJECTED'],
  DELIVERED: ['BOUNCED', 'COMPLAINED'],
  BOUNCED: ['COMPLAINED'],
  COMPLAINED: [],
  REJECTED: [],
  SUPPRESSED: [],
  CANCELLED: [],
  ERROR: [],
};

/** A send in one of these statuses was handed to SES and accepted: the base of a batch's rates. */
const MAILED: readonly SendStatus[] = ['SENT', 'DELIVERED', 'BOUNCED', 'COMPLAINED', 'REJECTED'];

export function isSendStatus(value: string): value is SendStatus {
  return (SEND_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: SendStatus, to: SendStatus): boolean {
  return NEXT[from].includes(to);
}

/** The statuses a send may be in for a move to `to` to be allowed. */
export function statusesBefore(to: SendStatus): SendStatus[] {
  return SEND_STATUSES.filter((from) => canTransition(from, to));
}

/** A send in a final status can change no more (but for a redrive, which makes its batch unfinished again). */
export function isFinal(status: SendStatus): boolean {
  return NEXT[status].length === 0;
}

/**
 * The sender has nothing left to do for a send in this status: SES accepted it (whatever it says about it
 * later), or it ended without a mail. What a batch's `finished` waits for.
 */
export function isSettled(status: SendStatus): boolean {
  return status !== 'QUEUED' && status !== 'SENDING';
}

export function wasMailed(status: SendStatus): boolean {
  return MAILED.includes(status);
}
