import { type ApiKeyScope, apiKeyRecordOf, generateApiKey } from '../../lambdas/core/domain/api-key.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import type { TestAws } from './aws-emulators.js';

/** Stores a fresh key with the given scopes in the test table and returns the key itself. */
export async function createTestKey(aws: TestAws, scopes: ApiKeyScope[], name = 'test'): Promise<string> {
  const key = generateApiKey();
  await new ApiKeyStore(aws.clients.documents, aws.tableName).create(
    apiKeyRecordOf(key, name, scopes, new Date()),
  );
  return key;
}
