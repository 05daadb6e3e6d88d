import { type ApiKeyRecord, type ApiKeyScope, hashApiKey, keyIdOf, refusalOf } from '../domain/api-key.js';
import type { ApiKeyStore } from '../store/api-key-store.js';
import { HttpError } from './http-error.js';

export const API_KEY_HEADER = 'x-api-key';

export interface ApiKeyCheckOptions {
  /** How long a looked-up key is trusted: also the longest a revocation takes to apply. */
  cacheSeconds: number;
  /** Entries kept; a flood of random keys must not grow a container's memory. */
  cacheEntries: number;
}

/**
 * Checks the x-api-key header against the stored keys, the same way on Lambda and in local mode.
 * Lookups are cached per container, so a busy client costs one read per key per cacheSeconds.
 */
export class ApiKeyCheck {
  private readonly cache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();

  constructor(
    private readonly store: Pick<ApiKeyStore, 'get'>,
    private readonly clock: () => Date,
    private readonly options: ApiKeyCheckOptions = { cacheSeconds: 60, cacheEntries: 1000 },
  ) {}

  /** Throws the 401 or 403 HttpError that refuses the request, or returns the key's id. */
  /** Any one of several scopes grants the request when `scope` is a list. */
  async require(
    headers: Record<string, string | undefined>,
    scope: ApiKeyScope | readonly ApiKeyScope[],
  ): Promise<string> {
    const key = headers[API_KEY_HEADER];
    const keyId = key ? keyIdOf(hashApiKey(key)) : undefined;
    const record = keyId ? await this.lookup(keyId) : undefined;
    const refusal = refusalOf(key, record, scope);
    if (refusal) throw new HttpError(refusal.status, refusal.message);
    return keyId as string;
  }

  private async lookup(keyId: string): Promise<ApiKeyRecord | undefined> {
    const now = this.clock().getTime();
    const cached = this.cache.get(keyId);
    if (cached && cached.until > now) return cached.record;
    const record = await this.store.get(keyId);
    if (this.cache.size >= this.options.cacheEntries) this.cache.clear();
    this.cache.set(keyId, { record, until: now + this.options.cacheSeconds * 1000 });
    return record;
  }
}
