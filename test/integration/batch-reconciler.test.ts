import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_SHARDS } from '../../lambdas/contract/table-schema.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { BatchReconciler } from '../../lambdas/core/store/batch-progress.js';
import { shardOf } from '../../lambdas/core/store/item-keys.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { localClients } from '../../local/local-clients.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { eventMoving } from '../helpers/campaign-fixtures.js';
import {
  countsOf,
  csvOf,
  ingestText,
  RETENTION_SECONDS,
  receiveSqsEvent,
  senderDepsFor,
  sesClientFor,
  storesOf,
} from '../helpers/send-pipeline.js';
import { countsWith, refOf } from '../helpers/send-records.js';

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
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 0, SENT: 40, ERROR: 0 }),
    );

    const reconciled = await new BatchReconciler(aws.clients.documents, aws.tableName).reconcile(
      report.batchId,
      new Date(),
      Math.floor(Date.now() / 1000) + RETENTION_SECONDS,
    );

    expect(reconciled).toEqual({
      counts: countsWith({ QUEUED: 0, SENDING: 0, SENT: 40, ERROR: 0 }),
      correction: countsWith({ QUEUED: 0, SENDING: 0, SENT: 0, ERROR: 0 }),
      settled: true,
    });
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 0, SENT: 40, ERROR: 0 }),
    );
  });

  it('corrects the mailed sends as one sum: SES events moving them between mailed statuses never make a correction, a send that left SENDING uncounted does', async () => {
    const emails = addresses(12).map((a) => `mailed-${a}`);
    const report = await ingestText(
      aws,
      csvOf([['email', 'subject', 'content'], ...emails.map((a) => [a, 'S', 'C'])]),
    );
    const handler = createSenderHandler(senderDepsFor(aws, sesClientFor(aws)));
    for (;;) {
      const event = await receiveSqsEvent(aws);
      if (event.Records.length === 0) break;
      await handler(event);
    }
    const { sends, counted } = storesOf(aws);
    const ids = emails.map((e) => sendIdFor(report.batchId, e));
    const at = new Date();
    // Counted events: 4 deliveries, 1 of them then a complaint.
    for (const id of ids.slice(0, 4)) await counted.recordEvent(id, eventMoving('DELIVERED', 'm', at), at);
    await counted.recordEvent(ids[0] ?? '', eventMoving('COMPLAINED', 'm', at), at);
    // Events whose counter moves were lost (a crash after the send's write): 2 bounces.
    for (const id of ids.slice(4, 6)) await sends.recordEvent(id, eventMoving('BOUNCED', 'm', at), at);
    const countedBefore = await countsOf(aws, report.batchId);
    expect(countedBefore).toEqual(countsWith({ SENT: 8, DELIVERED: 3, COMPLAINED: 1 }));

    const reconciler = new BatchReconciler(aws.clients.documents, aws.tableName);
    const expiresAt = Math.floor(Date.now() / 1000) + RETENTION_SECONDS;
    // Twelve mailed sends, twelve counted mailed: nothing to correct; the split stays as the events counted it.
    expect(await reconciler.reconcile(report.batchId, new Date(), expiresAt)).toEqual({
      counts: countedBefore,
      correction: countsWith({}),
      settled: true,
    });

    // A send that SES accepted while its sender's counter write was lost: SENDING counted, BOUNCED in truth.
    const late = await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content'],
        ['late@example.com', 'S', 'C'],
      ]),
    );
    const lateId = sendIdFor(late.batchId, 'late@example.com');
    const lateSend = await sends.getSend(lateId);
    if (!lateSend) throw new Error('no late send');
    await counted.claim(refOf(lateSend), 'lease', at, 60_000);
    await sends.recordEvent(lateId, eventMoving('BOUNCED', 'm', at), at);
    expect(await countsOf(aws, late.batchId)).toEqual(countsWith({ SENDING: 1 }));
    expect((await reconciler.reconcile(late.batchId, new Date(), expiresAt)).correction).toEqual(
      countsWith({ SENDING: -1, SENT: 1 }),
    );
    expect(await countsOf(aws, late.batchId)).toEqual(countsWith({ SENT: 1 }));
  });

  it('corrects nothing, and says so, when a send changes status while it counts (a concurrent SENT injected between its queries by middleware)', async () => {
    // A quiet batch set going again (a paused batch's release after its resume): the sweeper may count
    // it at the moment its sends move.
    const emails = addresses(6).map((a) => `racing-${a}`);
    const report = await ingestText(
      aws,
      csvOf([['email', 'subject', 'content'], ...emails.map((a) => [a, 'S', 'C'])]),
    );
    const { sends, counted } = storesOf(aws);
    const racing = await sends.getSend(sendIdFor(report.batchId, emails[0] ?? ''));
    if (!racing) throw new Error('no send to race');
    await counted.claim(refOf(racing), 'lease-r', new Date(), 60_000);
    expect(await countsOf(aws, report.batchId)).toEqual(countsWith({ QUEUED: 5, SENDING: 1 }));

    // Its SENT lands after the mailed sends were counted and before the open ones are read: counted in
    // neither, the count is one mailed send short of the truth.
    const timed = localClients(aws.emulators.endpoints);
    let moved = false;
    timed.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        const { Select } = args.input as { Select?: string };
        if (!moved && context.commandName === 'QueryCommand' && Select !== 'COUNT') {
          moved = true;
          await counted.markSent(refOf(racing), 'lease-r', 'ses-r', new Date());
        }
        return next(args);
      },
      { step: 'initialize', name: 'sentBetweenQueries' },
    );
    const expiresAt = Math.floor(Date.now() / 1000) + RETENTION_SECONDS;
    try {
      const raced = await new BatchReconciler(timed.documents, aws.tableName).reconcile(
        report.batchId,
        new Date(),
        expiresAt,
      );
      expect(moved).toBe(true);
      expect(raced).toEqual({
        counts: countsWith({ QUEUED: 5, SENT: 1 }),
        correction: countsWith({}),
        settled: false,
      });
    } finally {
      timed.destroy();
    }
    expect(await countsOf(aws, report.batchId)).toEqual(countsWith({ QUEUED: 5, SENT: 1 }));
    // Counted again while nothing moves, the batch is settled and needs no correction.
    expect(
      await new BatchReconciler(aws.clients.documents, aws.tableName).reconcile(
        report.batchId,
        new Date(),
        expiresAt,
      ),
    ).toEqual({ counts: countsWith({ QUEUED: 5, SENT: 1 }), correction: countsWith({}), settled: true });
  });
});
