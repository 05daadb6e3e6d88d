import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { IngestReport } from '../../contract/api-schemas.js';
import { retryLeftovers } from '../async/retry-leftovers.js';
import { chunksOf } from '../async/run-bounded.js';
import { BATCH_LIST_PARTITION, batchKey, batchListKeysFor } from './item-keys.js';
import { recordOfItem } from './item-records.js';

/** A row of a file left out because its address is on the suppression list. */
export type SuppressedRow = IngestReport['suppressedList'][number];

/** What an upload's report says of a batch's rows: kept with the batch for GraphQL and the campaigns API. */
export interface BatchReport {
  received: number;
  accepted: number;
  duplicates: number;
  invalid: number;
  /** Absent on batches uploaded before the suppression list existed. */
  suppressed: number;
  encoding: IngestReport['encoding'];
  /** The first STORED_LIST_LIMIT entries of the upload's answer; `truncated` when there were more. */
  errors: { line: number; reason: string; value: string }[];
  duplicatesList: { line: number; email: string; firstLine: number }[];
  suppressedList: SuppressedRow[];
  truncated: boolean;
}

/**
 * One upload. The upload API writes it whole before it answers; a large file's batch is written by the
 * writer when it takes the file up, and gets its report when the file has been read to the end.
 */
export interface BatchRecord extends Partial<BatchReport> {
  batchId: string;
  createdAt: string;
  fileName?: string;
  dryRun?: boolean;
}

/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_SIZE = 100;

/** Batch records by key. Listing them, newest first, is BatchReader's (batch-reader.ts). */
export class BatchStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Creates the batch record unless it exists: the upload API and the writer may both create it (the
   * writer can take the file up before the API has written it), and the first one stands.
   */
  async createBatch(batch: BatchRecord, expiresAt: number): Promise<'created' | 'exists'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          // The index keys list the batch in the BATCHES partition of the index, newest first.
          Item: {
            ...batchKey(batch.batchId),
            type: 'batch',
            ...batch,
            expiresAt,
            ...batchListKeysFor(BATCH_LIST_PARTITION, batch.batchId, batch.createdAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw error;
    }
  }

  /** Sets the report of the file's rows (the writer, at the end of a large file). */
  async setReport(batchId: string, report: BatchReport): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(report).map(([name, value]) => {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      return `#${name} = :${name}`;
    });
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: batchKey(batchId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async getBatch(batchId: string): Promise<BatchRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: batchKey(batchId) }));
    return out.Item ? recordOfItem<BatchRecord>(out.Item) : undefined;
  }

  /** Batch records by id; ids with no record are left out. */
  async getBatches(batchIds: readonly string[]): Promise<Map<string, BatchRecord>> {
    const found = new Map<string, BatchRecord>();
    for (const ids of chunksOf([...new Set(batchIds)], BATCH_GET_SIZE)) {
      await retryLeftovers(
        'batch reads',
        ids.map((id) => batchKey(id)),
        async (keys) => {
          const out = await this.db.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
          );
          for (const item of out.Responses?.[this.tableName] ?? []) {
            const record = recordOfItem<BatchRecord>(item);
            found.set(record.batchId, record);
          }
          return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
        },
      );
    }
    return found;
  }
}
