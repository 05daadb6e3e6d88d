import { describe, expect, it } from 'vitest';
import { normaliseEmail } from '../../lambdas/core/domain/email-address.js';
import { contentIdFor, sendIdFor } from '../../lambdas/core/domain/send-id.js';

const BATCH = '6f1c2a9e-4b7d-4c1a-9d2e-0a5b8c3d7e10';

describe('sendIdFor', () => {
  it('derives the same 32-hex-digit id for the same batch and address, as a retried write needs', () => {
    // Pinned: changing the derivation would give sends already stored a second identity.
    expect(sendIdFor('batch-1', 'ana@example.com')).toBe('f6181f1180564997164b3ae25970ebe2');
    expect(sendIdFor(BATCH, 'ana@example.com')).toBe(sendIdFor(BATCH, 'ana@example.com'));
    expect(sendIdFor(BATCH, 'ana@example.com')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('derives a different id for another address in the same batch', () => {
    expect(sendIdFor(BATCH, 'ana@example.com')).not.toBe(sendIdFor(BATCH, 'ben@example.com'));
  });

  it('derives a different id for the same address in another batch', () => {
    expect(sendIdFor(BATCH, 'ana@example.com')).not.toBe(
      sendIdFor('0d4f5a6b-1c2d-4e3f-8a9b-7c6d5e4f3a21', 'ana@example.com'),
    );
  });

  it('derives one id for an address however it was cased or padded in the file, once normalised', () => {
    const expected = sendIdFor(BATCH, 'ana@example.com');
    for (const written of ['ANA@EXAMPLE.COM', ' Ana@Example.com ', 'ana@EXAMPLE.com']) {
      expect(sendIdFor(BATCH, normaliseEmail(written))).toBe(expected);
    }
  });
});

describe('contentIdFor', () => {
  it('derives the same 40-hex-digit id for the same text and another for other text', () => {
    expect(contentIdFor('Hello')).toBe('185f8db32271fe25f561a6fc938b2e264306ec30');
    expect(contentIdFor('Hello ')).not.toBe(contentIdFor('Hello'));
  });
});
