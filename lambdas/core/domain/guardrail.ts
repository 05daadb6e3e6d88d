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

/**
 * What a batch had mailed, bounced and complained when a marketer resumed it after the guardrail paused
 * it: from then on the guardrail judges what comes after, so that a deliberate resume is not undone by
 * the next bounce of the batch's past, and a list that keeps bouncing is paused again on its own new
 * mails (again over at least GUARDRAIL_MIN_MAILED).
 */
export interface GuardrailBaseline {
  mailed: number;
  bounced: number;
  complained: number;
}

/** The baseline of a batch with these counts. */
export function guardrailBaselineOf(counts: Record<SendStatus, number>): GuardrailBaseline {
  return {
    mailed: ratesOf(counts).mailed,
    bounced: Math.max(0, counts.BOUNCED),
    complained: Math.max(0, counts.COMPLAINED),
  };
}

const percent = (rate: number) => `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)} %`;

/**
 * Why the guardrail pauses a batch with these counts, in words kept with its change of state; undefined
 * when it does not: both kinds within their limits of its mails, or of GUARDRAIL_MIN_MAILED when fewer.
 */
export function guardrailBreach(
  counts: Record<SendStatus, number>,
  limits: GuardrailLimits,
  /** Judge only what came after this (a deliberate resume); the whole batch without it. */
  from?: GuardrailBaseline,
): string | undefined {
  const since = from ?? { mailed: 0, bounced: 0, complained: 0 };
  const mailed = Math.max(0, ratesOf(counts).mailed - since.mailed);
  const bounced = Math.max(0, counts.BOUNCED - since.bounced);
  const complained = Math.max(0, counts.COMPLAINED - since.complained);
  const bounceRate = mailed > 0 ? bounced / mailed : 0;
  const complaintRate = mailed > 0 ? complained / mailed : 0;
  const judgedOn = Math.max(mailed, GUARDRAIL_MIN_MAILED);
  const ofMails = `${mailed} mails${from ? ' since its resume' : ''}`;
  // Before the 100th mail, what makes the rate a verdict already.
  const early = (count: number) =>
    mailed < GUARDRAIL_MIN_MAILED
      ? ` (${count} of the first ${GUARDRAIL_MIN_MAILED} mails: ${percent(count / GUARDRAIL_MIN_MAILED)} already)`
      : '';
  if (bounced / judgedOn > limits.maxBounceRate)
    return `bounce rate ${percent(bounceRate)} of ${ofMails} is above ${percent(limits.maxBounceRate)}${early(bounced)}`;
  if (complained / judgedOn > limits.maxComplaintRate)
    return `complaint rate ${percent(complaintRate)} of ${ofMails} is above ${percent(limits.maxComplaintRate)}${early(complained)}`;
  return undefined;
}
