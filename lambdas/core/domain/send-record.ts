import type { SendStatus } from './send-status.js';

/** One recipient of one batch, as stored. Content is referenced, not copied, to keep the item small. */
export interface SendRecord {
  sendId: string;
  batchId: string;
  email: string;
  subject: string;
  contentId: string;
  variables: Record<string, string>;
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
  /**
   * A dry run: set by the upload on a send to be rehearsed (the sender then never calls SES for it),
   * and on every send a dry run marked SENT, whose sesMessageId is then `dry-run-<sendId>`.
   */
  dryRun?: boolean;
}

/** What a queue message carries: enough to claim the send without reading it first. */
export interface SendRef {
  sendId: string;
  createdAt: string;
}
