import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UnsubscribeTokens } from '../../lambdas/core/domain/unsubscribe-token.js';
import { ensureUnsubscribeSecret, UNSUBSCRIBE_SECRET_FILE } from '../../local/unsubscribe-secret.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailer-secret-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the local runner's unsubscribe key", () => {
  it('is made once, at random, and kept in the data directory for its owner only', () => {
    const dir = freshDir();
    const first = ensureUnsubscribeSecret(join(dir, 'data'), undefined);
    expect(() => new UnsubscribeTokens(first)).not.toThrow();
    const file = join(dir, 'data', UNSUBSCRIBE_SECRET_FILE);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // A restart keeps it: the links of mails sent before still work.
    expect(ensureUnsubscribeSecret(join(dir, 'data'), undefined)).toBe(first);
    expect(ensureUnsubscribeSecret(freshDir(), undefined)).not.toBe(first);
  });

  it('is the one chosen in UNSUBSCRIBE_SECRET when there is one, and then nothing is written', () => {
    const dir = freshDir();
    const chosen = 'a-key-chosen-by-the-developer-32-chars';
    expect(ensureUnsubscribeSecret(dir, chosen)).toBe(chosen);
    expect(() => statSync(join(dir, UNSUBSCRIBE_SECRET_FILE))).toThrow();
  });

  it('refuses a kept file too short to be a key, saying what to do, without repeating it', () => {
    const dir = freshDir();
    writeFileSync(join(dir, UNSUBSCRIBE_SECRET_FILE), 'short\n');
    expect(() => ensureUnsubscribeSecret(dir, undefined)).toThrow(/delete it for a new one/);
    expect(() => ensureUnsubscribeSecret(dir, undefined)).not.toThrow(/short/);
  });
});
