import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { IngestReport } from '../../contract/api-schemas.js';
import { batchIndexKeysFor, batchKey } from './item-keys.js';
import { recordOfItem } from './item-records.js';

/** One upload: what its report said, kept with the batch for GraphQL's `batch` and `batches`. */
export interface BatchRecord {
  batchId: string;
  createdAt: string;
  fileName?: string;
  received: number;
  accepted: number;
  duplicates: number;
  invalid: number;
  /** The ingest report kept with the batch (see IngestReport); absent on batches written before it. */
  encoding?: IngestReport['encoding'];
  dryRun?: boolean;
  /** The first STORED_LIST_LIMIT entries of the upload's answer; `truncated` when there were more. */
  errors?: { line: number; reason: string; value: string }[];
  duplicatesList?: { line: number; email: string; firstLine: number }[];
  truncated?: boolean;
}

/** Batch records by key. Listing them, newest first, is BatchReader's (batch-reader.ts). */
export class BatchStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async putBatch(batch: BatchRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        // The index keys list the batch on the status index (see BATCH_LIST_PARTITION).
        Item: {
          ...batchKey(batch.batchId),
          type: 'batch',
          ...batch,
          ...batchIndexKeysFor(batch.batchId, batch.createdAt),
        },
      }),
    );
  }

  async getBatch(batchId: string): Promise<BatchRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: batchKey(batchId) }));
    return out.Item ? recordOfItem<BatchRecord>(out.Item) : undefined;
  }
}
