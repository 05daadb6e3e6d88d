import { randomUUID } from 'node:crypto';
import { FUNCTIONS } from '../contract/functions.js';
import { s3Client } from '../core/aws/s3-client.js';
import { ingestConfig } from '../core/config/function-config.js';
import { CampaignFiles } from '../core/files/campaign-files.js';
import { ApiKeyCheck } from '../core/http/api-key-check.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { ApiKeyStore } from '../core/store/api-key-store.js';
import { BatchStore } from '../core/store/batch-store.js';
import { FileRegistry } from '../core/store/file-registry.js';
import { IdempotencyStore } from '../core/store/idempotency-store.js';
import { SuppressionStore } from '../core/store/suppression-store.js';
import { documentClient } from '../core/store/table-client.js';
import { WriterStore } from '../core/store/writer-store.js';
import { createIngestHandler } from './handler.js';

const config = ingestConfig(process.env);
const db = documentClient();
const clock = () => new Date();

export const handler = withPowertools(
  createIngestHandler({
    files: new CampaignFiles(s3Client(config.s3), config.bucketName),
    batches: new BatchStore(db, config.tableName),
    registry: new FileRegistry(db, config.tableName),
    writers: new WriterStore(db, config.tableName),
    suppressions: new SuppressionStore(db, config.tableName),
    clock,
    retentionSeconds: config.retentionSeconds,
    // An upload is answered within the function's timeout or not at all.
    answerMs: FUNCTIONS.uploadApi.timeoutSeconds * 1000,
    newBatchId: randomUUID,
    maxBodyBytes: config.maxBodyBytes,
    idempotency: new IdempotencyStore(db, config.tableName, config.idempotency),
    apiKeys: new ApiKeyCheck(new ApiKeyStore(db, config.tableName), clock, config.apiKeyCache),
  }),
);
