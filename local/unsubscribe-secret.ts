import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MIN_UNSUBSCRIBE_SECRET_LENGTH } from '../lambdas/core/domain/unsubscribe-token.js';

/** The file in the runner's data directory that keeps the key of local unsubscribe links. */
export const UNSUBSCRIBE_SECRET_FILE = 'unsubscribe-secret';

/**
 * The key local mode signs unsubscribe links with (UNSUBSCRIBE_SECRET), as Secrets Manager keeps the
 * stack's: made once, at random, and kept in the data directory beside the table, so that the links of
 * mails sent before a restart still work after it, for as long as their sends are kept. A key chosen in
 * the environment (UNSUBSCRIBE_SECRET) is used as it is. Deleting the data directory forgets both.
 */
export function ensureUnsubscribeSecret(dataDir: string, chosen: string | undefined): string {
  if (chosen !== undefined) return chosen;
  const file = join(resolve(dataDir), UNSUBSCRIBE_SECRET_FILE);
  const kept = readKept(file);
  if (kept !== undefined) return kept;
  mkdirSync(resolve(dataDir), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // Readable by its owner only; `wx`: a runner starting at the same moment keeps the first key.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const first = readKept(file);
    if (first !== undefined) return first;
    throw error;
  }
  return secret;
}

function readKept(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (text.length < MIN_UNSUBSCRIBE_SECRET_LENGTH) {
    throw new Error(
      `${file} holds no unsubscribe key of at least ${MIN_UNSUBSCRIBE_SECRET_LENGTH} characters: delete it for a new one (links of mails sent so far then stop working)`,
    );
  }
  return text;
}
