import { randomUUID } from 'node:crypto';
import { s3Client } from '../core/aws/s3-client.js';
import { uploadUrlConfig } from '../core/config/function-config.js';
import { ApiKeyCheck } from '../core/http/api-key-check.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { ApiKeyStore } from '../core/store/api-key-store.js';
import { documentClient } from '../core/store/table-client.js';
import { WriterStore } from '../core/store/writer-store.js';
import { createUploadUrlHandler } from './handler.js';

const config = uploadUrlConfig(process.env);
const clock = () => new Date();
const db = documentClient();

export const handler = withPowertools(
  createUploadUrlHandler({
    s3: s3Client(config.s3),
    bucketName: config.bucketName,
    urlSeconds: config.urlSeconds,
    maxFileBytes: config.maxFileBytes,
    writers: new WriterStore(db, config.tableName),
    retentionSeconds: config.retentionSeconds,
    clock,
    newBatchId: randomUUID,
    apiKeys: new ApiKeyCheck(new ApiKeyStore(db, config.tableName), clock, config.apiKeyCache),
  }),
);
