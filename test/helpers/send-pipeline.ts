import { createHash, randomUUID } from 'node:crypto';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { ControlDeps } from '../../lambdas/campaigns/control-campaign.js';
import { uploadKeyOf } from '../../lambdas/contract/upload-object.js';
import { UnsubscribeLinks } from '../../lambdas/core/domain/list-unsubscribe.js';
import type { SendOptions } from '../../lambdas/core/domain/send-options.js';
import { UnsubscribeTokens } from '../../lambdas/core/domain/unsubscribe-token.js';
import { CampaignFiles } from '../../lambdas/core/files/campaign-files.js';
import { RowChunks } from '../../lambdas/core/files/row-chunks.js';
import type { IngestReport } from '../../lambdas/core/ingest/ingest-report.js';
import { queueByPriority, SendQueue } from '../../lambdas/core/queue/send-queue.js';
import { WriteQueue } from '../../lambdas/core/queue/write-queue.js';
import { SchedulerBatchSchedules } from '../../lambdas/core/schedule/batch-schedules.js';
import { BatchControlStore } from '../../lambdas/core/store/batch-control-store.js';
import { BatchPaceStore } from '../../lambdas/core/store/batch-pace-store.js';
import { BatchProgressReader, type StatusCounts } from '../../lambdas/core/store/batch-progress.js';
import { BatchStarts } from '../../lambdas/core/store/batch-starts.js';
import { BatchStore } from '../../lambdas/core/store/batch-store.js';
import { CountedSends } from '../../lambdas/core/store/counted-sends.js';
import { CounterStore } from '../../lambdas/core/store/counter-store.js';
import { FileRegistry } from '../../lambdas/core/store/file-registry.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { SuppressionStore } from '../../lambdas/core/store/suppression-store.js';
import { WriterStore } from '../../lambdas/core/store/writer-store.js';
import { BatchControls } from '../../lambdas/sender/batch-controls.js';
import type { SenderHandlerDeps } from '../../lambdas/sender/handler.js';
import { SesMailer } from '../../lambdas/sender/mailer.js';
import { type AcceptDeps, acceptUpload } from '../../lambdas/upload-api/accept-upload.js';
import { batchJobDepsFor } from '../../lambdas/writer/batch-job-deps.js';
import { createWriterHandler, type WriterDeps } from '../../lambdas/writer/handler.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import { sqsRecordOf } from '../../local/sqs-event-source.js';
import type { FunctionClients, TestAws } from './aws-emulators.js';
import { pollUntil } from './poll.js';
import { noSendMetrics } from './sender-doubles.js';

/** RETENTION_DAYS' default, as the functions' entries read it. */
export const RETENTION_SECONDS = 90 * 24 * 3600;

/** The key the tests' sender signs unsubscribe links with, and their unsubscribe function verifies. */
export const TEST_UNSUBSCRIBE_SECRET = 'test-unsubscribe-secret-of-at-least-32-characters';
export const testUnsubscribeTokens = () => new UnsubscribeTokens(TEST_UNSUBSCRIBE_SECRET);
/** UNSUBSCRIBE_BASE_URL of the tests' sender: where its links point. */
export const TEST_PUBLIC_URL = 'https://mail.example.test';

/**
 * The stores, files and queues, against the emulators, as the functions' entries build them: on the
 * test's shared clients, or on `clients` (freshClients) that a test injects faults into.
 */
export function storesOf(aws: TestAws, clients: FunctionClients = { ...aws.clients, s3: aws.s3.client }) {
  const db = clients.documents;
  const sends = new SendStore(db, aws.tableName);
  const counters = new CounterStore(db, aws.tableName);
  const writers = new WriterStore(db, aws.tableName);
  return {
    sends,
    counters,
    writers,
    counted: new CountedSends(sends, counters, writers, RETENTION_SECONDS),
    batches: new BatchStore(db, aws.tableName),
    registry: new FileRegistry(db, aws.tableName),
    suppressions: new SuppressionStore(db, aws.tableName),
    progress: new BatchProgressReader(db, aws.tableName),
    files: new CampaignFiles(clients.s3, aws.s3.bucket),
    rows: new RowChunks(clients.s3, aws.s3.bucket),
    queue: new SendQueue(clients.sqs, aws.queues.queueUrl),
    priorityQueue: new SendQueue(clients.sqs, aws.queues.priorityQueueUrl),
    writeQueue: new WriteQueue(clients.sqs, aws.queues.writeQueueUrl),
    controls: new BatchControlStore(db, aws.tableName),
    schedules: new SchedulerBatchSchedules(
      new SchedulerClient({
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        endpoint: aws.scheduler.endpoint,
      }),
      aws.scheduleTarget,
    ),
  };
}

/** A new SES client for the emulator: new, so that the middleware a test adds stays with that test. */
export function sesClientFor(aws: TestAws): SESv2Client {
  return new SESv2Client({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: aws.emulators.endpoints.sesv2,
  });
}

/**
 * The sender's dependencies against the emulators, as lambdas/sender/index.ts wires them: a 60 s lease,
 * the queue's 3 receives, no metrics, no pacing, links under TEST_PUBLIC_URL signed with
 * TEST_UNSUBSCRIBE_SECRET; `overrides` replaces any of them.
 */
export function senderDepsFor(
  aws: TestAws,
  ses: SESv2Client,
  overrides: Partial<SenderHandlerDeps> = {},
): SenderHandlerDeps {
  const { counted, rows, suppressions, controls } = storesOf(aws);
  return {
    sends: counted,
    // As the entry wires them, the control state read at most once per 3 s.
    controls: new BatchControls(controls, Date.now),
    pace: new BatchPaceStore(aws.clients.documents, aws.tableName),
    mailer: new SesMailer(ses, { from: 'campaigns@example.com' }),
    rows,
    suppressions,
    unsubscribe: new UnsubscribeLinks(testUnsubscribeTokens(), TEST_PUBLIC_URL),
    clock: () => new Date(),
    newLeaseId: randomUUID,
    batchStarts: new BatchStarts(aws.clients.documents, aws.tableName),
    leaseMs: 60_000,
    maxReceiveCount: 3,
    metrics: noSendMetrics,
    ...overrides,
  };
}

/** The upload API's dependencies (accept-upload.ts) against the emulators. */
export function acceptDepsFor(aws: TestAws, overrides: Partial<AcceptDeps> = {}): AcceptDeps {
  const { files, batches, registry, writers, suppressions, controls, schedules } = storesOf(aws);
  return {
    files,
    batches,
    registry,
    writers,
    suppressions,
    controls,
    schedules,
    clock: () => new Date(),
    retentionSeconds: RETENTION_SECONDS,
    answerMs: 29_000,
    ...overrides,
  };
}

/** The control routes' dependencies (control-campaign.ts) against the emulators. */
export function controlDepsFor(aws: TestAws, clock = () => new Date()): ControlDeps {
  const { writeQueue, schedules, batches, counters, controls } = storesOf(aws);
  return {
    controls,
    progress: new BatchProgressReader(aws.clients.documents, aws.tableName),
    batches,
    writeQueue,
    schedules,
    counters,
    clock,
    retentionSeconds: RETENTION_SECONDS,
  };
}

/** The writer's dependencies against the emulators, as lambdas/writer/index.ts wires them. */
export function writerDepsFor(
  aws: TestAws,
  overrides: Partial<WriterDeps> = {},
  clients?: FunctionClients,
): WriterDeps {
  const { files, rows, sends, writers, batches, queue, priorityQueue, writeQueue, suppressions } = storesOf(
    aws,
    clients,
  );
  const documents = clients?.documents ?? aws.clients.documents;
  return {
    controls: new BatchControlStore(documents, aws.tableName),
    jobs: batchJobDepsFor(
      documents,
      aws.tableName,
      { sendQueueFor: queueByPriority({ normal: queue, high: priorityQueue }), writeQueue },
      RETENTION_SECONDS,
    ),
    files,
    chunks: rows,
    sends,
    suppressions,
    writers,
    batches,
    writeQueue,
    clock: () => new Date(),
    now: () => performance.now(),
    chunkRows: 100,
    maxFileBytes: 1024 ** 3,
    retentionSeconds: RETENTION_SECONDS,
    ...overrides,
  };
}

/** A Lambda context with all of the writer's 900 s ahead of it. */
export const FULL_WRITER_TIME = { getRemainingTimeInMillis: () => 900_000 };

/** The write queue message of S3's event for the uploaded file of `batchId`, as an SQS event. */
export function uploadEventFor(aws: TestAws, batchId: string, messageId = randomUUID()): SQSEvent {
  const body = JSON.stringify({
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: aws.s3.bucket }, object: { key: uploadKeyOf(batchId) } },
      },
    ],
  });
  return {
    Records: [sqsRecordOf({ MessageId: messageId, Body: body }, 'arn:aws:sqs:us-east-1:000000000000:write')],
  };
}

/**
 * Uploads a CSV text the way POST /campaigns/upload does (accept-upload.ts, without HTTP), then writes
 * it as the writer does on S3's event; resolves with the upload's report once every send is queued.
 */
export async function ingestText(
  aws: TestAws,
  csv: string,
  /** `at`: the instant of the upload (the batch's createdAt); now by default. */
  options: { chunkRows?: number; dryRun?: boolean; fileName?: string; at?: Date; sending?: SendOptions } = {},
): Promise<IngestReport> {
  const { at } = options;
  const bytes = Buffer.from(csv);
  const batchId = randomUUID();
  const outcome = await acceptUpload(
    {
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      dryRun: options.dryRun ?? false,
      allowDuplicate: true,
      ...(options.fileName ? { fileName: options.fileName } : {}),
    },
    batchId,
    acceptDepsFor(aws, at ? { clock: () => at } : {}),
    { checkDuplicate: false, ...(options.sending ? { sending: options.sending } : {}) },
  );
  if (outcome.report === undefined) {
    throw new Error(`the upload was refused (${outcome.statusCode}): ${JSON.stringify(outcome.body)}`);
  }
  const writer = createWriterHandler(writerDepsFor(aws, { chunkRows: options.chunkRows ?? 100 }));
  const result = await writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME);
  if (result.batchItemFailures.length > 0) throw new Error(`the writer failed on batch ${batchId}`);
  return outcome.report;
}

/** Ingests one mail (subject "S", content "C") to each address, the way an upload does. */
export function ingestMails(aws: TestAws, addresses: string[]): Promise<IngestReport> {
  return ingestText(aws, csvOf([['email', 'subject', 'content'], ...addresses.map((a) => [a, 'S', 'C'])]));
}

/**
 * Receives up to 10 messages and shapes them as the Lambda SQS event source would. A short poll
 * (`waitSeconds` 0) may come back empty while messages wait, on SQS as on its emulator (which looks for
 * 40 ms): to know that a queue is empty, wait a second.
 */
export async function receiveSqsEvent(
  aws: TestAws,
  queueUrl = aws.queues.queueUrl,
  waitSeconds = 0,
): Promise<SQSEvent> {
  const out = await aws.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['All'],
      // The SQS emulator only honours the older name; real SQS accepts both.
      AttributeNames: ['All'],
    }),
  );
  return {
    Records: (out.Messages ?? []).map((m) => sqsRecordOf(m, 'arn:aws:sqs:us-east-1:000000000000:test')),
  };
}

/**
 * Receives until at least `count` messages came, as one SQS event. For messages that come back on the
 * SQS emulator's own clock (a visibility timeout, a message delay), which a test cannot move: it polls
 * with a deadline instead of sleeping for a guessed time. A message received stays invisible for the
 * queue's visibility timeout, so the event holds each once.
 */
export async function receiveAtLeast(
  aws: TestAws,
  what: string,
  count: number,
  queueUrl = aws.queues.queueUrl,
): Promise<SQSEvent> {
  const Records: SQSEvent['Records'] = [];
  await pollUntil(
    what,
    async () => {
      Records.push(...(await receiveSqsEvent(aws, queueUrl)).Records);
      return Records;
    },
    (received) => received.length >= count,
  );
  return { Records };
}

/** Every message waiting on the queue (each made invisible for the queue's visibility timeout). */
export async function drainQueue(aws: TestAws, queueUrl = aws.queues.queueUrl): Promise<SQSEvent['Records']> {
  const records: SQSEvent['Records'] = [];
  for (;;) {
    const { Records } = await receiveSqsEvent(aws, queueUrl, 1);
    if (Records.length === 0) return records;
    records.push(...Records);
  }
}

export function csvOf(rows: string[][]): string {
  return `${rows.map((r) => r.join(',')).join('\n')}\n`;
}

/** Sends of a batch in each status, counted as GraphQL's batch.counts counts them. */
export async function countsOf(aws: TestAws, batchId: string): Promise<StatusCounts> {
  return (await new BatchProgressReader(aws.clients.documents, aws.tableName).progress(batchId)).counts;
}
