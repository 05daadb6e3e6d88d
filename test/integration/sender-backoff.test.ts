import { setTimeout as sleep } from 'node:timers/promises';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsMessageDelay } from '../../lambdas/core/queue/message-delay.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { csvOf, ingestText, receiveSqsEvent, senderDepsFor, sesClientFor } from '../helpers/send-pipeline.js';
import { injectSesFaults, sesServiceError } from '../helpers/ses-faults.js';

let aws: TestAws;
beforeAll(async () => {
  // Long enough that a message seen again within the test came back through the back-off, not the timeout.
  aws = await startTestAws({ visibilityTimeoutSeconds: 30 });
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

async function receiveWithin(ms: number) {
  const until = Date.now() + ms;
  for (;;) {
    const event = await receiveSqsEvent(aws);
    if (event.Records.length > 0 || Date.now() > until) return event;
    await sleep(100);
  }
}

describe('retry back-off', () => {
  it('brings a throttled message back after the back-off delay instead of the visibility timeout (SES throttling injected by middleware)', async () => {
    await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content'],
        ['backoff@example.com', 'S', 'C'],
      ]),
    );
    const client = ses();
    injectSesFaults(client, (n) =>
      n === 1
        ? sesServiceError('TooManyRequestsException', 'Maximum sending rate exceeded.', 429)
        : undefined,
    );
    const handler = backingOffSender(client, 1);
    const first = await receiveSqsEvent(aws);
    const started = Date.now();
    expect((await handler(first)).batchItemFailures).toHaveLength(1);

    // Back after about one second (30 s without the back-off), and sent then.
    const again = await receiveWithin(5_000);
    expect(again.Records.map((r) => r.body)).toEqual(first.Records.map((r) => r.body));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
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
    expect((await handler(event)).batchItemFailures).toHaveLength(3);
    expect(calls.attempted).toBe(1);
    expect((await receiveSqsEvent(aws)).Records).toHaveLength(0);
    const back = await receiveWithin(5_000);
    await sleep(200);
    const rest = await receiveSqsEvent(aws);
    expect(back.Records.length + rest.Records.length).toBe(3);
  });

  it('shows why the back-off is off locally: local-aws-sqs counts a ChangeMessageVisibility as a receive', async () => {
    // Real SQS counts receives only; this emulator also counts each visibility change, so a delayed
    // retry would use up two of the three receives at once and reach the DLQ after two deliveries.
    await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content'],
        ['count@example.com', 'S', 'C'],
      ]),
    );
    const [record] = (await receiveSqsEvent(aws)).Records;
    expect(record?.attributes.ApproximateReceiveCount).toBe('1');
    await aws.clients.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: aws.queues.queueUrl,
        ReceiptHandle: record?.receiptHandle ?? '',
        VisibilityTimeout: 0,
      }),
    );
    const [again] = (await receiveWithin(2_000)).Records;
    expect(again?.attributes.ApproximateReceiveCount).toBe('3');
  });
});
