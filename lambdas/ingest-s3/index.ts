import { randomUUID } from 'node:crypto';
import { documentClient, sqsClient } from '../aws/clients.js';
import { s3IngestConfig } from '../config/function-config.js';
import { s3Client } from '../ingest/s3-client.js';
import { createS3IngestHandler } from '../ingest/s3-ingest-handler.js';
import { UploadClaims } from '../ingest/upload-claims.js';
import { withPowertools } from '../observability/lambda-powertools.js';
import { SendQueue } from '../queue/send-queue.js';
import { SendStore } from '../store/send-store.js';

const config = s3IngestConfig(process.env);
const db = documentClient();

export const handler = withPowertools(
  createS3IngestHandler({
    s3: s3Client(config.s3),
    store: new SendStore(db, config.tableName),
    queue: new SendQueue(sqsClient(), config.queueUrl),
    claims: new UploadClaims(db, config.tableName),
    clock: () => new Date(),
    // Unused: the batch id is the one in the object's key, given out with the upload URL.
    newBatchId: randomUUID,
    chunkRows: config.chunkRows,
    maxFileBytes: config.maxFileBytes,
  }),
);
