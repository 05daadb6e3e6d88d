import { SEND_STATUSES, type SendStatus, wasMailed } from './send-status.js';

export interface BatchRates {
  /** Sends SES accepted: the base of the rates. */
  mailed: number;
  /** Hard bounces per mailed send; undefined before the first mail. */
  bounceRate?: number;
  /** Complaints per mailed send; undefined before the first mail. */
  complaintRate?: number;
}

/**
 * A batch's bounce and complaint rates, as SES computes the account's: bounces (of which only hard ones
 * move a send to BOUNCED) and complaints over the mails SES accepted. A send that bounced and then
 * complained counts as a complaint only: its status says the worse.
 */
export function ratesOf(counts: Record<SendStatus, number>): BatchRates {
  const mailed = SEND_STATUSES.filter(wasMailed).reduce(
    (sum, status) => sum + Math.max(0, counts[status]),
    0,
  );
  if (mailed === 0) return { mailed };
  return {
    mailed,
    bounceRate: Math.max(0, counts.BOUNCED) / mailed,
    complaintRate: Math.max(0, counts.COMPLAINED) / mailed,
  };
}
