import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyRecordOf } from '../../lambdas/core/domain/api-key.js';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { HttpError } from '../../lambdas/core/http/http-error.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';

let aws: TestAws;
let store: ApiKeyStore;
beforeAll(async () => {
  aws = await startTestAws();
  store = new ApiKeyStore(aws.clients.documents, aws.tableName);
});
afterAll(() => aws.stop());

const t0 = new Date('2026-11-23T10:00:00.000Z');

async function statusOf(check: ApiKeyCheck, key: string, scope: 'upload' | 'read') {
  try {
    await check.require({ 'x-api-key': key }, scope);
    return 200;
  } catch (error) {
    if (error instanceof HttpError) return error.statusCode;
    throw error;
  }
}

describe('API key store', () => {
  it('creates a key once, finds it by id, lists it and revokes it', async () => {
    const record = apiKeyRecordOf('cmk_store-test-key-0000001', 'store-test', ['upload'], t0);
    expect(await store.create(record)).toBe('created');
    expect(await store.create({ ...record, name: 'other' })).toBe('exists');
    expect(await store.get(record.keyId)).toEqual(record);
    expect((await store.list()).keys).toContainEqual(record);
    expect(await store.revoke(record.keyId, new Date('2026-11-23T11:00:00.000Z'))).toBe(true);
    expect(await store.revoke(record.keyId, new Date('2026-11-23T12:00:00.000Z'))).toBe(true);
    expect((await store.get(record.keyId))?.revokedAt).toBe('2026-11-23T11:00:00.000Z');
    expect(await store.revoke('000000000000', t0)).toBe(false);
  });

  it('lists more keys than one page holds, page by page, each once', async () => {
    const made = [];
    for (let i = 0; i < 120; i++) {
      const record = apiKeyRecordOf(
        `cmk_paging-test-key-${String(i).padStart(4, '0')}`,
        `paging-${i}`,
        ['read'],
        t0,
      );
      await store.create(record);
      made.push(record.keyId);
    }
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await store.list(next);
      seen.push(...page.keys.map((k) => k.keyId));
      next = page.next;
      pages += 1;
    } while (next);
    // 120 keys, and the one the test above made, in pages of 100.
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(made));
  });
});

describe('API key check', () => {
  it('trusts a looked-up key for the cache time, so a revocation applies once it runs out', async () => {
    const key = 'cmk_cached-key-test-000001';
    const record = apiKeyRecordOf(key, 'cached', ['read'], t0);
    await store.create(record);
    let now = t0.getTime();
    const check = new ApiKeyCheck(store, () => new Date(now), { cacheSeconds: 60, cacheEntries: 10 });
    expect(await statusOf(check, key, 'read')).toBe(200);
    await store.revoke(record.keyId, t0);
    now += 59_000;
    expect(await statusOf(check, key, 'read')).toBe(200);
    now += 2_000;
    expect(await statusOf(check, key, 'read')).toBe(401);
  });

  it('keeps its cache bounded however many unknown keys are tried', async () => {
    let reads = 0;
    const counting = {
      get: async (id: string) => {
        reads += 1;
        return store.get(id);
      },
    };
    const check = new ApiKeyCheck(counting, () => t0, { cacheSeconds: 60, cacheEntries: 5 });
    for (let i = 0; i < 20; i++)
      expect(await statusOf(check, `cmk_unknown-key-number-${i}`, 'read')).toBe(401);
    expect(reads).toBe(20);
    // The last few unknown keys are still cached (no read), the first ones were dropped.
    await statusOf(check, 'cmk_unknown-key-number-19', 'read');
    expect(reads).toBe(20);
    await statusOf(check, 'cmk_unknown-key-number-0', 'read');
    expect(reads).toBe(21);
  });
});
