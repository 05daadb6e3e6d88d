import { describe, expect, it } from 'vitest';
import { ratesOf } from '../../lambdas/core/domain/batch-rates.js';
import { countsWith } from '../helpers/send-records.js';

describe('a batch’s bounce and complaint rates', () => {
  it('are null before SES accepted any mail', () => {
    expect(ratesOf(countsWith({ QUEUED: 10, SUPPRESSED: 3, ERROR: 2 }))).toEqual({ mailed: 0 });
  });

  it('divide hard bounces and complaints by every mail SES accepted, whatever its status now', () => {
    const rates = ratesOf(
      countsWith({
        QUEUED: 50,
        SENT: 10,
        DELIVERED: 80,
        BOUNCED: 6,
        COMPLAINED: 2,
        REJECTED: 2,
        SUPPRESSED: 9,
      }),
    );
    expect(rates).toEqual({ mailed: 100, bounceRate: 0.06, complaintRate: 0.02 });
  });

  it('leaves out a count a lost counter write left below zero rather than shrink the base', () => {
    expect(ratesOf(countsWith({ SENT: -1, DELIVERED: 4, BOUNCED: 1 }))).toEqual({
      mailed: 5,
      bounceRate: 0.2,
      complaintRate: 0,
    });
  });
});
