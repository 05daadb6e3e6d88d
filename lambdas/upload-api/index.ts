import { randomUUID } from 'node:crypto';
import { sqsClient } from '../core/aws/clients.js';
import { ingestConfig } from '../core/config/function-config.js';
import { ApiKeyCheck } from '../core/http/api-key-check.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { SendQueue } from '../core/queue/send-queue.js';
import { ApiKeyStore } from '../core/store/api-key-store.js';
import { BatchStore } from '../core/store/batch-store.js';
import { ContentStore } from '../core/store/content-store.js';
import { IdempotencyStore } from '../core/store/idempotency-store.js';
import { SendStore } from '../core/store/send-store.js';
import { documentClient } from '../core/store/table-client.js';
import { createIngestHandler } from './handler.js';

const config = ingestConfig(process.env);
const db = documentClient();
const clock = () => new Date();

export const handler = withPowertools(
  createIngestHandler({
    sends: new SendStore(db, config.tableName),
    contents: new ContentStore(db, config.tableName),
    batches: new BatchStore(db, config.tableName),
    queue: new SendQueue(sqsClient(), config.queueUrl),
    clock,
    newBatchId: randomUUID,
    chunkRows: config.chunkRows,
    maxBodyBytes: config.maxBodyBytes,
    idempotency: new IdempotencyStore(db, config.tableName, config.idempotency),
    apiKeys: new ApiKeyCheck(new ApiKeyStore(db, config.tableName), clock, config.apiKeyCache),
  }),
);
