/**
 * The life cycle of one send. Every change is forward-only and is written with a condition on the
 * current status, so a retried or duplicated step can never move a send backwards.
 *
 *   QUEUED ──claimed──▶ SENDING ──SES accepted──▶ SENT
 *      │                   │
 *      └───────────────────┴──permanent error / retries exhausted──▶ ERROR
 *
 * A send is born QUEUED: the writer writes it and puts its message on the queue as one step of its
 * chunk, and a chunk the writer did not finish is written and enqueued again by its continuation
 * (docs/data-model.md), so no send waits unqueued. One exception to "ERROR is final": ERROR with the code
 * of RETRIES_EXHAUSTED means "gave up on transient failures", not "cannot be sent", and a message an
 * operator redrives from the DLQ may claim it again (SendStore.claim); a rejected send stays ERROR. A
 * transient failure does not move a send back: it stays SENDING with its lease released, which is what
 * lets the next delivery claim it again.
 */
export const SEND_STATUSES = ['QUEUED', 'SENDING', 'SENT', 'ERROR'] as const;

export type SendStatus = (typeof SEND_STATUSES)[number];

const NEXT: Record<SendStatus, readonly SendStatus[]> = {
  QUEUED: ['SENDING', 'ERROR'],
  SENDING: ['SENT', 'ERROR'],
  SENT: [],
  ERROR: [],
};

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

/** A send in a final status has no work left (but for a redrive, which makes its batch unfinished again). */
export function isFinal(status: SendStatus): boolean {
  return NEXT[status].length === 0;
}
