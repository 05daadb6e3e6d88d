import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COUNTER_SHARDS } from '../../lambdas/contract/table-schema.js';
import { RETRIES_EXHAUSTED } from '../../lambdas/core/domain/retries-exhausted.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRef } from '../../lambdas/core/domain/send-record.js';
import { messageBodyOf } from '../../lambdas/core/queue/send-queue.js';
import { BatchReconciler } from '../../lambdas/core/store/batch-progress.js';
import { CountedSends } from '../../lambdas/core/store/counted-sends.js';
import { CounterBuffer } from '../../lambdas/core/store/counter-buffer.js';
import { CounterStore } from '../../lambdas/core/store/counter-store.js';
import { counterKey } from '../../lambdas/core/store/item-keys.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { WriterStore } from '../../lambdas/core/store/writer-store.js';
import { createSenderHandler, type SenderHandlerDeps } from '../../lambdas/sender/handler.js';
import { sweepBatches } from '../../lambdas/sweeper/sweep-batches.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { injectTableFaults, type TableRequest, tableClientFor } from '../helpers/aws-faults.js';
import {
  countsOf,
  ingestMails,
  RETENTION_SECONDS,
  receiveAtLeast,
  senderDepsFor,
  sesClientFor,
  storesOf,
} from '../helpers/send-pipeline.js';
import { countsWith } from '../helpers/send-records.js';
import { injectSesCrash, injectSesFaults, sesServiceError } from '../helpers/ses-faults.js';
import { SWEEP_SETTINGS, sweeperDepsFor } from '../helpers/sweep-pipeline.js';

// Each test gets its own table and queues (the sweeper looks at every unfinished batch of the table). A
// one-second visibility timeout: a message not acknowledged comes back within the test, as SQS brings it.
let aws: TestAws;
let closers: (() => void)[] = [];
beforeEach(async () => {
  aws = await startTestAws({ visibilityTimeoutSeconds: 1 });
  // The SES emulator keeps its mails across instances of this process.
  await fetch(`${aws.emulators.endpoints.sesv2}/clear-store`, { method: 'POST' });
});
afterEach(async () => {
  for (const close of closers) close();
  closers = [];
  await aws.stop();
});

const STALLED_MS = SWEEP_SETTINGS.stalledAfterSeconds * 1000;
const nothingSwept = { continued: 0, finished: 0, corrected: 0, requeued: 0, exhausted: 0, started: 0 };

const addresses = (tag: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${tag}${i}@example.com`);

function sesFor(): SESv2Client {
  const ses = sesClientFor(aws);
  closers.push(() => ses.destroy());
  return ses;
}

function sender(ses: SESv2Client, overrides: Partial<SenderHandlerDeps> = {}) {
  return createSenderHandler(senderDepsFor(aws, ses, overrides));
}

/**
 * The sender's counted sends on a DynamoDB client of their own whose counter writes of `batchId` go
 * through `picks` (fault injection by middleware): `picks` gets the batch's counter writes numbered
 * from 1 in the order the sender makes them.
 */
function countedSendsWithCounterFaults(
  batchId: string,
  picks: (counterWrite: number) => 'fail' | 'crash' | undefined,
) {
  const client = tableClientFor(aws);
  closers.push(() => client.raw.destroy());
  const counterPks = new Set(Array.from({ length: COUNTER_SHARDS }, (_, k) => counterKey(batchId, k).pk));
  let counterWrites = 0;
  const faults = injectTableFaults(client, (request: TableRequest) => {
    const key = request.input.Key as { pk?: unknown } | undefined;
    if (request.command !== 'UpdateItemCommand' || !counterPks.has(String(key?.pk))) return undefined;
    counterWrites += 1;
    return picks(counterWrites);
  });
  const db = client.documents;
  const sends = new CountedSends(
    new SendStore(db, aws.tableName),
    new CounterStore(db, aws.tableName),
    new WriterStore(db, aws.tableName),
    RETENTION_SECONDS,
  );
  return { sends, faults };
}

/** Plays the event source: hands the event to the handler, then deletes the messages it acknowledged. */
async function deliver(handler: ReturnType<typeof sender>, event: SQSEvent): Promise<string[]> {
  const { batchItemFailures } = await handler(event);
  const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
  for (const record of event.Records) {
    if (failed.has(record.messageId)) continue;
    await aws.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: aws.queues.queueUrl, ReceiptHandle: record.receiptHandle }),
    );
  }
  return [...failed];
}

/** The time of the batch's last counted change: when the sweeper may call it quiet. */
async function lastChangeOf(batchId: string): Promise<number> {
  const at = (await storesOf(aws).counters.read(batchId)).lastChangeAt;
  if (at === undefined) throw new Error(`no counter of batch ${batchId} moved`);
  return Date.parse(at);
}

const sweepAt = (at: number) =>
  sweepBatches(
    sweeperDepsFor(aws, () => new Date(at)),
    SWEEP_SETTINGS,
  );

async function createdAtOf(batchId: string): Promise<string> {
  const writer = await storesOf(aws).writers.get(batchId);
  if (!writer) throw new Error(`batch ${batchId} has no writer state`);
  return writer.createdAt;
}

describe('batch counters', () => {
  it('are exact after a finished batch whose messages SQS delivered again (an acknowledgement lost, a duplicate in one event)', async () => {
    const emails = addresses('redelivered', 6);
    const report = await ingestMails(aws, emails);
    const ses = sesFor();
    // The first SES call is rejected for good: one send ends ERROR, the others SENT.
    const calls = injectSesFaults(ses, (n) =>
      n === 1 ? sesServiceError('MessageRejected', 'Email address is not verified.', 400) : undefined,
    );
    const handler = sender(ses);
    const first = await receiveAtLeast(aws, 'the six messages', 6);
    // Two of them twice in one event, and no message deleted: the acknowledgement was lost.
    expect(await handler({ Records: [...first.Records, ...first.Records.slice(0, 2)] })).toEqual({
      batchItemFailures: [],
    });

    const again = await receiveAtLeast(aws, 'the six messages back after the visibility timeout', 6);
    expect(again.Records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(Array(6).fill('2'));
    expect(await deliver(handler, again)).toEqual([]);

    expect(calls).toEqual({ attempted: 6, delivered: 5 });
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 0, SENT: 5, ERROR: 1 }),
    );
    // Reconciliation finds nothing to correct.
    expect(await sweepAt(Date.now())).toEqual({ ...nothingSwept, finished: 1 });
    expect(await storesOf(aws).progress.progress(report.batchId)).toMatchObject({
      finished: true,
      reconciled: true,
      counts: countsWith({ QUEUED: 0, SENDING: 0, SENT: 5, ERROR: 1 }),
    });
  });

  it('are exact after a finished batch that racing senders worked on at once', async () => {
    const emails = addresses('raced', 12);
    const report = await ingestMails(aws, emails);
    const event = await receiveAtLeast(aws, 'the twelve messages', 12);
    const reversed = { Records: [...event.Records].reverse() };
    const results = await Promise.all([
      sender(sesFor())(event),
      sender(sesFor())(reversed),
      sender(sesFor())(event),
    ]);
    expect(results).toEqual(Array(3).fill({ batchItemFailures: [] }));

    expect((await aws.sentMails()).map((m) => m.destination.to[0]).sort()).toEqual([...emails].sort());
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 0, SENT: 12, ERROR: 0 }),
    );
    expect(await sweepAt(Date.now())).toEqual({ ...nothingSwept, finished: 1 });
  });

  it('lag by the changes whose counter write failed, and the sweeper reconciles them to exact once the batch is quiet (counter write failures injected by middleware)', async () => {
    const emails = addresses('unc', 6);
    const report = await ingestMails(aws, emails);
    // Counter writes come in the order of the records: claim 1, sent 1, claim 2, sent 2, …
    // The first send's move to SENT and the second send's claim are not counted.
    const { sends, faults } = countedSendsWithCounterFaults(report.batchId, (n) =>
      n === 2 || n === 3 ? 'fail' : undefined,
    );
    const event = await receiveAtLeast(aws, 'the six messages', 6);
    // The sends themselves are fine: every record acknowledged, every address mailed once.
    expect(await deliver(sender(sesFor(), { sends }), event)).toEqual([]);
    expect(faults.counter.failed).toBe(2);
    expect(await aws.sentMails()).toHaveLength(6);
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 1, SENDING: 0, SENT: 5, ERROR: 0 }),
    );

    // One send looks open: the batch is reconciled once its counters have been still for a while.
    const lastChange = await lastChangeOf(report.batchId);
    expect(await sweepAt(lastChange + 60_000)).toEqual(nothingSwept);
    expect((await storesOf(aws).progress.progress(report.batchId)).finished).toBe(false);
    expect(await sweepAt(lastChange + STALLED_MS + 1_000)).toEqual({
      ...nothingSwept,
      corrected: 1,
      finished: 1,
    });
    expect(await storesOf(aws).progress.progress(report.batchId)).toMatchObject({
      finished: true,
      reconciled: true,
      finishedAt: new Date(lastChange).toISOString(),
      counts: countsWith({ QUEUED: 0, SENDING: 0, SENT: 6, ERROR: 0 }),
    });
  });

  it('lag by one after a sender died between a send’s status write and its counter write, and BatchReconciler makes them exact (crash injected by middleware)', async () => {
    const emails = addresses('crash', 3);
    const report = await ingestMails(aws, emails);
    // The invocation dies at its second counter write: the first send is SENT, its count never written.
    const { sends, faults } = countedSendsWithCounterFaults(report.batchId, (n) =>
      n === 2 ? 'crash' : undefined,
    );
    const event = await receiveAtLeast(aws, 'the three messages', 3);
    void sender(sesFor(), { sends })(event);
    await faults.reached;

    // The dead invocation acknowledged nothing: SQS hands the three messages out again.
    const again = await receiveAtLeast(aws, 'the three messages back after the visibility timeout', 3);
    expect(await deliver(sender(sesFor()), again)).toEqual([]);
    expect((await aws.sentMails()).map((m) => m.destination.to[0]).sort()).toEqual([...emails].sort());
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 1, SENT: 2, ERROR: 0 }),
    );

    const reconciler = new BatchReconciler(aws.clients.documents, aws.tableName);
    const expiresAt = Math.floor(Date.parse(await createdAtOf(report.batchId)) / 1000) + RETENTION_SECONDS;
    expect(await reconciler.reconcile(report.batchId, new Date(), expiresAt)).toEqual({
      counts: countsWith({ QUEUED: 0, SENDING: 0, SENT: 3, ERROR: 0 }),
      correction: countsWith({ QUEUED: 0, SENDING: -1, SENT: 1, ERROR: 0 }),
      settled: true,
    });
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 0, SENT: 3, ERROR: 0 }),
    );
    // Reconciling exact counters corrects nothing.
    expect((await reconciler.reconcile(report.batchId, new Date(), expiresAt)).correction).toEqual(
      countsWith({}),
    );
  });

  it('are reconciled by the sweeper at once when they say a batch is done while a change went uncounted (counter write failure injected by middleware)', async () => {
    const emails = addresses('done', 4);
    const report = await ingestMails(aws, emails);
    // The first send's claim is not counted: QUEUED one too many, SENDING one too few, none open in sum.
    const { sends } = countedSendsWithCounterFaults(report.batchId, (n) => (n === 1 ? 'fail' : undefined));
    expect(
      await deliver(sender(sesFor(), { sends }), await receiveAtLeast(aws, 'the four messages', 4)),
    ).toEqual([]);
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 1, SENDING: -1, SENT: 4, ERROR: 0 }),
    );

    const lastChange = await lastChangeOf(report.batchId);
    expect(await sweepAt(lastChange + 1_000)).toEqual({ ...nothingSwept, corrected: 1, finished: 1 });
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 0, SENT: 4, ERROR: 0 }),
    );
  });

  it('never let the sweeper call a batch finished while a send is open, whatever they say (a redrive’s claim left uncounted: counter write failure and sender crash injected by middleware)', async () => {
    const emails = addresses('redrive', 2);
    const report = await ingestMails(aws, emails);
    const createdAt = await createdAtOf(report.batchId);
    const [sent, exhausted] = emails.map((email) => ({
      sendId: sendIdFor(report.batchId, email),
      createdAt,
      batchId: report.batchId,
      chunk: 0,
    })) as [SendRef, SendRef];
    const { counted, writers } = storesOf(aws);
    const now = Date.now();
    await counted.claim(sent, 'l1', new Date(now), 60_000);
    await counted.markSent(sent, 'l1', 'ses-1', new Date(now));
    await counted.markError(exhausted, RETRIES_EXHAUSTED, new Date(now));
    // The queue still holds the writer's two messages; the batch is done all the same.
    await receiveAtLeast(aws, 'the writer’s two messages', 2);
    expect(await sweepAt(now + 1_000)).toEqual({ ...nothingSwept, finished: 1 });

    // An operator redrives the exhausted send's message. Its claim is written, not counted, and the
    // sender dies before SES: the send is SENDING, the counters still say ERROR.
    await aws.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: aws.queues.queueUrl, MessageBody: messageBodyOf(exhausted) }),
    );
    const { sends } = countedSendsWithCounterFaults(report.batchId, (n) => (n === 1 ? 'fail' : undefined));
    const ses = sesFor();
    const crash = injectSesCrash(ses, 'before-ses');
    void sender(ses, { sends })(await receiveAtLeast(aws, 'the redriven message', 1));
    await crash.reached;
    // The batch is back among the unfinished ones, but its counters say nothing is open.
    expect((await writers.listOpen()).map((b) => b.batchId)).toEqual([report.batchId]);
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 0, SENT: 1, ERROR: 1 }),
    );

    expect(await sweepAt(now + 2_000)).toEqual({ ...nothingSwept, corrected: 1 });
    expect(await storesOf(aws).progress.progress(report.batchId)).toMatchObject({
      finished: false,
      reconciled: false,
      counts: countsWith({ QUEUED: 0, SENDING: 1, SENT: 1, ERROR: 0 }),
    });
    expect((await writers.listOpen()).map((b) => b.batchId)).toEqual([report.batchId]);
  });
});

describe('counter moves summed per sender invocation', () => {
  /** The sender's counted sends with a counter buffer, on a client that notes each batch's counter writes. */
  function bufferedSender(ses: SESv2Client, batchIds: string[]) {
    const client = tableClientFor(aws);
    closers.push(() => client.raw.destroy());
    const counterPks = new Map(
      batchIds.flatMap((batchId) =>
        Array.from({ length: COUNTER_SHARDS }, (_, k) => [counterKey(batchId, k).pk, batchId] as const),
      ),
    );
    const writes: string[] = [];
    injectTableFaults(client, (request: TableRequest) => {
      const key = request.input.Key as { pk?: unknown } | undefined;
      const batchId = counterPks.get(String(key?.pk));
      if (request.command === 'UpdateItemCommand' && batchId !== undefined) writes.push(batchId);
      return undefined;
    });
    const db = client.documents;
    const counts = new CounterBuffer(new CounterStore(db, aws.tableName));
    const sends = new CountedSends(
      new SendStore(db, aws.tableName),
      counts,
      new WriterStore(db, aws.tableName),
      RETENTION_SECONDS,
    );
    return { handler: sender(ses, { sends, counts }), writes };
  }

  it('writes one counter item per batch at the end of an invocation, and the counts are those of one write per move', async () => {
    const one = await ingestMails(aws, addresses('summed-a', 6));
    const two = await ingestMails(aws, addresses('summed-b', 3));
    const ses = sesFor();
    // The first SES call is rejected for good: one send ends ERROR, the others SENT.
    injectSesFaults(ses, (n) =>
      n === 1 ? sesServiceError('MessageRejected', 'Email address is not verified.', 400) : undefined,
    );
    const { handler, writes } = bufferedSender(ses, [one.batchId, two.batchId]);
    const event = await receiveAtLeast(aws, 'the nine messages', 9);
    expect(await deliver(handler, event)).toEqual([]);

    // Nine sends claimed and settled: one write per batch instead of eighteen.
    expect(writes.sort()).toEqual([one.batchId, two.batchId].sort());
    const [first, second] = [await countsOf(aws, one.batchId), await countsOf(aws, two.batchId)];
    expect([first.QUEUED + first.SENDING, second.QUEUED + second.SENDING]).toEqual([0, 0]);
    expect([first.SENT + first.ERROR, second.SENT + second.ERROR]).toEqual([6, 3]);
    expect(first.ERROR + second.ERROR).toBe(1);
    // Exact: reconciliation finds nothing to correct.
    const reconciler = new BatchReconciler(aws.clients.documents, aws.tableName);
    for (const { batchId } of [one, two]) {
      const { correction } = await reconciler.reconcile(batchId, new Date(), 0);
      expect(correction).toEqual(countsWith({}));
    }
  });

  it('writes the moves of an invocation that returned a record for retry, the claim it kept included', async () => {
    const batch = await ingestMails(aws, addresses('summed-c', 2));
    const ses = sesFor();
    // A transient failure: the send goes back to QUEUED (its claim released) and the record is retried.
    injectSesFaults(ses, (n) =>
      n === 1 ? sesServiceError('ServiceUnavailable', 'try later', 503) : undefined,
    );
    const { handler, writes } = bufferedSender(ses, [batch.batchId]);
    const event = await receiveAtLeast(aws, 'the two messages', 2);
    expect(await deliver(handler, event)).toHaveLength(1);
    expect(writes).toEqual([batch.batchId]);
    // The released claim stays SENDING (claimable at once) until its next delivery.
    expect(await countsOf(aws, batch.batchId)).toEqual(
      countsWith({ QUEUED: 0, SENDING: 1, SENT: 1, ERROR: 0 }),
    );
  });
});
