import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RowChunks } from '../core/files/row-chunks.js';
import { BatchControlStore } from '../core/store/batch-control-store.js';
import { BatchProgressReader } from '../core/store/batch-progress.js';
import { BatchReader } from '../core/store/batch-reader.js';
import { BatchStarts } from '../core/store/batch-starts.js';
import { BatchStore } from '../core/store/batch-store.js';
import { SendReader } from '../core/store/send-reader.js';
import { SendStore } from '../core/store/send-store.js';
import { SuppressionStore } from '../core/store/suppression-store.js';
import { WriterStore } from '../core/store/writer-store.js';
import type { ResolverDeps } from './resolvers.js';

/**
 * Everything the resolvers read, over one DynamoDB client and table and the bucket of the rows: what the
 * entry builds once per container, and what tests and the query benchmark build against the emulators.
 */
export function tableReaders(
  db: DynamoDBDocumentClient,
  tableName: string,
  rows: Pick<RowChunks, 'get'>,
): Omit<ResolverDeps, 'cursors'> {
  return {
    sends: new SendStore(db, tableName),
    rows,
    batchRecords: new BatchStore(db, tableName),
    reader: new SendReader(db, tableName),
    batches: new BatchReader(db, tableName),
    progress: new BatchProgressReader(db, tableName),
    starts: new BatchStarts(db, tableName),
    writers: new WriterStore(db, tableName),
    suppressions: new SuppressionStore(db, tableName),
    controls: new BatchControlStore(db, tableName),
  };
}
