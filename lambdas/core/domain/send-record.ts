import type { SendStatus } from './send-status.js';

/**
 * One recipient of one batch, as stored: the delivery record, kept under 1 KB because the sender
 * rewrites it twice. What the mail says (subject, content, personalisation) is in the send's chunk of
 * rows (row-chunk.ts), written once.
 */
export interface SendRecord {
  sendId: string;
  batchId: string;
  email: string;
  /** The subject as uploaded (placeholders not filled in); its first SUBJECT_KEPT_BYTES when longer. */
  subject: string;
  /** The subject was longer than SUBJECT_KEPT_BYTES: its chunk has it whole. */
  subjectCut?: boolean;
  /** The chunk of the batch's rows that holds this send's mail. */
  chunk: number;
  status: SendStatus;
  /** ISO-8601 UTC; the upload time of the batch. */
  createdAt: string;
  updatedAt: string;
  /** SES calls started for this send (claims that reached the send step). */
  attempts: number;
  leaseId?: string;
  /** Epoch milliseconds until which the current claim holds. */
  leaseUntil?: number;
  sesMessageId?: string;
  sentAt?: string;
  errorCode?: string;
  errorMessage?: string;
  /** When the sweeper last put the send back on the queue (its message had expired, or the queue was lost). */
  requeuedAt?: string;
  /** What SES said after it accepted the mail (ses-event.ts): the facts of each kind of event, the first of each. */
  delivery?: { at: string; smtpResponse?: string };
  bounce?: { at: string; type: string; subtype: string; diagnosticCode?: string; action?: string };
  complaint?: { at: string; feedbackType?: string; subtype?: string };
  reject?: { at: string; reason?: string };
  /** The latest DeliveryDelay: SES goes on trying until expiresAt. */
  deliveryDelay?: { at: string; type: string; expiresAt?: string };
  firstOpenedAt?: string;
  firstClickedAt?: string;
  /** Why the send was not mailed: the suppression list's reason for its address. */
  suppressedReason?: string;
  /** The recipient unsubscribed through this send's link (ISO-8601 UTC). */
  unsubscribedAt?: string;
  /**
   * A dry run: set by the upload on a send to be rehearsed (the sender then never calls SES for it),
   * and on every send a dry run marked SENT, whose sesMessageId is then `dry-run-<sendId>`.
   */
  dryRun?: boolean;
}

/**
 * What a queue message carries: enough to claim the send (its key and createdAt) and to find its mail
 * (its batch and chunk) without reading the send first.
 */
export interface SendRef {
  sendId: string;
  createdAt: string;
  batchId: string;
  chunk: number;
}

/** What the queue message of `send` carries (the sweeper's and the batch jobs' re-enqueues). */
export const refOf = (send: SendRecord): SendRef => ({
  sendId: send.sendId,
  createdAt: send.createdAt,
  batchId: send.batchId,
  chunk: send.chunk,
});

/** Subjects are kept on the send item up to this many bytes (UTF-8): the item stays under 1 KB. */
export const SUBJECT_KEPT_BYTES = 256;

/** The subject a send item keeps, cut at a character boundary within SUBJECT_KEPT_BYTES. */
export function keptSubject(subject: string): { subject: string; subjectCut?: true } {
  if (Buffer.byteLength(subject, 'utf8') <= SUBJECT_KEPT_BYTES) return { subject };
  let kept = '';
  for (const character of subject) {
    if (Buffer.byteLength(kept + character, 'utf8') > SUBJECT_KEPT_BYTES) break;
    kept += character;
  }
  return { subject: kept, subjectCut: true };
}
