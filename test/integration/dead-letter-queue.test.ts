import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import {
  countsOf,
  ingestMails,
  receiveAtLeast,
  receiveSqsEvent,
  senderDepsFor,
  sesClientFor,
  storesOf,
} from '../helpers/send-pipeline.js';
import { countsWith } from '../helpers/send-records.js';
import { injectSesFaults, sesServiceError } from '../helpers/ses-faults.js';

let aws: TestAws;
beforeAll(async () => {
  // A one-second visibility timeout lets a message use up its three receives within the test.
  aws = await startTestAws({ visibilityTimeoutSeconds: 1 });
});
afterAll(() => aws.stop());

function sender(ses: SESv2Client) {
  const deps = senderDepsFor(aws, ses);
  return { handler: createSenderHandler(deps) };
}

const ses = () => sesClientFor(aws);

/** Plays the event source: hands the received messages to the handler and deletes the acknowledged ones. */
async function deliver(handler: ReturnType<typeof sender>['handler'], event: SQSEvent, queueUrl: string) {
  const { batchItemFailures } = await handler(event);
  const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
  for (const record of event.Records) {
    if (!failed.has(record.messageId)) {
      await aws.clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }),
      );
    }
  }
  return failed.size;
}

/** What an operator's redrive does: each DLQ message back on the send queue. */
async function redrive(dead: SQSEvent) {
  for (const record of dead.Records) {
    await aws.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: aws.queues.queueUrl, MessageBody: record.body }),
    );
    await aws.clients.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: aws.queues.deadLetterQueueUrl,
        ReceiptHandle: record.receiptHandle,
      }),
    );
  }
}

describe('the dead-letter queue', () => {
  it('marks a send ERROR "retries exhausted" on its last receive, and the message lands on the DLQ (SES throttling injected by middleware)', async () => {
    const report = await ingestMails(aws, ['dlq@example.com']);
    const throttled = ses();
    injectSesFaults(throttled, () =>
      sesServiceError('TooManyRequestsException', 'Maximum sending rate exceeded.', 429),
    );
    const { handler } = sender(throttled);

    for (let receive = 1; receive <= 3; receive++) {
      // The first receive finds the new message; each later one waits out the 1 s visibility timeout.
      const event = await receiveAtLeast(aws, `receive ${receive} of the throttled message`, 1);
      expect(event.Records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual([String(receive)]);
      expect(await deliver(handler, event, aws.queues.queueUrl)).toBe(1);
      const counts = await countsOf(aws, report.batchId);
      expect(counts.ERROR).toBe(receive === 3 ? 1 : 0);
    }
    // After the third receive's timeout the message moves to the DLQ, and does not come back.
    const dead = await receiveAtLeast(aws, 'the message on the DLQ', 1, aws.queues.deadLetterQueueUrl);
    expect(dead.Records.map((r) => (JSON.parse(r.body) as { sendId: string }).sendId)).toEqual([
      sendIdFor(report.batchId, 'dlq@example.com'),
    ]);
    expect((await receiveSqsEvent(aws)).Records).toHaveLength(0);

    expect(await sendOf(report.batchId, 'dlq@example.com')).toMatchObject({
      status: 'ERROR',
      errorCode: 'RetriesExhausted',
      errorMessage:
        'retries exhausted after 3 deliveries; last error TooManyRequestsException: Maximum sending rate exceeded.',
    });

    // Redriven once SES is fine again: the send is claimed afresh and mailed once.
    await redrive(dead);
    const { handler: healthy } = sender(ses());
    expect(await deliver(healthy, await receiveSqsEvent(aws), aws.queues.queueUrl)).toBe(0);
    expect(await sendOf(report.batchId, 'dlq@example.com')).toMatchObject({ status: 'SENT', attempts: 4 });
    expect(await sendOf(report.batchId, 'dlq@example.com')).not.toHaveProperty('errorCode');
    // The redriven send left ERROR for SENDING, then SENT: the counters followed it.
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 0, SENT: 1, ERROR: 0 }),
    );
  });

  it('acknowledges a redriven message whose send was SENT meanwhile, without calling SES', async () => {
    const report = await ingestMails(aws, ['twice@example.com']);
    const event = await receiveSqsEvent(aws);
    const counted = ses();
    const calls = injectSesFaults(counted, () => undefined);
    const { handler } = sender(counted);
    expect(await deliver(handler, event, aws.queues.queueUrl)).toBe(0);
    expect(calls.delivered).toBe(1);

    // The same message again, as a redrive of a stale DLQ copy would bring it.
    await aws.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: aws.queues.queueUrl, MessageBody: event.Records[0]?.body ?? '' }),
    );
    expect(await deliver(handler, await receiveSqsEvent(aws), aws.queues.queueUrl)).toBe(0);
    expect(calls.attempted).toBe(1);
    expect(await sendOf(report.batchId, 'twice@example.com')).toMatchObject({ status: 'SENT' });
  });

  it('never reopens a send that SES rejected for good', async () => {
    const report = await ingestMails(aws, ['bounce@example.com']);
    const rejecting = ses();
    injectSesFaults(rejecting, () =>
      sesServiceError('MessageRejected', 'Email address is not verified.', 400),
    );
    const { handler } = sender(rejecting);
    const event = await receiveSqsEvent(aws);
    expect(await deliver(handler, event, aws.queues.queueUrl)).toBe(0);
    await aws.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: aws.queues.queueUrl, MessageBody: event.Records[0]?.body ?? '' }),
    );
    const { handler: healthy } = sender(ses());
    expect(await deliver(healthy, await receiveSqsEvent(aws), aws.queues.queueUrl)).toBe(0);
    expect(await sendOf(report.batchId, 'bounce@example.com')).toMatchObject({
      status: 'ERROR',
      errorCode: 'MessageRejected',
    });
  });
});

/** The stored send of one address of a batch (its id is derived from both). */
function sendOf(batchId: string, email: string) {
  return storesOf(aws).sends.getSend(sendIdFor(batchId, email));
}
