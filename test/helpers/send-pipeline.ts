import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { readCampaign } from '../../lambdas/domain/campaign-reader.js';
import { BatchProgressReader } from '../../lambdas/graphql/batch-progress-reader.js';
import { type IngestReport, ingestCampaign } from '../../lambdas/ingest/ingest-campaign.js';
import { SendQueue } from '../../lambdas/queue/send-queue.js';
import type { StatusCounts } from '../../lambdas/store/send-store.js';
import { SendStore } from '../../lambdas/store/send-store.js';
import { sqsRecordOf } from '../../local/sqs-event-source.js';
import type { TestAws } from './aws-emulators.js';

export function storeAndQueue(aws: TestAws) {
  return {
    store: new SendStore(aws.clients.documents, aws.tableName),
    queue: new SendQueue(aws.clients.sqs, aws.queues.queueUrl),
  };
}

/** Ingests a CSV text the way the upload handler does, without HTTP. */
export async function ingestText(aws: TestAws, csv: string, chunkRows = 100): Promise<IngestReport> {
  return ingestCampaign(readCampaign([Buffer.from(csv)]), {
    ...storeAndQueue(aws),
    clock: () => new Date(),
    newBatchId: randomUUID,
    chunkRows,
  });
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

export function csvOf(rows: string[][]): string {
  return `${rows.map((r) => r.join(',')).join('\n')}\n`;
}

/** Sends of a batch in each status, counted as GraphQL's batch.counts counts them. */
export async function countsOf(aws: TestAws, batchId: string): Promise<StatusCounts> {
  return (await new BatchProgressReader(aws.clients.documents, aws.tableName).progress(batchId)).counts;
}
