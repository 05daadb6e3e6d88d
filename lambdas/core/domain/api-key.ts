import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a key may do: `upload` campaigns, `read` sends and batches through GraphQL. */
export const API_KEY_SCOPES = ['upload', 'read'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A key as stored: never the key itself, only its hash. */
export interface ApiKeyRecord {
  keyId: string;
  name: string;
  scopes: ApiKeyScope[];
  /** SHA-256 of the whole key, hex. */
  hash: string;
  createdAt: string;
  revokedAt?: string;
}

/** Shorter keys (LOCAL_API_KEY is chosen by hand) would be guessable. */
export const MIN_API_KEY_LENGTH = 20;

/**
 * A new key: a recognisable prefix and 256 random bits. With that much entropy a plain SHA-256 is the
 * right hash: a slow password hash guards low-entropy secrets and would only add latency to every call.
 */
export function generateApiKey(): string {
  return `cmk_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The public name of a key, derived from its hash so that any key, generated or chosen, can be looked
 * up by one GetItem and listed or revoked by this id without the key itself. 48 bits keep collisions
 * out of reach for any realistic number of keys; the full hash is still compared.
 */
export const keyIdOf = (hash: string): string => hash.slice(0, 12);

export function matchesHash(key: string, hash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(hash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export function parseScopes(text: string): ApiKeyScope[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new Error(`scopes must be a comma-separated list of ${API_KEY_SCOPES.join(', ')}; got "${text}"`);
  }
  return [...new Set(scopes)] as ApiKeyScope[];
}

/** Why a request is refused, or undefined when the key grants the scope. */
export function refusalOf(
  key: string | undefined,
  record: ApiKeyRecord | undefined,
  scope: ApiKeyScope | readonly ApiKeyScope[],
): { status: 401 | 403; message: string } | undefined {
  const scopes: readonly ApiKeyScope[] = typeof scope === 'string' ? [scope] : scope;
  if (key === undefined || key.trim() === '') {
    return { status: 401, message: 'missing API key: send it in the x-api-key header' };
  }
  if (record === undefined || !matchesHash(key, record.hash) || record.revokedAt !== undefined) {
    return { status: 401, message: 'invalid or revoked API key' };
  }
  if (!scopes.some((s) => record.scopes.includes(s))) {
    const named = scopes.map((s) => `"${s}"`);
    const message =
      named.length === 1
        ? `this API key does not have the ${named[0]} scope`
        : `this API key has none of the ${named.join(', ')} scopes`;
    return { status: 403, message };
  }
  return undefined;
}

/** The stored form of a key: its hash, never the key. */
export function apiKeyRecordOf(key: string, name: string, scopes: ApiKeyScope[], now: Date): ApiKeyRecord {
  const hash = hashApiKey(key);
  return { keyId: keyIdOf(hash), name, scopes, hash, createdAt: now.toISOString() };
}
