/**
 * The writer of `npm run bench:ingest`'s large run, in a process of its own so that its peak memory is
 * the writer's alone (the emulators run in the parent). It takes the uploaded file's write queue
 * messages as the SQS event source would, one at a time, and runs the writer handler on each with a
 * budget of BENCH_WRITER_BUDGET_MS, so that the file goes through continuations; it stops when the
 * batch is READY or FAILED and prints one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { uploadKeyOf } from '../lambdas/contract/upload-object.js';
import { s3Client } from '../lambdas/core/aws/s3-client.js';
import { CampaignFiles } from '../lambdas/core/files/campaign-files.js';
import { RowChunks } from '../lambdas/core/files/row-chunks.js';
import { queueByPriority, SendQueue } from '../lambdas/core/queue/send-queue.js';
import { WriteQueue } from '../lambdas/core/queue/write-queue.js';
import { BatchControlStore } from '../lambdas/core/store/batch-control-store.js';
import { BatchStore } from '../lambdas/core/store/batch-store.js';
import { SendStore } from '../lambdas/core/store/send-store.js';
import { SuppressionStore } from '../lambdas/core/store/suppression-store.js';
import { WriterStore } from '../lambdas/core/store/writer-store.js';
import { batchJobDepsFor } from '../lambdas/writer/batch-job-deps.js';
import { createWriterHandler } from '../lambdas/writer/handler.js';
import { localClients } from '../local/local-clients.js';
import { sqsRecordOf } from '../local/sqs-event-source.js';
import { peakRssBytes } from './process-stats.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const batchId = env('BENCH_BATCH_ID');
const bucket = env('UPLOAD_BUCKET');
const table = env('TABLE_NAME');
const writeQueueUrl = env('WRITE_QUEUE_URL');
const clients = localClients({
  dynamodb: env('AWS_ENDPOINT_URL_DYNAMODB'),
  sqs: env('AWS_ENDPOINT_URL_SQS'),
  sesv2: 'http://127.0.0.1:9',
});
const s3 = s3Client({ forcePathStyle: true });
const writers = new WriterStore(clients.documents, table);
const queues = {
  normal: new SendQueue(clients.sqs, env('QUEUE_URL')),
  high: new SendQueue(clients.sqs, env('PRIORITY_QUEUE_URL')),
};
const writeQueue = new WriteQueue(clients.sqs, writeQueueUrl);
const handler = createWriterHandler({
  files: new CampaignFiles(s3, bucket),
  chunks: new RowChunks(s3, bucket),
  sends: new SendStore(clients.documents, table),
  suppressions: new SuppressionStore(clients.documents, table),
  writers,
  batches: new BatchStore(clients.documents, table),
  writeQueue,
  controls: new BatchControlStore(clients.documents, table),
  jobs: batchJobDepsFor(
    clients.documents,
    table,
    { sendQueueFor: queueByPriority(queues), writeQueue },
    90 * 24 * 3600,
  ),
  clock: () => new Date(),
  now: () => performance.now(),
  chunkRows: 500,
  maxFileBytes: 5 * 1024 ** 3,
  retentionSeconds: 90 * 24 * 3600,
  budgetMs: Number(env('BENCH_WRITER_BUDGET_MS')),
});

// S3's event of the uploaded file, as its notification puts it on the write queue.
await clients.sqs.send(
  new SendMessageCommand({
    QueueUrl: writeQueueUrl,
    MessageBody: JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: bucket }, object: { key: uploadKeyOf(batchId) } },
        },
      ],
    }),
  }),
);

const started = performance.now();
let invocations = 0;
for (;;) {
  const state = (await writers.get(batchId))?.state;
  if (state === 'READY' || state === 'FAILED') break;
  const out = await clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: writeQueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
  );
  const message = out.Messages?.[0];
  if (message === undefined) continue;
  invocations += 1;
  const result = await handler(
    { Records: [sqsRecordOf({ ...message, MessageId: message.MessageId ?? randomUUID() }, 'arn:write')] },
    { getRemainingTimeInMillis: () => 900_000 },
  );
  if (result.batchItemFailures.length > 0) throw new Error(`invocation ${invocations} failed`);
  await clients.sqs.send(
    new DeleteMessageCommand({ QueueUrl: writeQueueUrl, ReceiptHandle: message.ReceiptHandle }),
  );
}
const seconds = (performance.now() - started) / 1000;
const writer = await writers.get(batchId);
clients.destroy();
s3.destroy();
console.log(
  JSON.stringify({
    state: writer?.state,
    ...(writer?.problem ? { problem: writer.problem, error: writer.error } : {}),
    rowsWritten: writer?.rowsWritten ?? 0,
    runs: writer?.runs ?? 0,
    invocations,
    seconds,
    rowsPerSecond: (writer?.rowsWritten ?? 0) / seconds,
    peakRssBytes: peakRssBytes(process.pid),
  }),
);
