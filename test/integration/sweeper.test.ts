import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEND_QUEUE } from '../../lambdas/contract/queue-settings.js';
import { uploadKeyOf } from '../../lambdas/contract/upload-object.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRef } from '../../lambdas/core/domain/send-record.js';
import { SendQueue, sendRefFromBody } from '../../lambdas/core/queue/send-queue.js';
import { BatchReconciler } from '../../lambdas/core/store/batch-progress.js';
import { recoverAll, sweepBatches } from '../../lambdas/sweeper/sweep-batches.js';
import { createLargeUpload } from '../../lambdas/upload-url/presigned-upload.js';
import { createWriterHandler } from '../../lambdas/writer/handler.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClients } from '../../local/local-clients.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { injectQueueCrash } from '../helpers/aws-faults.js';
import { ManualClock } from '../helpers/manual-clock.js';
import {
  countsOf,
  FULL_WRITER_TIME,
  ingestMails,
  RETENTION_SECONDS,
  receiveSqsEvent,
  storesOf,
  uploadEventFor,
  writerDepsFor,
} from '../helpers/send-pipeline.js';
import { countsWith } from '../helpers/send-records.js';
import { SWEEP_SETTINGS, sweeperDepsFor, uploadMails } from '../helpers/sweep-pipeline.js';

// Each test gets its own table and queues: the sweeper looks at every unfinished batch of the table.
let aws: TestAws;
/** SQS clients of the test's own, with its middleware. */
let ownClients: SQSClient[] = [];
beforeEach(async () => {
  aws = await startTestAws();
});
afterEach(async () => {
  for (const client of ownClients) client.destroy();
  ownClients = [];
  await aws.stop();
});

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The queue keeps a message this long; the sweeper puts open sends back one day before it is gone. */
const RETENTION_MS = SEND_QUEUE.retentionSeconds * 1000;
const PUT_BACK_AFTER_MS = RETENTION_MS - DAY_MS;
/** A writer whose lease ran out and whose state has not moved for this long gets a continuation. */
const WRITER_SILENT_MS = 5 * 60_000;

const sweepAt = (at: Date) =>
  sweepBatches(
    sweeperDepsFor(aws, () => at),
    SWEEP_SETTINGS,
  );

/** Receives what the send queue has visible now, until it is empty: the send ids, sorted. */
async function queuedSendIds(): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const event = await receiveSqsEvent(aws);
    if (event.Records.length === 0) return ids.sort();
    for (const r of event.Records) ids.push(sendRefFromBody(r.body)?.sendId ?? 'unreadable');
  }
}

/** What the write queue has visible now, until it is empty: the message bodies, parsed. */
async function writeQueueMessages(): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const event = await receiveSqsEvent(aws, aws.queues.writeQueueUrl);
    if (event.Records.length === 0) return bodies;
    for (const r of event.Records) bodies.push(JSON.parse(r.body));
  }
}

/** The batch's upload time, as its writer recorded it. */
async function createdAtOf(batchId: string): Promise<Date> {
  const writer = await storesOf(aws).writers.get(batchId);
  if (!writer) throw new Error(`batch ${batchId} has no writer state`);
  return new Date(writer.createdAt);
}

const refFor = (batchId: string, email: string, createdAt: Date): SendRef => ({
  sendId: sendIdFor(batchId, email),
  createdAt: createdAt.toISOString(),
  batchId,
  chunk: 0,
});

/** An SQS client for the emulator of its own, so that the middleware a test adds stays with it. */
function freshSqs(): SQSClient {
  const client = new SQSClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: aws.emulators.endpoints.sqs,
  });
  ownClients.push(client);
  return client;
}

/**
 * Writes a batch of four addresses, two per chunk, with a writer on `clock` whose invocation dies while
 * it enqueues the second chunk (crash injected by middleware on its SQS client): chunk 0 is written,
 * enqueued and checkpointed, chunk 1's sends are written but never enqueued, and the lease stays held
 * until it runs out. Resolves with the batch's id once the writer is dead.
 */
async function writerCrashedInSecondChunk(clock: ManualClock): Promise<string> {
  const batchId = await uploadMails(
    aws,
    ['w1@example.com', 'w2@example.com', 'w3@example.com', 'w4@example.com'],
    clock.now,
  );
  const sqs = freshSqs();
  const crash = injectQueueCrash(sqs, 'SendMessageBatchCommand', 2);
  const deps = writerDepsFor(aws, { clock: clock.now, chunkRows: 2 });
  const queue = new SendQueue(sqs, aws.queues.queueUrl);
  const writer = createWriterHandler({ ...deps, jobs: { ...deps.jobs, sendQueueFor: () => queue } });
  void writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME);
  await crash.reached;
  return batchId;
}

describe('sweeper', () => {
  it('leaves a long backlog alone: the sends of a batch that wait on the queue for hours, even days, are not put back', async () => {
    const report = await ingestMails(aws, ['b1@example.com', 'b2@example.com', 'b3@example.com']);
    const createdAt = await createdAtOf(report.batchId);

    for (const waited of [HOUR_MS, 6 * HOUR_MS, 20 * HOUR_MS, 7 * DAY_MS, PUT_BACK_AFTER_MS - 60_000]) {
      const result = await sweepAt(new Date(createdAt.getTime() + waited));
      expect(result, `after ${waited / HOUR_MS} h`).toEqual({
        continued: 0,
        finished: 0,
        corrected: 0,
        requeued: 0,
        exhausted: 0,
        started: 0,
      });
    }
    // The queue holds the writer's three messages, and nothing more.
    const waiting = await queuedSendIds();
    expect(waiting).toEqual(
      ['b1', 'b2', 'b3'].map((n) => sendIdFor(report.batchId, `${n}@example.com`)).sort(),
    );
    for (const send of await storesOf(aws).sends.getSends(waiting))
      expect(send).not.toHaveProperty('requeuedAt');
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 3, SENDING: 0, SENT: 0, ERROR: 0 }),
    );

    // Only a day before SQS would drop the messages does the sweeper put copies back.
    expect((await sweepAt(new Date(createdAt.getTime() + PUT_BACK_AFTER_MS + 1_000))).requeued).toBe(3);
    expect(await queuedSendIds()).toEqual(waiting);
  });

  it('puts back the open sends of a batch older than the queue’s retention less a day, never a final one, and gives up a send claimed too often', async () => {
    const emails = ['queued', 'expired', 'live', 'sent', 'exhausted'].map((n) => `${n}@example.com`);
    const report = await ingestMails(aws, emails);
    // The writer's messages were received long ago; what the sweeper puts back comes on its own.
    expect(await queuedSendIds()).toHaveLength(5);
    const createdAt = await createdAtOf(report.batchId);
    const sweepTime = new Date(createdAt.getTime() + PUT_BACK_AFTER_MS + 1_000);
    const ago = (ms: number) => new Date(sweepTime.getTime() - ms);
    const ref = (name: string) => refFor(report.batchId, `${name}@example.com`, createdAt);
    const { counted } = storesOf(aws);
    // A sender that died 10 minutes ago, and one that holds its claim for another hour.
    await counted.claim(ref('expired'), 'l1', ago(10 * 60_000), 60_000);
    await counted.claim(ref('live'), 'l2', ago(10_000), HOUR_MS);
    await counted.claim(ref('sent'), 'l3', ago(HOUR_MS), 60_000);
    await counted.markSent(ref('sent'), 'l3', 'ses-1', ago(HOUR_MS));
    // Claimed MAX_SEND_ATTEMPTS times, each claim lost with its sender.
    for (let i = 0; i < SWEEP_SETTINGS.maxAttempts; i++) {
      await counted.claim(ref('exhausted'), `x${i}`, ago(HOUR_MS - i * 120_000), 60_000);
    }

    const result = await sweepAt(sweepTime);

    expect(result).toEqual({
      continued: 0,
      finished: 0,
      corrected: 0,
      requeued: 3,
      exhausted: 1,
      started: 0,
    });
    // The live claim's copy is delayed until its lease is out (SQS's longest delay, 15 minutes, here).
    expect(await queuedSendIds()).toEqual([ref('queued').sendId, ref('expired').sendId].sort());
    const { sends } = storesOf(aws);
    for (const name of ['queued', 'expired', 'live']) {
      expect(await sends.getSend(ref(name).sendId), name).toMatchObject({
        requeuedAt: sweepTime.toISOString(),
      });
    }
    expect(await sends.getSend(ref('exhausted').sendId)).toMatchObject({
      status: 'ERROR',
      errorCode: 'RetriesExhausted',
      errorMessage: 'retries exhausted',
    });
    expect(await sends.getSend(ref('sent').sendId)).toMatchObject({ status: 'SENT' });
    expect(await sends.getSend(ref('sent').sendId)).not.toHaveProperty('requeuedAt');
    expect(await countsOf(aws, report.batchId)).toEqual(
      countsWith({ QUEUED: 1, SENDING: 2, SENT: 1, ERROR: 1 }),
    );
  });

  it('does not put a send back again until the queue’s retention less a day has passed since it last did', async () => {
    const report = await ingestMails(aws, ['again@example.com']);
    await queuedSendIds();
    const createdAt = await createdAtOf(report.batchId);
    const first = new Date(createdAt.getTime() + PUT_BACK_AFTER_MS + 1_000);
    expect((await sweepAt(first)).requeued).toBe(1);
    expect(await queuedSendIds()).toEqual([sendIdFor(report.batchId, 'again@example.com')]);

    for (const later of [HOUR_MS, DAY_MS, PUT_BACK_AFTER_MS - 1_000]) {
      expect((await sweepAt(new Date(first.getTime() + later))).requeued).toBe(0);
    }
    expect((await sweepAt(new Date(first.getTime() + PUT_BACK_AFTER_MS + 1_000))).requeued).toBe(1);
    expect(await queuedSendIds()).toEqual([sendIdFor(report.batchId, 'again@example.com')]);
  });

  it('puts back at most SWEEP_MAX_PER_RUN sends per run, and the rest in the runs after', async () => {
    const report = await ingestMails(
      aws,
      ['m1', 'm2', 'm3', 'm4', 'm5'].map((n) => `${n}@example.com`),
    );
    await queuedSendIds();
    const createdAt = await createdAtOf(report.batchId);
    const settings = { ...SWEEP_SETTINGS, maxPerRun: 2 };
    const requeued: number[] = [];
    for (let run = 0; run < 4; run++) {
      const at = new Date(createdAt.getTime() + PUT_BACK_AFTER_MS + (run + 1) * 300_000);
      requeued.push(
        (
          await sweepBatches(
            sweeperDepsFor(aws, () => at),
            settings,
          )
        ).requeued,
      );
    }
    expect(requeued).toEqual([2, 2, 1, 0]);
    expect(await queuedSendIds()).toHaveLength(5);
  });

  it('continues a silent writer, once its lease has run out and it made no progress for 5 minutes (crash injected by middleware)', async () => {
    const clock = new ManualClock();
    const t0 = clock.now().getTime();
    const batchId = await writerCrashedInSecondChunk(clock);
    const writer = await storesOf(aws).writers.get(batchId);
    expect(writer).toMatchObject({ state: 'WRITING', chunksDone: 1, rowsWritten: 2 });
    const leaseEnd = writer?.leaseUntil ?? 0;
    expect(leaseEnd).toBeGreaterThan(t0 + WRITER_SILENT_MS);

    // Silent for over 5 minutes, but its lease holds: it may still be writing.
    expect((await sweepAt(new Date(t0 + WRITER_SILENT_MS + 1_000))).continued).toBe(0);
    expect((await sweepAt(new Date(leaseEnd - 1))).continued).toBe(0);
    expect(await writeQueueMessages()).toEqual([]);

    const after = new Date(leaseEnd + 1);
    expect(await sweepAt(after)).toEqual({
      continued: 1,
      finished: 0,
      corrected: 0,
      requeued: 0,
      exhausted: 0,
      started: 0,
    });
    const continuation = await receiveSqsEvent(aws, aws.queues.writeQueueUrl);
    expect(continuation.Records.map((r) => JSON.parse(r.body))).toEqual([
      { kind: 'continue', batchId, bucket: aws.s3.bucket, key: uploadKeyOf(batchId) },
    ]);

    // The continuation finishes the file from its checkpoint: every send once, every one enqueued.
    clock.advance(after.getTime() - t0 + 1_000);
    const resumed = createWriterHandler(writerDepsFor(aws, { clock: clock.now, chunkRows: 2 }));
    expect(await resumed(continuation, FULL_WRITER_TIME)).toEqual({ batchItemFailures: [] });
    expect(await storesOf(aws).writers.get(batchId)).toMatchObject({
      state: 'READY',
      chunksDone: 2,
      rowsWritten: 4,
      runs: 2,
    });
    expect(await countsOf(aws, batchId)).toEqual(countsWith({ QUEUED: 4, SENDING: 0, SENT: 0, ERROR: 0 }));
    expect(await queuedSendIds()).toEqual(
      ['w1', 'w2', 'w3', 'w4'].map((n) => sendIdFor(batchId, `${n}@example.com`)).sort(),
    );
  });

  it('does not continue a writer that handed over to its own continuation less than 5 minutes ago', async () => {
    const clock = new ManualClock();
    const t0 = clock.now().getTime();
    const batchId = await uploadMails(aws, ['h1@example.com', 'h2@example.com'], clock.now);
    // No time left after the one chunk every run writes: the writer frees its lease and queues a continuation.
    const writer = createWriterHandler(writerDepsFor(aws, { clock: clock.now, budgetMs: 0, chunkRows: 1 }));
    expect(await writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME)).toEqual({ batchItemFailures: [] });
    expect(await storesOf(aws).writers.get(batchId)).toMatchObject({
      state: 'WRITING',
      leaseUntil: 0,
      chunksDone: 1,
    });
    expect(await writeQueueMessages()).toHaveLength(1);

    // That continuation was lost: the sweeper sends another once the state has not moved for 5 minutes.
    expect((await sweepAt(new Date(t0 + WRITER_SILENT_MS - 1_000))).continued).toBe(0);
    expect(await writeQueueMessages()).toEqual([]);
    expect((await sweepAt(new Date(t0 + WRITER_SILENT_MS + 1_000))).continued).toBe(1);
    expect(await writeQueueMessages()).toEqual([
      { kind: 'continue', batchId, bucket: aws.s3.bucket, key: uploadKeyOf(batchId) },
    ]);
  });

  it('continues a file the upload API answered for whose S3 event never reached the writer', async () => {
    const clock = new ManualClock();
    const t0 = clock.now().getTime();
    const batchId = await uploadMails(aws, ['lost1@example.com'], clock.now);
    // The answer registered the file as written by nobody yet: the batch is on the unfinished list.
    expect(await storesOf(aws).writers.get(batchId)).toMatchObject({
      state: 'WRITING',
      runs: 0,
      leaseUntil: 0,
    });
    await writeQueueMessages();
    expect((await sweepAt(new Date(t0 + WRITER_SILENT_MS + 1_000))).continued).toBeGreaterThanOrEqual(1);
    expect(await writeQueueMessages()).toContainEqual({
      kind: 'continue',
      batchId,
      bucket: aws.s3.bucket,
      key: uploadKeyOf(batchId),
    });
    const writer = createWriterHandler(writerDepsFor(aws, { clock: clock.now }));
    expect(await writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME)).toEqual({ batchItemFailures: [] });
    expect(await storesOf(aws).writers.get(batchId)).toMatchObject({
      state: 'READY',
      rowsWritten: 1,
      runs: 1,
    });
  });

  it('finishes a written batch whose sends are all SENT or ERROR: it leaves the unfinished batches, and later sweeps skip it', async () => {
    const report = await ingestMails(aws, ['f1@example.com', 'f2@example.com']);
    const createdAt = await createdAtOf(report.batchId);
    const { counted, writers } = storesOf(aws);
    const now = new Date(createdAt.getTime() + 60_000);
    const sent = refFor(report.batchId, 'f1@example.com', createdAt);
    const rejected = refFor(report.batchId, 'f2@example.com', createdAt);
    await counted.claim(sent, 'l1', now, 60_000);
    await counted.markSent(sent, 'l1', 'ses-1', now);
    await counted.claim(rejected, 'l2', now, 60_000);
    await counted.markError(rejected, { code: 'MessageRejected', message: 'no' }, now, 'l2');

    const result = await sweepAt(new Date(now.getTime() + 1_000));
    expect(result).toEqual({
      continued: 0,
      finished: 1,
      corrected: 0,
      requeued: 0,
      exhausted: 0,
      started: 0,
    });
    expect(await writers.listOpen()).toEqual([]);
    expect(await writers.get(report.batchId)).toMatchObject({ sendingFinishedAt: now.toISOString() });
    expect(await storesOf(aws).progress.progress(report.batchId)).toMatchObject({
      finished: true,
      finishedAt: now.toISOString(),
      reconciled: true,
      counts: countsWith({ QUEUED: 0, SENDING: 0, SENT: 1, ERROR: 1 }),
    });
    expect(await sweepAt(new Date(createdAt.getTime() + PUT_BACK_AFTER_MS + 1_000))).toEqual({
      continued: 0,
      finished: 0,
      corrected: 0,
      requeued: 0,
      exhausted: 0,
      started: 0,
    });
  });

  it('does not finish a quiet batch whose last send goes out while it counts the sends (a resumed batch; the SENT injected between its queries by middleware), and finishes it at the next sweep', async () => {
    const report = await ingestMails(aws, ['r1@example.com']);
    const createdAt = await createdAtOf(report.batchId);
    const { counted, writers } = storesOf(aws);
    const now = new Date(createdAt.getTime() + 60_000);
    const ref = refFor(report.batchId, 'r1@example.com', createdAt);
    // Claimed, then quiet for long: a batch paused for an hour, its release then sets its sends going.
    await counted.claim(ref, 'l1', now, 60_000);
    const later = new Date(now.getTime() + HOUR_MS);
    const timed = localClients(aws.emulators.endpoints);
    let sent = false;
    timed.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        const { Select } = args.input as { Select?: string };
        // After the mailed sends were counted, before the open ones are read: counted in neither.
        if (!sent && context.commandName === 'QueryCommand' && Select !== 'COUNT') {
          sent = true;
          await counted.markSent(ref, 'l1', 'ses-1', later);
        }
        return next(args);
      },
      { step: 'initialize', name: 'sentWhileCounting' },
    );
    try {
      const raced = await sweepBatches(
        sweeperDepsFor(aws, () => later, { reconciler: new BatchReconciler(timed.documents, aws.tableName) }),
        SWEEP_SETTINGS,
      );
      expect(sent).toBe(true);
      expect(raced).toEqual({
        continued: 0,
        finished: 0,
        corrected: 0,
        requeued: 0,
        exhausted: 0,
        started: 0,
      });
    } finally {
      timed.destroy();
    }
    expect(await writers.get(report.batchId)).not.toHaveProperty('sendingFinishedAt');
    expect(await countsOf(aws, report.batchId)).toEqual(countsWith({ SENT: 1 }));

    expect(await sweepAt(new Date(later.getTime() + 1_000))).toEqual({
      continued: 0,
      finished: 1,
      corrected: 0,
      requeued: 0,
      exhausted: 0,
      started: 0,
    });
    expect(await storesOf(aws).progress.progress(report.batchId)).toMatchObject({
      finished: true,
      reconciled: true,
      counts: countsWith({ SENT: 1 }),
    });
  });

  it('recovers everything after the queues lost their messages: every open send put back and every dead writer freed and continued, whatever their age (crash injected by middleware)', async () => {
    const clock = new ManualClock();
    const report = await ingestMails(aws, ['r1@example.com', 'r2@example.com', 'r3@example.com']);
    const createdAt = await createdAtOf(report.batchId);
    const sent = refFor(report.batchId, 'r3@example.com', createdAt);
    await storesOf(aws).counted.claim(sent, 'l', clock.now(), 60_000);
    await storesOf(aws).counted.markSent(sent, 'l', 'ses', clock.now());
    const crashed = await writerCrashedInSecondChunk(clock);
    // The queues lost their messages (the local runner's in-memory queues on a restart).
    await queuedSendIds();

    const result = await recoverAll(sweeperDepsFor(aws, clock.now), SWEEP_SETTINGS);

    // Open: r1, r2, and the crashed batch's four (chunk 1's were written, never enqueued).
    expect(result).toEqual({
      continued: 1,
      finished: 0,
      corrected: 0,
      requeued: 6,
      exhausted: 0,
      started: 0,
    });
    expect(await queuedSendIds()).toEqual(
      [
        ...['r1', 'r2'].map((n) => sendIdFor(report.batchId, `${n}@example.com`)),
        ...['w1', 'w2', 'w3', 'w4'].map((n) => sendIdFor(crashed, `${n}@example.com`)),
      ].sort(),
    );
    // The dead writer's lease was freed: its continuation takes the file at once, not when the lease ends.
    const continuation = await receiveSqsEvent(aws, aws.queues.writeQueueUrl);
    expect(continuation.Records.map((r) => JSON.parse(r.body))).toEqual([
      { kind: 'continue', batchId: crashed, bucket: aws.s3.bucket, key: uploadKeyOf(crashed) },
    ]);
    const resumed = createWriterHandler(writerDepsFor(aws, { clock: clock.now, chunkRows: 2 }));
    expect(await resumed(continuation, FULL_WRITER_TIME)).toEqual({ batchItemFailures: [] });
    expect(await storesOf(aws).writers.get(crashed)).toMatchObject({ state: 'READY', rowsWritten: 4 });
  });
});

describe('a large file registered when its upload URL is given out', () => {
  const URL_SECONDS = 900;

  async function askForUrl(clock: ManualClock): Promise<string> {
    const upload = await createLargeUpload(
      {
        s3: aws.s3.client,
        bucketName: aws.s3.bucket,
        urlSeconds: URL_SECONDS,
        writers: storesOf(aws).writers,
        retentionSeconds: RETENTION_SECONDS,
        clock: clock.now,
        newBatchId: randomUUID,
      },
      { size: 100 },
    );
    return upload.batchId;
  }

  it('is waited for while its URL is good: neither continued, nor recovered, nor failed for being missing; then written when it comes', async () => {
    const clock = new ManualClock();
    const t0 = clock.now().getTime();
    const batchId = await askForUrl(clock);
    expect(await storesOf(aws).writers.get(batchId)).toMatchObject({
      state: 'WRITING',
      runs: 0,
      fileDueBy: t0 + URL_SECONDS * 1000,
    });
    // Ten minutes on, the URL still good: nothing is silent, and a restart's recovery leaves it.
    expect((await sweepAt(new Date(t0 + 10 * 60_000))).continued).toBe(0);
    clock.advance(10 * 60_000);
    expect((await recoverAll(sweeperDepsFor(aws, clock.now), SWEEP_SETTINGS)).continued).toBe(0);
    expect(await writeQueueMessages()).toEqual([]);
    // A writer run before the file is there (an early continuation) waits instead of failing it.
    const writer = createWriterHandler(writerDepsFor(aws, { clock: clock.now }));
    expect(await writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME)).toEqual({ batchItemFailures: [] });
    expect(await storesOf(aws).writers.get(batchId)).toMatchObject({ state: 'WRITING', leaseUntil: 0 });

    // The PUT comes before the URL expires; its event is written as usual, dated by the URL's request.
    await aws.s3.putObject(uploadKeyOf(batchId), 'email,subject,content\nlate@example.com,Hi,Body\n');
    clock.advance(60_000);
    expect(await writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME)).toEqual({ batchItemFailures: [] });
    expect(await storesOf(aws).writers.get(batchId)).toMatchObject({
      state: 'READY',
      rowsWritten: 1,
      createdAt: new Date(t0).toISOString(),
    });
  });

  it('ends FAILED FILE_NOT_FOUND when its URL expired unused: continued 5 minutes after the expiry, it finds no file', async () => {
    const clock = new ManualClock();
    const t0 = clock.now().getTime();
    const batchId = await askForUrl(clock);
    const expiry = t0 + URL_SECONDS * 1000;
    expect((await sweepAt(new Date(expiry + WRITER_SILENT_MS - 1_000))).continued).toBe(0);
    expect((await sweepAt(new Date(expiry + WRITER_SILENT_MS + 1_000))).continued).toBe(1);
    const [continuation] = await writeQueueMessages();
    expect(continuation).toEqual({
      kind: 'continue',
      batchId,
      bucket: aws.s3.bucket,
      key: uploadKeyOf(batchId),
    });
    clock.advance(URL_SECONDS * 1000 + WRITER_SILENT_MS + 1_000);
    const writer = createWriterHandler(writerDepsFor(aws, { clock: clock.now }));
    expect(await writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME)).toEqual({ batchItemFailures: [] });
    expect(await storesOf(aws).writers.get(batchId)).toMatchObject({
      state: 'FAILED',
      problem: 'FILE_NOT_FOUND',
    });
    // Off the unfinished list: later sweeps leave it.
    expect((await sweepAt(new Date(expiry + 60 * 60_000))).continued).toBe(0);
  });
});
