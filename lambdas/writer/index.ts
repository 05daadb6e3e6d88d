import { sqsClient } from '../core/aws/clients.js';
import { s3Client } from '../core/aws/s3-client.js';
import { writerConfig } from '../core/config/function-config.js';
import { CampaignFiles } from '../core/files/campaign-files.js';
import { RowChunks } from '../core/files/row-chunks.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { queueByPriority, SendQueue } from '../core/queue/send-queue.js';
import { WriteQueue } from '../core/queue/write-queue.js';
import { BatchControlStore } from '../core/store/batch-control-store.js';
import { BatchStore } from '../core/store/batch-store.js';
import { SendStore } from '../core/store/send-store.js';
import { SuppressionStore } from '../core/store/suppression-store.js';
import { documentClient } from '../core/store/table-client.js';
import { WriterStore } from '../core/store/writer-store.js';
import { batchJobDepsFor } from './batch-job-deps.js';
import { createWriterHandler } from './handler.js';

const config = writerConfig(process.env);
const db = documentClient();
const s3 = s3Client(config.s3);
const sqs = sqsClient();

const queues = {
  normal: new SendQueue(sqs, config.queueUrl),
  high: new SendQueue(sqs, config.priorityQueueUrl),
};
const writeQueue = new WriteQueue(sqs, config.writeQueueUrl);

export const handler = withPowertools(
  createWriterHandler({
    files: new CampaignFiles(s3, config.bucketName),
    chunks: new RowChunks(s3, config.bucketName),
    sends: new SendStore(db, config.tableName),
    suppressions: new SuppressionStore(db, config.tableName),
    writers: new WriterStore(db, config.tableName),
    batches: new BatchStore(db, config.tableName),
    writeQueue,
    controls: new BatchControlStore(db, config.tableName),
    jobs: batchJobDepsFor(
      db,
      config.tableName,
      { sendQueueFor: queueByPriority(queues), writeQueue },
      config.retentionSeconds,
    ),
    clock: () => new Date(),
    now: () => performance.now(),
    chunkRows: config.chunkRows,
    maxFileBytes: config.maxFileBytes,
    retentionSeconds: config.retentionSeconds,
    ...(config.budgetSeconds === undefined ? {} : { budgetMs: config.budgetSeconds * 1000 }),
  }),
);
