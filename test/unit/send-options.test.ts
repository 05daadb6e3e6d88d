import { describe, expect, it } from 'vitest';
import {
  maxRateOf,
  priorityOf,
  SendOptionError,
  sendAtOf,
  sendOptionsOf,
} from '../../lambdas/core/domain/send-options.js';

const NOW = new Date('2026-12-03T10:00:00.000Z');

describe('send options of an upload', () => {
  it('reads sendAt in any zone as the instant it names', () => {
    expect(sendAtOf('2026-12-24T09:00:00+01:00', NOW)).toBe('2026-12-24T08:00:00.000Z');
    expect(sendAtOf(' 2026-12-03T10:00:20Z ', NOW)).toBe('2026-12-03T10:00:20.000Z');
  });

  it.each([
    ['a bare date', '2026-12-24', 'with its zone'],
    ['a date-time without a zone', '2026-12-24T09:00:00', 'with its zone'],
    ['an impossible date', '2026-02-30T09:00:00Z', 'with its zone'],
    ['words', 'tomorrow at nine', 'with its zone'],
    ['a past time', '2026-12-03T09:59:59Z', 'not in the future'],
    ['the present', '2026-12-03T10:00:00Z', 'not in the future'],
    ['more than 90 days ahead', '2027-03-04T10:00:01Z', 'more than 90 days ahead'],
  ])('refuses %s as sendAt, naming the field', (_, value, words) => {
    expect(() => sendAtOf(value, NOW)).toThrow(SendOptionError);
    expect(() => sendAtOf(value, NOW)).toThrow(new RegExp(`sendAt.*${words}`));
  });

  it('accepts exactly 90 days ahead', () => {
    expect(sendAtOf('2027-03-03T10:00:00Z', NOW)).toBe('2027-03-03T10:00:00.000Z');
  });

  it('reads maxRate as sends per second, refusing zero, negatives, words and absurd rates', () => {
    expect(maxRateOf('2')).toBe(2);
    expect(maxRateOf('0.5')).toBe(0.5);
    for (const bad of ['0', '-1', 'fast', '1e3', '10001', ''])
      expect(() => maxRateOf(bad)).toThrow(/maxRate/);
  });

  it('reads priority in any case, high or normal only', () => {
    expect(priorityOf('HIGH')).toBe('high');
    expect(priorityOf('normal')).toBe('normal');
    expect(() => priorityOf('urgent')).toThrow(/priority must be high or normal; got "urgent"/);
  });

  it('gives at once, at the account’s rate, normal priority when nothing is asked', () => {
    expect(sendOptionsOf({}, NOW)).toEqual({ priority: 'normal' });
    expect(sendOptionsOf({ sendAt: '', maxRate: ' ', priority: '' }, NOW)).toEqual({ priority: 'normal' });
  });
});
