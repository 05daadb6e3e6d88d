import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchProgressReader } from '../core/store/batch-progress-reader.js';
import { BatchReader } from '../core/store/batch-reader.js';
import { BatchStarts } from '../core/store/batch-starts.js';
import { BatchStore } from '../core/store/batch-store.js';
import { ContentStore } from '../core/store/content-store.js';
import { SendReader } from '../core/store/send-reader.js';
import { SendStore } from '../core/store/send-store.js';
import { UploadClaims } from '../core/store/upload-claims.js';
import type { ResolverDeps } from './resolvers.js';

/**
 * Everything the resolvers read, over one DynamoDB client and table: what the entry builds once per
 * container, and what tests and the query benchmark build against the emulator.
 */
export function tableReaders(db: DynamoDBDocumentClient, tableName: string): Omit<ResolverDeps, 'cursors'> {
  return {
    sends: new SendStore(db, tableName),
    contents: new ContentStore(db, tableName),
    batchRecords: new BatchStore(db, tableName),
    reader: new SendReader(db, tableName),
    batches: new BatchReader(db, tableName),
    progress: new BatchProgressReader(db, tableName),
    starts: new BatchStarts(db, tableName),
    uploads: new UploadClaims(db, tableName),
  };
}
