import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SEND_QUEUE } from '../lambdas/contract/queue-settings.js';
import {
  EMAIL_SENDS_TABLE,
  type KeyAttribute,
  type TableDefinition,
} from '../lambdas/contract/table-schema.js';

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
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}

/** Creates the EmailSends table unless it exists (data kept on disk survives restarts). */
export async function ensureTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
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

export interface QueueUrls {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/** Creates the send queue and its dead-letter queue (idempotent), with the shared settings. */
export async function ensureQueues(
  sqs: SQSClient,
  options: { prefix?: string; visibilityTimeoutSeconds?: number } = {},
): Promise<QueueUrls> {
  const prefix = options.prefix ?? '';
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}${SEND_QUEUE.deadLetterName}`,
      Attributes: { MessageRetentionPeriod: String(SEND_QUEUE.deadLetterRetentionSeconds) },
    }),
  );
  const deadLetterQueueUrl = dlq.QueueUrl as string;
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}${SEND_QUEUE.name}`,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? SEND_QUEUE.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(SEND_QUEUE.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attributes.Attributes?.QueueArn,
          maxReceiveCount: SEND_QUEUE.maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl as string, deadLetterQueueUrl };
}
