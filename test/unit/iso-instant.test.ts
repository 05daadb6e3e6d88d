import { describe, expect, it } from 'vitest';
import { parseInstantSpan } from '../../lambdas/core/domain/iso-instant.js';

const span = (text: string) => {
  const parsed = parseInstantSpan(text);
  return parsed && { first: parsed.first.toISOString(), last: parsed.last.toISOString() };
};

describe('parseInstantSpan', () => {
  it('reads a bare date as the whole UTC day', () => {
    expect(span('2026-11-20')).toEqual({
      first: '2026-11-20T00:00:00.000Z',
      last: '2026-11-20T23:59:59.999Z',
    });
  });

  it('reads a date-time to the minute as the whole minute', () => {
    expect(span('2026-11-20T10:05Z')).toEqual({
      first: '2026-11-20T10:05:00.000Z',
      last: '2026-11-20T10:05:59.999Z',
    });
  });

  it('reads a date-time to the second as the whole second', () => {
    expect(span('2026-11-20T10:05:07Z')).toEqual({
      first: '2026-11-20T10:05:07.000Z',
      last: '2026-11-20T10:05:07.999Z',
    });
  });

  it('reads milliseconds as one millisecond and tenths as a tenth', () => {
    expect(span('2026-11-20T10:05:07.123Z')).toEqual({
      first: '2026-11-20T10:05:07.123Z',
      last: '2026-11-20T10:05:07.123Z',
    });
    expect(span('2026-11-20T10:05:07.1Z')).toEqual({
      first: '2026-11-20T10:05:07.100Z',
      last: '2026-11-20T10:05:07.199Z',
    });
  });

  it('folds digits beyond milliseconds into their millisecond', () => {
    expect(span('2026-11-20T10:05:07.123999Z')?.first).toBe('2026-11-20T10:05:07.123Z');
  });

  it('applies a zone offset', () => {
    expect(span('2026-11-20T01:00:00+01:00')?.first).toBe('2026-11-20T00:00:00.000Z');
    expect(span('2026-11-19T19:30:00-04:30')?.first).toBe('2026-11-20T00:00:00.000Z');
  });

  it('accepts 29 February in a leap year only', () => {
    expect(span('2028-02-29')?.first).toBe('2028-02-29T00:00:00.000Z');
    expect(span('2026-02-29')).toBeUndefined();
    expect(span('2100-02-29')).toBeUndefined();
    expect(span('2000-02-29')?.first).toBe('2000-02-29T00:00:00.000Z');
  });

  it.each([
    'yesterday',
    '',
    '2026-11-20T10:00:00',
    '2026-11-20 10:00:00Z',
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2026-11-20T24:00:00Z',
    '2026-11-20T10:60:00Z',
    '2026-11-20T10:00:60Z',
    '2026-11-20T10:00:00+24:00',
    '20261120',
    '2026-11-20T10Z',
    '2026-11-20Z',
    '1700000000000',
  ])('refuses %j', (text) => {
    expect(span(text)).toBeUndefined();
  });
});
