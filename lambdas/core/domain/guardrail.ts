import { ratesOf } from './batch-rates.js';
import type { SendStatus } from './send-status.js';

/** A batch's limits: above either rate (of at least GUARDRAIL_MIN_MAILED mails), it is paused. */
export interface GuardrailLimits {
  /** Hard bounces per mail SES accepted, 0 to 1 (5 % by default: SES reviews an account above it). */
  maxBounceRate: number;
  /** Complaints per mail SES accepted, 0 to 1 (0.1 % by default: SES reviews an account above it). */
  maxComplaintRate: number;
}

/**
 * A batch's rates are judged over at least this many mails: fewer count as this many. So one bounce in ten
 * is no verdict (1 % of 100), while bounces already past the limit of 100 mails are one before the 100th
 * mail (its rate there can only be higher). Not "wait for 100 mails": the guardrail runs when a bounce or
 * complaint is counted (events/handler.ts), so a batch whose bounces all came among its first mails would
 * pass its 100th without another check, and never be paused.
 */
export const GUARDRAIL_MIN_MAILED = 100;

const percent = (rate: number) => `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)} %`;

/**
 * Why the guardrail pauses a batch with these counts, in words kept with its change of state; undefined
 * when it does not: both kinds within their limits of its mails, or of GUARDRAIL_MIN_MAILED when fewer.
 */
export function guardrailBreach(
  counts: Record<SendStatus, number>,
  limits: GuardrailLimits,
): string | undefined {
  const { mailed, bounceRate = 0, complaintRate = 0 } = ratesOf(counts);
  const judgedOn = Math.max(mailed, GUARDRAIL_MIN_MAILED);
  // Before the 100th mail, what makes the rate a verdict already.
  const early = (count: number) =>
    mailed < GUARDRAIL_MIN_MAILED
      ? ` (${count} of the first ${GUARDRAIL_MIN_MAILED} mails: ${percent(count / GUARDRAIL_MIN_MAILED)} already)`
      : '';
  const bounced = Math.max(0, counts.BOUNCED);
  const complained = Math.max(0, counts.COMPLAINED);
  if (bounced / judgedOn > limits.maxBounceRate)
    return `bounce rate ${percent(bounceRate)} of ${mailed} mails is above ${percent(limits.maxBounceRate)}${early(bounced)}`;
  if (complained / judgedOn > limits.maxComplaintRate)
    return `complaint rate ${percent(complaintRate)} of ${mailed} mails is above ${percent(limits.maxComplaintRate)}${early(complained)}`;
  return undefined;
}
