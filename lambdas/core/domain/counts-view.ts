import type { SendStatus } from './send-status.js';

/** A batch's counts as its readers show them (GraphQL's BatchCounts, GET /campaigns/{batchId}). */
export interface CountsView {
  queued: number;
  sending: number;
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
  rejected: number;
  suppressed: number;
  cancelled: number;
  error: number;
}

export function countsView(counts: Record<SendStatus, number>): CountsView {
  return {
    queued: counts.QUEUED,
    sending: counts.SENDING,
    sent: counts.SENT,
    delivered: counts.DELIVERED,
    bounced: counts.BOUNCED,
    complained: counts.COMPLAINED,
    rejected: counts.REJECTED,
    suppressed: counts.SUPPRESSED,
    cancelled: counts.CANCELLED,
    error: counts.ERROR,
  };
}
