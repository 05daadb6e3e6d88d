import { randomUUID } from 'node:crypto';
import { ApiKeyCheck } from '../auth/api-key-check.js';
import { ApiKeyStore } from '../auth/api-key-store.js';
import { documentClient, sqsClient } from '../aws/clients.js';
import { ingestConfig } from '../config/function-config.js';
import { withPowertools } from '../observability/lambda-powertools.js';
import { SendQueue } from '../queue/send-queue.js';
import { SendStore } from '../store/send-store.js';
import { createIngestHandler } from './handler.js';
import { IdempotencyStore } from './idempotency-store.js';

const config = ingestConfig(process.env);

const db = documentClient();
const clock = () => new Date();

export const handler = withPowertools(
  createIngestHandler({
    store: new SendStore(db, config.tableName),
    queue: new SendQueue(sqsClient(), config.queueUrl),
    clock,
    newBatchId: randomUUID,
    chunkRows: config.chunkRows,
    maxBodyBytes: config.maxBodyBytes,
    idempotency: new IdempotencyStore(db, config.tableName, config.idempotency),
    apiKeys: new ApiKeyCheck(new ApiKeyStore(db, config.tableName), clock, config.apiKeyCache),
  }),
);
