import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord } from '../domain/api-key.js';
import { API_KEYS_PARTITION, apiKeyKey } from './item-keys.js';

/** Keys returned by one `list` page; an operator with more pages through them. */
const LIST_PAGE = 100;

export class ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Stores a new key; refuses to overwrite one with the same id (a repeated LOCAL_API_KEY, say). */
  async create(record: ApiKeyRecord): Promise<'created' | 'exists'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...apiKeyKey(record.keyId), type: 'apiKey', ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw error;
    }
  }

  async get(keyId: string): Promise<ApiKeyRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: apiKeyKey(keyId) }));
    return out.Item ? recordOf(out.Item) : undefined;
  }

  async list(startAfter?: string): Promise<{ keys: ApiKeyRecord[]; next?: string }> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': API_KEYS_PARTITION },
        Limit: LIST_PAGE,
        ...(startAfter ? { ExclusiveStartKey: apiKeyKey(startAfter) } : {}),
      }),
    );
    const keys = (out.Items ?? []).map(recordOf);
    const last = out.LastEvaluatedKey ? keys.at(-1) : undefined;
    return { keys, ...(last ? { next: last.keyId } : {}) };
  }

  /** Marks a key revoked; false when there is no such key. Revoking twice keeps the first time. */
  async revoke(keyId: string, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: apiKeyKey(keyId),
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function recordOf(item: Record<string, unknown>): ApiKeyRecord {
  const { keyId, name, scopes, hash, createdAt, revokedAt } = item as unknown as ApiKeyRecord;
  return { keyId, name, scopes, hash, createdAt, ...(revokedAt ? { revokedAt } : {}) };
}
