import { describe, expect, it } from 'vitest';
import { RecipientDedupe } from '../../lambdas/core/domain/recipient-dedupe.js';

describe('RecipientDedupe', () => {
  it('returns undefined for an address it has not seen, and remembers it', () => {
    const dedupe = new RecipientDedupe();
    expect(dedupe.firstSeen('ana@example.com', 2)).toBeUndefined();
    expect(dedupe.size).toBe(1);
  });

  it('returns the line that first had an address, however often it comes back', () => {
    const dedupe = new RecipientDedupe();
    dedupe.firstSeen('ana@example.com', 2);
    dedupe.firstSeen('ben@example.com', 3);
    expect(dedupe.firstSeen('ana@example.com', 7)).toBe(2);
    expect(dedupe.firstSeen('ana@example.com', 9)).toBe(2);
    expect(dedupe.firstSeen('ben@example.com', 10)).toBe(3);
    expect(dedupe.size).toBe(2);
  });

  it('compares addresses exactly, leaving normalisation to the caller', () => {
    const dedupe = new RecipientDedupe();
    dedupe.firstSeen('ana@example.com', 2);
    expect(dedupe.firstSeen('Ana@example.com', 3)).toBeUndefined();
    expect(dedupe.size).toBe(2);
  });
});
