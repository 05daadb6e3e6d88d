import { describe, expect, it } from 'vitest';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import {
  UNSUBSCRIBE_TOKEN_LENGTH,
  UnsubscribeTokenError,
  UnsubscribeTokens,
} from '../../lambdas/core/domain/unsubscribe-token.js';

const SECRET = 'a-secret-of-the-project-at-least-32-chars';
const tokens = new UnsubscribeTokens(SECRET);
const ANA = sendIdFor('batch-1', 'ana@example.com');
const BEN = sendIdFor('batch-1', 'ben@example.com');

/** The token with one character replaced by another of the base64url alphabet. */
function altered(token: string, at: number): string {
  const swapped = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${swapped}${token.slice(at + 1)}`;
}

describe('an unsubscribe token', () => {
  it('names the send it was made for, and only that one', () => {
    const token = tokens.tokenFor(ANA);
    expect(tokens.sendIdOf(token)).toBe(ANA);
    expect(tokens.sendIdOf(tokens.tokenFor(BEN))).toBe(BEN);
    expect(tokens.tokenFor(BEN)).not.toBe(token);
  });

  it('is the same for the same send every time: a retried send carries the same link', () => {
    expect(tokens.tokenFor(ANA)).toBe(new UnsubscribeTokens(SECRET).tokenFor(ANA));
  });

  it('is 64 URL-safe characters and holds no address', () => {
    const token = tokens.tokenFor(ANA);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).toHaveLength(UNSUBSCRIBE_TOKEN_LENGTH);
    expect(UNSUBSCRIBE_TOKEN_LENGTH).toBe(64);
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('ana');
  });

  it('is refused once any one character of it is altered', () => {
    const token = tokens.tokenFor(ANA);
    for (let at = 0; at < token.length; at++) {
      expect([at, tokens.sendIdOf(altered(token, at))]).toEqual([at, undefined]);
    }
  });

  it('is refused under another secret: a forged token needs the project key', () => {
    const forged = new UnsubscribeTokens('someone-else-s-secret-of-32-characters!').tokenFor(ANA);
    expect(tokens.sendIdOf(forged)).toBeUndefined();
  });

  it("is refused when it carries another send's id with this send's signature", () => {
    const ana = Buffer.from(tokens.tokenFor(ANA), 'base64url');
    const spliced = Buffer.concat([Buffer.from(BEN, 'hex'), ana.subarray(16)]).toString('base64url');
    expect(tokens.sendIdOf(spliced)).toBeUndefined();
  });

  it('is refused cut short, lengthened, padded, or when it is no base64url at all', () => {
    const token = tokens.tokenFor(ANA);
    for (const bad of [
      token.slice(0, -1),
      token.slice(0, 43),
      `${token}A`,
      `${token}==`,
      `${token.slice(0, -1)}+`,
      `${token.slice(0, -1)}/`,
      `${token.slice(0, -1)}!`,
      '',
      'not a token',
      ANA,
      '../../etc/passwd',
      '%00'.repeat(22),
    ]) {
      expect([bad, tokens.sendIdOf(bad)]).toEqual([bad, undefined]);
    }
  });

  it('is made only of a send id, and only with a secret long enough', () => {
    expect(() => tokens.tokenFor('ana@example.com')).toThrow(UnsubscribeTokenError);
    expect(() => new UnsubscribeTokens('short')).toThrow(/at least 32 characters/);
    expect(() => new UnsubscribeTokens('short')).not.toThrow(/short/);
  });
});
