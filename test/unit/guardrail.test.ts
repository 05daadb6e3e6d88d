import { describe, expect, it } from 'vitest';
import { GUARDRAIL_MIN_MAILED, guardrailBreach } from '../../lambdas/core/domain/guardrail.js';
import { countsWith } from '../helpers/send-records.js';

const LIMITS = { maxBounceRate: 0.05, maxComplaintRate: 0.001 };

describe('the guardrail of a batch', () => {
  it('judges fewer than 100 mails as 100: one bounce in ten is no verdict, nor five in fifty', () => {
    expect(guardrailBreach(countsWith({ SENT: 9, BOUNCED: 1 }), LIMITS)).toBeUndefined();
    expect(guardrailBreach(countsWith({ DELIVERED: 45, BOUNCED: 5 }), LIMITS)).toBeUndefined();
  });

  it('pauses before the 100th mail once its bounces or complaints pass the limit of 100 mails: no later one may come to check again', () => {
    expect(guardrailBreach(countsWith({ DELIVERED: 24, BOUNCED: 6 }), LIMITS)).toBe(
      'bounce rate 20.0 % of 30 mails is above 5.0 % (6 of the first 100 mails: 6.0 % already)',
    );
    expect(
      guardrailBreach(countsWith({ SENT: GUARDRAIL_MIN_MAILED - 31, BOUNCED: 30 }), LIMITS),
    ).toBeDefined();
    expect(guardrailBreach(countsWith({ DELIVERED: 49, COMPLAINED: 1 }), LIMITS)).toBe(
      'complaint rate 2.0 % of 50 mails is above 0.10 % (1 of the first 100 mails: 1.0 % already)',
    );
  });

  it('pauses above the bounce rate, not at it, naming the rate and the mails', () => {
    expect(guardrailBreach(countsWith({ DELIVERED: 95, BOUNCED: 5 }), LIMITS)).toBeUndefined();
    expect(guardrailBreach(countsWith({ DELIVERED: 94, BOUNCED: 6 }), LIMITS)).toBe(
      'bounce rate 6.0 % of 100 mails is above 5.0 %',
    );
  });

  it('pauses above the complaint rate', () => {
    expect(guardrailBreach(countsWith({ DELIVERED: 1000 }), LIMITS)).toBeUndefined();
    expect(guardrailBreach(countsWith({ DELIVERED: 998, COMPLAINED: 2 }), LIMITS)).toBe(
      'complaint rate 0.20 % of 1000 mails is above 0.10 %',
    );
  });

  it('counts only what SES accepted: sends still open, suppressed or cancelled are no mails', () => {
    expect(
      guardrailBreach(
        countsWith({ QUEUED: 1000, SUPPRESSED: 50, CANCELLED: 10, SENT: 60, BOUNCED: 4 }),
        LIMITS,
      ),
    ).toBeUndefined();
  });

  it('judges a batch resumed after its pause on the mails since the resume, over at least 100 of them', () => {
    const from = { mailed: 30, bounced: 6, complained: 0 };
    // Its past is not held against it again: 7 of 30 before, 1 since.
    expect(guardrailBreach(countsWith({ SENT: 23, BOUNCED: 7 }), LIMITS, from)).toBeUndefined();
    // 5 of 100 since: at the limit, not above.
    expect(guardrailBreach(countsWith({ SENT: 119, BOUNCED: 11 }), LIMITS, from)).toBeUndefined();
    expect(guardrailBreach(countsWith({ SENT: 118, BOUNCED: 12 }), LIMITS, from)).toBe(
      'bounce rate 6.0 % of 100 mails since its resume is above 5.0 %',
    );
    expect(guardrailBreach(countsWith({ SENT: 28, BOUNCED: 6, COMPLAINED: 1 }), LIMITS, from)).toMatch(
      /^complaint rate 20\.0 % of 5 mails since its resume is above 0\.10 %/,
    );
  });
});
