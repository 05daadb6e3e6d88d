import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_SHARDS } from '../../lambdas/contract/table-schema.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { BatchReconciler } from '../../lambdas/core/store/batch-progress.js';
import { shardOf } from '../../lambdas/core/store/item-keys.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import {
  countsOf,
  csvOf,
  ingestText,
  RETENTION_SECONDS,
  receiveSqsEvent,
  senderDepsFor,
  sesClientFor,
} from '../helpers/send-pipeline.js';

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());

const addresses = (n: number) => Array.from({ length: n }, (_, i) => `reconcile-${i}@example.com`);

describe('BatchReconciler', () => {
  it('counts the sends of every shard: a finished batch whose counters are right needs no correction', async () => {
    const report = await ingestText(
      aws,
      csvOf([['email', 'subject', 'content'], ...addresses(40).map((a) => [a, 'S', 'C'])]),
    );
    const handler = createSenderHandler(senderDepsFor(aws, sesClientFor(aws)));
    for (;;) {
      const event = await receiveSqsEvent(aws);
      if (event.Records.length === 0) break;
      await handler(event);
    }
    // The sends fall on several index shards, which the reconciler counts at once.
    const shards = new Set(addresses(40).map((a) => shardOf(sendIdFor(report.batchId, a), BATCH_SHARDS)));
    expect(shards.size).toBeGreaterThan(1);
    expect(await countsOf(aws, report.batchId)).toEqual({ QUEUED: 0, SENDING: 0, SENT: 40, ERROR: 0 });

    const reconciled = await new BatchReconciler(aws.clients.documents, aws.tableName).reconcile(
      report.batchId,
      new Date(),
      Math.floor(Date.now() / 1000) + RETENTION_SECONDS,
    );

    expect(reconciled).toEqual({
      counts: { QUEUED: 0, SENDING: 0, SENT: 40, ERROR: 0 },
      correction: { QUEUED: 0, SENDING: 0, SENT: 0, ERROR: 0 },
    });
    expect(await countsOf(aws, report.batchId)).toEqual({ QUEUED: 0, SENDING: 0, SENT: 40, ERROR: 0 });
  });
});
