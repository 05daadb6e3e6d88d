import { campaignsConfig } from '../core/config/function-config.js';
import { ApiKeyCheck } from '../core/http/api-key-check.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { ApiKeyStore } from '../core/store/api-key-store.js';
import { BatchProgressReader } from '../core/store/batch-progress.js';
import { BatchStore } from '../core/store/batch-store.js';
import { documentClient } from '../core/store/table-client.js';
import { createCampaignsHandler } from './handler.js';

const config = campaignsConfig(process.env);
const db = documentClient();

export const handler = withPowertools(
  createCampaignsHandler({
    batches: new BatchStore(db, config.tableName),
    progress: new BatchProgressReader(db, config.tableName),
    apiKeys: new ApiKeyCheck(new ApiKeyStore(db, config.tableName), () => new Date(), config.apiKeyCache),
  }),
);
