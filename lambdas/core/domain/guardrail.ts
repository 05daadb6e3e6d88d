import { ratesOf } from './batch-rates.js';
import type { SendStatus } from './send-status.js';

/** A batch's limits: above either rate, once enough mails went out, it is paused. */
export interface GuardrailLimits {
  /** Hard bounces per mail SES accepted, 0 to 1 (5 % by default: SES reviews an account above it). */
  maxBounceRate: number;
  /** Complaints per mail SES accepted, 0 to 1 (0.1 % by default: SES reviews an account above it). */
  maxComplaintRate: number;
}

/** Below this many mails a rate says little (one bounce in ten is 10 %): the guardrail waits for them. */
export const GUARDRAIL_MIN_MAILED = 100;

const percent = (rate: number) => `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)} %`;

/**
 * Why the guardrail pauses a batch with these counts, in words kept with its change of state; undefined
 * when it does not: fewer than GUARDRAIL_MIN_MAILED mails, or both rates within their limits.
 */
export function guardrailBreach(
  counts: Record<SendStatus, number>,
  limits: GuardrailLimits,
): string | undefined {
  const { mailed, bounceRate = 0, complaintRate = 0 } = ratesOf(counts);
  if (mailed < GUARDRAIL_MIN_MAILED) return undefined;
  if (bounceRate > limits.maxBounceRate)
    return `bounce rate ${percent(bounceRate)} of ${mailed} mails is above ${percent(limits.maxBounceRate)}`;
  if (complaintRate > limits.maxComplaintRate)
    return `complaint rate ${percent(complaintRate)} of ${mailed} mails is above ${percent(limits.maxComplaintRate)}`;
  return undefined;
}
