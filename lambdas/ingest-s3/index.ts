import { sqsClient } from '../core/aws/clients.js';
import { s3Client } from '../core/aws/s3-client.js';
import { s3IngestConfig } from '../core/config/function-config.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { SendQueue } from '../core/queue/send-queue.js';
import { BatchStore } from '../core/store/batch-store.js';
import { ContentStore } from '../core/store/content-store.js';
import { SendStore } from '../core/store/send-store.js';
import { documentClient } from '../core/store/table-client.js';
import { UploadClaims } from '../core/store/upload-claims.js';
import { createS3IngestHandler } from './handler.js';

const config = s3IngestConfig(process.env);
const db = documentClient();

export const handler = withPowertools(
  createS3IngestHandler({
    s3: s3Client(config.s3),
    sends: new SendStore(db, config.tableName),
    contents: new ContentStore(db, config.tableName),
    batches: new BatchStore(db, config.tableName),
    queue: new SendQueue(sqsClient(), config.queueUrl),
    claims: new UploadClaims(db, config.tableName),
    clock: () => new Date(),
    chunkRows: config.chunkRows,
    maxFileBytes: config.maxFileBytes,
  }),
);
