import { describe, expect, it } from 'vitest';
import { RecipientDedupe } from '../../lambdas/core/domain/recipient-dedupe.js';

describe('RecipientDedupe as its table grows', () => {
  it('keeps every first line exact across many growths of its table', () => {
    const dedupe = new RecipientDedupe();
    const count = 200_000;
    for (let i = 0; i < count; i++) expect(dedupe.firstSeen(`user${i}@example.com`, i + 2)).toBeUndefined();
    for (let i = 0; i < count; i += 997)
      expect(dedupe.firstSeen(`user${i}@example.com`, 999_999)).toBe(i + 2);
    expect(dedupe.size).toBe(count);
  });

  it('holds a few dozen bytes per address, far less than the addresses themselves', () => {
    const dedupe = new RecipientDedupe();
    for (let i = 0; i < 100_000; i++) dedupe.firstSeen(`someone.${i}@example.com`, i + 2);
    expect(dedupe.bytes / dedupe.size).toBeLessThan(40);
  });
});
