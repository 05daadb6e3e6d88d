import { randomUUID } from 'node:crypto';
import { ApiKeyCheck } from '../auth/api-key-check.js';
import { ApiKeyStore } from '../auth/api-key-store.js';
import { documentClient } from '../aws/clients.js';
import { uploadUrlConfig } from '../config/function-config.js';
import { createUploadUrlHandler } from '../ingest/large-upload.js';
import { s3Client } from '../ingest/s3-client.js';
import { withPowertools } from '../observability/lambda-powertools.js';

const config = uploadUrlConfig(process.env);
const clock = () => new Date();

export const handler = withPowertools(
  createUploadUrlHandler({
    s3: s3Client(config.s3),
    bucketName: config.bucketName,
    urlSeconds: config.urlSeconds,
    maxFileBytes: config.maxFileBytes,
    clock,
    newBatchId: randomUUID,
    apiKeys: new ApiKeyCheck(new ApiKeyStore(documentClient(), config.tableName), clock, config.apiKeyCache),
  }),
);
