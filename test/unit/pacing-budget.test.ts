import { describe, expect, it } from 'vitest';
import {
  deferralDelaySeconds,
  minimumPacedSendRate,
  pacedBatchLimit,
  SEND_RESERVE_MS,
  slotFitsBeforeDeadline,
  slotIntervalMs,
} from '../../lambdas/contract/pacing-budget.js';

const SENDER_TIMEOUT_MS = 30_000;

describe('pacing budget of one sender invocation', () => {
  it('spaces one sender’s calls by the number of senders over the rate', () => {
    expect(slotIntervalMs(0.2, 2)).toBe(10_000);
    expect(slotIntervalMs(14, 2)).toBeCloseTo(142.86, 2);
  });

  it('fits a full batch of 10 at the SES sandbox rate with 2 senders (one slot every 2 s)', () => {
    expect(pacedBatchLimit({ rate: 1, concurrency: 2, timeoutMs: SENDER_TIMEOUT_MS })).toBe(12);
  });

  it('fits only 2 sends at 0.2 sends/s with 2 senders, where a batch of 10 would need 100 s of waits', () => {
    expect(pacedBatchLimit({ rate: 0.2, concurrency: 2, timeoutMs: SENDER_TIMEOUT_MS })).toBe(2);
    expect(10 * slotIntervalMs(0.2, 2)).toBe(100_000);
  });

  it('fits no send at all when one interval is longer than the timeout less the reserve', () => {
    expect(pacedBatchLimit({ rate: 0.05, concurrency: 2, timeoutMs: SENDER_TIMEOUT_MS })).toBe(0);
    expect(minimumPacedSendRate({ concurrency: 2, timeoutMs: SENDER_TIMEOUT_MS })).toBe(0.08);
    expect(pacedBatchLimit({ rate: 0.08, concurrency: 2, timeoutMs: SENDER_TIMEOUT_MS })).toBe(1);
    // Rounded up, so that the rate named in an error message is one that works.
    const rate = minimumPacedSendRate({ concurrency: 3, timeoutMs: SENDER_TIMEOUT_MS });
    expect(rate).toBe(0.12);
    expect(pacedBatchLimit({ rate, concurrency: 3, timeoutMs: SENDER_TIMEOUT_MS })).toBe(1);
  });

  it('takes a slot only while the reserve for its send still fits before the deadline', () => {
    expect(slotFitsBeforeDeadline(0, SEND_RESERVE_MS)).toBe(true);
    expect(slotFitsBeforeDeadline(10_000, 15_000)).toBe(true);
    expect(slotFitsBeforeDeadline(10_001, 15_000)).toBe(false);
    expect(slotFitsBeforeDeadline(0, SEND_RESERVE_MS - 1)).toBe(false);
  });

  it('delays a deferred message until the slot it missed, from 1 s to SQS’s 15 minutes', () => {
    expect(deferralDelaySeconds(0)).toBe(1);
    expect(deferralDelaySeconds(10_000)).toBe(10);
    expect(deferralDelaySeconds(10_001)).toBe(11);
    expect(deferralDelaySeconds(3_600_000)).toBe(900);
  });
});
