import {
  API_KEY_SCOPES,
  apiKeyRecordOf,
  generateApiKey,
  MIN_API_KEY_LENGTH,
} from '../lambdas/core/domain/api-key.js';
import type { ApiKeyStore } from '../lambdas/core/store/api-key-store.js';

export const DEVELOPMENT_KEY_NAME = 'local-development';

/**
 * The key `npm start` prints: every scope, so that a developer can upload and query at once. Without
 * LOCAL_API_KEY a new one is made at each start (only hashes are stored, so an old one cannot be shown
 * again) and the previous ones are revoked; LOCAL_API_KEY keeps one key across restarts and scripts.
 */
export async function ensureDevelopmentKey(
  keys: ApiKeyStore,
  chosen: string | undefined,
  now: Date,
): Promise<string> {
  if (chosen !== undefined && chosen.length < MIN_API_KEY_LENGTH) {
    throw new Error(`LOCAL_API_KEY must be at least ${MIN_API_KEY_LENGTH} characters long`);
  }
  const key = chosen ?? generateApiKey();
  const record = apiKeyRecordOf(key, DEVELOPMENT_KEY_NAME, [...API_KEY_SCOPES], now);
  let next: string | undefined;
  do {
    const page = await keys.list(next);
    for (const old of page.keys) {
      if (old.name === DEVELOPMENT_KEY_NAME && old.keyId !== record.keyId && !old.revokedAt) {
        await keys.revoke(old.keyId, now);
      }
    }
    next = page.next;
  } while (next);
  const stored = await keys.get(record.keyId);
  if (stored?.revokedAt) {
    throw new Error('LOCAL_API_KEY names a key that was revoked; choose another one');
  }
  if (!stored) await keys.create(record);
  return key;
}
