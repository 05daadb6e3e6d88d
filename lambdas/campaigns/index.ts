import { schedulerClient, sqsClient } from '../core/aws/clients.js';
import { campaignsConfig } from '../core/config/function-config.js';
import { ApiKeyCheck } from '../core/http/api-key-check.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { WriteQueue } from '../core/queue/write-queue.js';
import { SchedulerBatchSchedules } from '../core/schedule/batch-schedules.js';
import { ApiKeyStore } from '../core/store/api-key-store.js';
import { BatchControlStore } from '../core/store/batch-control-store.js';
import { BatchProgressReader } from '../core/store/batch-progress.js';
import { BatchStore } from '../core/store/batch-store.js';
import { CounterStore } from '../core/store/counter-store.js';
import { documentClient } from '../core/store/table-client.js';
import { createCampaignsHandler } from './handler.js';

const config = campaignsConfig(process.env);
const db = documentClient();

const clock = () => new Date();

export const handler = withPowertools(
  createCampaignsHandler({
    batches: new BatchStore(db, config.tableName),
    progress: new BatchProgressReader(db, config.tableName),
    controls: new BatchControlStore(db, config.tableName),
    writeQueue: new WriteQueue(sqsClient(), config.writeQueueUrl),
    schedules: new SchedulerBatchSchedules(schedulerClient(), config.schedules),
    counters: new CounterStore(db, config.tableName),
    clock,
    retentionSeconds: config.retentionSeconds,
    apiKeys: new ApiKeyCheck(new ApiKeyStore(db, config.tableName), clock, config.apiKeyCache),
  }),
);
