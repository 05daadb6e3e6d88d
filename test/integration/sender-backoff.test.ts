import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsMessageDelay } from '../../lambdas/core/queue/message-delay.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import {
  csvOf,
  ingestMails,
  ingestText,
  receiveAtLeast,
  receiveSqsEvent,
  senderDepsFor,
  sesClientFor,
} from '../helpers/send-pipeline.js';
import { injectSesFaults, sesServiceError } from '../helpers/ses-faults.js';

let aws: TestAws;
beforeAll(async () => {
  // Far longer than any wait in this file (a poll gives up after 20 s, a test after 30 s): a message seen
  // again came back through the back-off, never through the visibility timeout.
  aws = await startTestAws({ visibilityTimeoutSeconds: 600 });
});
afterAll(() => aws.stop());

const ses = () => sesClientFor(aws);

function backingOffSender(client: SESv2Client, baseSeconds: number) {
  return createSenderHandler(
    senderDepsFor(aws, client, {
      retryBackoff: {
        backoff: { baseSeconds, maxSeconds: 30 },
        messages: new SqsMessageDelay(aws.clients.sqs, aws.queues.queueUrl),
      },
    }),
  );
}

/**
 * The emulator keeps a message invisible with a timer of the delay set, which may fire a millisecond
 * early (libuv counts whole milliseconds), never much more. A slow machine only makes the message come
 * back later, so a lower bound on the time it took is a robust check; an upper one would not be.
 */
const TIMER_SLACK_MS = 50;

describe('retry back-off', () => {
  it('brings a throttled message back after the back-off delay instead of the visibility timeout (SES throttling injected by middleware)', async () => {
    await ingestMails(aws, ['backoff@example.com']);
    const client = ses();
    injectSesFaults(client, (n) =>
      n === 1
        ? sesServiceError('TooManyRequestsException', 'Maximum sending rate exceeded.', 429)
        : undefined,
    );
    const handler = backingOffSender(client, 1);
    const first = await receiveSqsEvent(aws);
    // Before the handler, which sets the one-second delay: the message cannot be back before this + 1 s.
    const started = Date.now();
    expect((await handler(first)).batchItemFailures).toHaveLength(1);

    // Back after the one-second back-off (600 s without it), not earlier, and sent then.
    const again = await receiveAtLeast(aws, 'the throttled message to come back', 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000 - TIMER_SLACK_MS);
    expect(again.Records.map((r) => r.body)).toEqual(first.Records.map((r) => r.body));
    expect(await handler(again)).toEqual({ batchItemFailures: [] });
    expect(await aws.sentMails()).toHaveLength(1);
  });

  it('backs off every message of a batch the account refused (SES pause injected by middleware)', async () => {
    await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content'],
        ...['p1', 'p2', 'p3'].map((n) => [`${n}@example.com`, 'S', 'C']),
      ]),
    );
    const client = ses();
    const calls = injectSesFaults(client, () =>
      sesServiceError('SendingPausedException', 'Sending is paused for this account.', 400),
    );
    const handler = backingOffSender(client, 1);
    const event = await receiveSqsEvent(aws);
    expect(event.Records).toHaveLength(3);
    const started = Date.now();
    expect((await handler(event)).batchItemFailures).toHaveLength(3);
    expect(calls.attempted).toBe(1);
    // Not one of the three comes back before the back-off's second: the first back is no earlier.
    const first = await receiveAtLeast(aws, 'a refused message to come back', 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000 - TIMER_SLACK_MS);
    const rest = await receiveAtLeast(
      aws,
      'the other refused messages to come back',
      3 - first.Records.length,
    );
    expect([...first.Records, ...rest.Records].map((r) => r.body).sort()).toEqual(
      event.Records.map((r) => r.body).sort(),
    );
  });

  it('shows why the back-off is off locally: local-aws-sqs counts a ChangeMessageVisibility as a receive', async () => {
    // Real SQS counts receives only; this emulator also counts each visibility change, so a delayed
    // retry would use up two of the three receives at once and reach the DLQ after two deliveries.
    await ingestMails(aws, ['count@example.com']);
    const [record] = (await receiveSqsEvent(aws)).Records;
    expect(record?.attributes.ApproximateReceiveCount).toBe('1');
    await aws.clients.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: aws.queues.queueUrl,
        ReceiptHandle: record?.receiptHandle ?? '',
        VisibilityTimeout: 0,
      }),
    );
    const [again] = (await receiveAtLeast(aws, 'the message to be visible again', 1)).Records;
    expect(again?.attributes.ApproximateReceiveCount).toBe('3');
  });
});
