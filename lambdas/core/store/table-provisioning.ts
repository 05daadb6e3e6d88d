import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { EMAIL_SENDS_TABLE, type KeyAttribute, type TableDefinition } from '../../contract/table-schema.js';

/**
 * Creating the table outside CloudFormation: the local runner, `npm run apikey -- --local` and the tests
 * build it from the same definition the CDK stack deploys (a test compares the two).
 */

/** Builds CreateTable input from the shared table definition, the same one the CDK stack uses. */
export function createTableInput(tableName: string, table: TableDefinition = EMAIL_SENDS_TABLE) {
  const attributes = new Map<string, KeyAttribute>();
  for (const key of [
    table.partitionKey,
    table.sortKey,
    ...table.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]) {
    attributes.set(key.name, key);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributes.values()].map(
      (a): AttributeDefinition => ({ AttributeName: a.name, AttributeType: a.type }),
    ),
    KeySchema: [
      { AttributeName: table.partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: table.sortKey.name, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: table.globalIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

export class TableSchemaMismatchError extends Error {
  override readonly name = 'TableSchemaMismatchError';
}

/** The indexes of a described table, as `name:projection`, sorted: what tells one data model from another. */
const indexesOf = (indexes: readonly { IndexName?: string; Projection?: { ProjectionType?: string } }[]) =>
  indexes.map((index) => `${index.IndexName}:${index.Projection?.ProjectionType}`).sort();

/**
 * Creates the EmailSends table unless it exists (data kept on disk survives restarts). A table of that
 * name built for another data model (other indexes) is refused: the code would misread its items.
 */
export async function ensureTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const existing = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const found = indexesOf(existing.Table?.GlobalSecondaryIndexes ?? []);
    const wanted = indexesOf(createTableInput(tableName).GlobalSecondaryIndexes);
    if (found.join() !== wanted.join()) {
      throw new TableSchemaMismatchError(
        `table ${tableName} has the indexes [${found.join(', ')}], not [${wanted.join(', ')}]: it was made for ` +
          'another data model (docs/data-model.md, Migration). Use another TABLE_NAME, or delete the local ' +
          'data (rm -rf .local) to start afresh.',
      );
    }
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await dynamodb.send(new CreateTableCommand(createTableInput(tableName)));
  for (let i = 0; i < 100; i++) {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await sleep(50);
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
