import { describe, expect, it } from 'vitest';
import {
  apiKeyRecordOf,
  generateApiKey,
  hashApiKey,
  keyIdOf,
  matchesHash,
  parseScopes,
  refusalOf,
} from '../../lambdas/core/domain/api-key.js';

const now = new Date('2026-11-23T10:00:00.000Z');

describe('API keys', () => {
  it('generates distinct keys with 256 random bits behind a recognisable prefix', () => {
    const keys = new Set(Array.from({ length: 100 }, generateApiKey));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^cmk_[A-Za-z0-9_-]{43}$/);
  });

  it('stores the SHA-256 of a key and an id taken from it, never the key', () => {
    const record = apiKeyRecordOf('cmk_example-key-for-tests', 'alice', ['read'], now);
    expect(record).toEqual({
      keyId: '2a831d25a4a9',
      name: 'alice',
      scopes: ['read'],
      hash: '2a831d25a4a97fab30de000e85ab13f2b5f20a993174c0dc1a55bf6e39b7f25b',
      createdAt: '2026-11-23T10:00:00.000Z',
    });
    expect(keyIdOf(record.hash)).toBe(record.keyId);
    expect(JSON.stringify(record)).not.toContain('cmk_example-key-for-tests');
  });

  it('matches a key only against its own hash', () => {
    const hash = hashApiKey('cmk_right');
    expect(matchesHash('cmk_right', hash)).toBe(true);
    expect(matchesHash('cmk_wrong', hash)).toBe(false);
    expect(matchesHash('cmk_right', 'not-hex')).toBe(false);
  });

  it('reads a comma-separated scope list, refusing unknown or empty ones', () => {
    expect(parseScopes('upload, READ,upload')).toEqual(['upload', 'read']);
    expect(() => parseScopes('upload,admin')).toThrow(
      /scopes must be a comma-separated list of upload, read; got "upload,admin"/,
    );
    expect(() => parseScopes(' , ')).toThrow(/scopes must be/);
  });
});

describe('refusing a request', () => {
  const key = 'cmk_the-analysts-key-0001';
  const reader = apiKeyRecordOf(key, 'analyst', ['read'], now);

  it('answers 401 without a key, naming the header', () => {
    expect(refusalOf(undefined, undefined, 'read')).toEqual({
      status: 401,
      message: 'missing API key: send it in the x-api-key header',
    });
    expect(refusalOf('  ', undefined, 'read')?.status).toBe(401);
  });

  it('answers 401 for an unknown key, a key whose hash differs, or a revoked key, with one message', () => {
    const expected = { status: 401, message: 'invalid or revoked API key' };
    expect(refusalOf(key, undefined, 'read')).toEqual(expected);
    expect(refusalOf('cmk_another-key-entirely', reader, 'read')).toEqual(expected);
    expect(refusalOf(key, { ...reader, revokedAt: now.toISOString() }, 'read')).toEqual(expected);
  });

  it('answers 403 for a valid key without the scope, naming the scope', () => {
    expect(refusalOf(key, reader, 'upload')).toEqual({
      status: 403,
      message: 'this API key does not have the "upload" scope',
    });
  });

  it('lets a valid key with the scope through', () => {
    expect(refusalOf(key, reader, 'read')).toBeUndefined();
  });
});
