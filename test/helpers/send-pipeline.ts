import { randomUUID } from 'node:crypto';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { readCampaign } from '../../lambdas/core/domain/campaign-reader.js';
import { ingestCampaign } from '../../lambdas/core/ingest/ingest-campaign.js';
import type { IngestReport } from '../../lambdas/core/ingest/ingest-report.js';
import { SendQueue } from '../../lambdas/core/queue/send-queue.js';
import { BatchProgressReader, type StatusCounts } from '../../lambdas/core/store/batch-progress-reader.js';
import { BatchStarts } from '../../lambdas/core/store/batch-starts.js';
import { BatchStore } from '../../lambdas/core/store/batch-store.js';
import { ContentStore } from '../../lambdas/core/store/content-store.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { ContentCache } from '../../lambdas/sender/content-cache.js';
import type { SenderHandlerDeps } from '../../lambdas/sender/handler.js';
import { SesMailer } from '../../lambdas/sender/mailer.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import { sqsRecordOf } from '../../local/sqs-event-source.js';
import type { TestAws } from './aws-emulators.js';
import { pollUntil } from './poll.js';
import { noSendMetrics } from './sender-doubles.js';

/** The stores and the queue, against the emulators, as the functions' entries build them. */
export function storesOf(aws: TestAws) {
  return {
    sends: new SendStore(aws.clients.documents, aws.tableName),
    contents: new ContentStore(aws.clients.documents, aws.tableName),
    batches: new BatchStore(aws.clients.documents, aws.tableName),
    queue: new SendQueue(aws.clients.sqs, aws.queues.queueUrl),
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
 * the queue's 3 receives, no metrics, no pacing; `overrides` replaces any of them.
 */
export function senderDepsFor(
  aws: TestAws,
  ses: SESv2Client,
  overrides: Partial<SenderHandlerDeps> = {},
): SenderHandlerDeps {
  const { sends, contents } = storesOf(aws);
  return {
    sends,
    mailer: new SesMailer(ses, { from: 'campaigns@example.com' }),
    contents: new ContentCache((id) => contents.getContent(id)),
    clock: () => new Date(),
    newLeaseId: randomUUID,
    batchStarts: new BatchStarts(aws.clients.documents, aws.tableName),
    leaseMs: 60_000,
    maxReceiveCount: 3,
    metrics: noSendMetrics,
    ...overrides,
  };
}

/** Ingests a CSV text the way the upload handler does, without HTTP. */
export async function ingestText(aws: TestAws, csv: string, chunkRows = 100): Promise<IngestReport> {
  return ingestCampaign(
    readCampaign([Buffer.from(csv)]),
    { ...storesOf(aws), clock: () => new Date(), chunkRows },
    { batchId: randomUUID(), mode: 'new' },
  );
}

/** Ingests one mail (subject "S", content "C") to each address, the way the upload handler does. */
export function ingestMails(aws: TestAws, addresses: string[]): Promise<IngestReport> {
  return ingestText(aws, csvOf([['email', 'subject', 'content'], ...addresses.map((a) => [a, 'S', 'C'])]));
}

/** Receives up to 10 messages and shapes them as the Lambda SQS event source would. */
export async function receiveSqsEvent(aws: TestAws, queueUrl = aws.queues.queueUrl): Promise<SQSEvent> {
  const out = await aws.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
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

export function csvOf(rows: string[][]): string {
  return `${rows.map((r) => r.join(',')).join('\n')}\n`;
}

/** Sends of a batch in each status, counted as GraphQL's batch.counts counts them. */
export async function countsOf(aws: TestAws, batchId: string): Promise<StatusCounts> {
  return (await new BatchProgressReader(aws.clients.documents, aws.tableName).progress(batchId)).counts;
}
