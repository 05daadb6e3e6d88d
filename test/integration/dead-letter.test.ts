import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLetterHandler } from '../../lambdas/dead-letter/handler.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { csvOf, ingestText, receiveSqsEvent, storeAndQueue } from '../helpers/send-pipeline.js';

let aws: TestAws;
beforeAll(async () => {
  // A one-second visibility timeout lets a message use up its three receives within the test.
  aws = await startTestAws({ visibilityTimeoutSeconds: 1 });
});
afterAll(() => aws.stop());

describe('dead-letter queue', () => {
  it('moves a message to the DLQ after three receives and marks its send ERROR "retries exhausted"', async () => {
    const report = await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content'],
        ['dlq@example.com', 'S', 'C'],
      ]),
    );
    for (let receive = 1; receive <= 3; receive++) {
      const event = await receiveSqsEvent(aws);
      expect(event.Records).toHaveLength(1);
      expect(event.Records[0]?.attributes.ApproximateReceiveCount).toBe(String(receive));
      await sleep(1_100);
    }
    expect((await receiveSqsEvent(aws)).Records).toHaveLength(0);

    const dead = await receiveSqsEvent(aws, aws.queues.deadLetterQueueUrl);
    expect(dead.Records).toHaveLength(1);
    const { store } = storeAndQueue(aws);
    const handler = createDeadLetterHandler({ store, clock: () => new Date() });
    expect(await handler(dead)).toEqual({ batchItemFailures: [] });

    const counts = await store.countByStatus(report.batchId);
    expect(counts).toEqual({ PENDING: 0, QUEUED: 0, SENDING: 0, SENT: 0, ERROR: 1 });
  });

  it('leaves a send that was SENT meanwhile as SENT', async () => {
    const report = await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content'],
        ['late@example.com', 'S', 'C'],
      ]),
    );
    const event = await receiveSqsEvent(aws);
    const { store } = storeAndQueue(aws);
    const ref = JSON.parse(event.Records[0]?.body ?? '{}');
    await store.claim(ref, 'lease', new Date(), 60_000);
    await store.markSent(ref, 'lease', 'ses-id', new Date());
    await createDeadLetterHandler({ store, clock: () => new Date() })(event);
    expect(await store.countByStatus(report.batchId)).toMatchObject({ SENT: 1, ERROR: 0 });
  });
});
