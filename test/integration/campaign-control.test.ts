import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlCampaign } from '../../lambdas/campaigns/control-campaign.js';
import type { SendOptions } from '../../lambdas/core/domain/send-options.js';
import { SendQueue, sendRefFromBody } from '../../lambdas/core/queue/send-queue.js';
import { batchJobOf } from '../../lambdas/core/queue/write-queue.js';
import { BatchProgressReader } from '../../lambdas/core/store/batch-progress.js';
import { CountedSends } from '../../lambdas/core/store/counted-sends.js';
import { CounterBuffer } from '../../lambdas/core/store/counter-buffer.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { recoverAll, sweepBatches } from '../../lambdas/sweeper/sweep-batches.js';
import { createWriterHandler } from '../../lambdas/writer/handler.js';
import { freshClients, startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { dataOf, graphqlOver } from '../helpers/graphql-client.js';
import { pollUntil } from '../helpers/poll.js';
import {
  controlDepsFor,
  csvOf,
  drainQueue,
  FULL_WRITER_TIME,
  ingestText,
  RETENTION_SECONDS,
  receiveSqsEvent,
  senderDepsFor,
  sesClientFor,
  storesOf,
  uploadEventFor,
  writerDepsFor,
} from '../helpers/send-pipeline.js';
import { countsWith } from '../helpers/send-records.js';
import { SWEEP_SETTINGS, sweeperDepsFor } from '../helpers/sweep-pipeline.js';

/**
 * Pause, resume, cancel and reschedule against the emulators: the control use case of the campaigns
 * function, the sender's handling of a batch's state, and the writer's batch jobs, each run by hand
 * (the local runner's event sources run them in the e2e tests).
 */
let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());

const addresses = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag}-${i}@example.com`);
const upload = (emails: string[], sending?: SendOptions) =>
  ingestText(aws, csvOf([['email', 'subject', 'content'], ...emails.map((e) => [e, 'S', 'C'])]), {
    ...(sending ? { sending } : {}),
  });

const controlDeps = (clock?: () => Date) => controlDepsFor(aws, clock);
const control = (
  batchId: string,
  action: 'pause' | 'resume' | 'cancel' | 'schedule',
  sendAt?: string,
  clock?: () => Date,
) => controlCampaign(batchId, action, sendAt ? { sendAt } : {}, controlDeps(clock));

/** A sender whose control cache is off: each send reads the state (the 3 s cache is tested on its own). */
const sender = () => {
  const deps = senderDepsFor(aws, sesClientFor(aws));
  return createSenderHandler({
    ...deps,
    controls: { of: async (id) => (await controlDeps().controls.get(id)) ?? { state: 'SENDING' } },
  });
};

/** Hands every message on the send queue to the sender until none is left. */
async function deliverAll(handler = sender()): Promise<void> {
  for (const records of [await drainQueue(aws)]) {
    for (let i = 0; i < records.length; i += 10) await handler({ Records: records.slice(i, i + 10) });
  }
}

/** Runs the writer on every message waiting on the write queue (the batch jobs among them). */
async function runWriteQueue(): Promise<void> {
  const writer = createWriterHandler(writerDepsFor(aws));
  for (const record of await drainQueue(aws, aws.queues.writeQueueUrl)) {
    const result = await writer({ Records: [record] }, FULL_WRITER_TIME);
    expect(result.batchItemFailures).toEqual([]);
  }
}

const mailedTo = async (emails: string[]) => {
  const wanted = new Set(emails);
  return (await aws.sentMails()).map((m) => m.destination.to[0] ?? '').filter((to) => wanted.has(to));
};

describe('a paused batch', () => {
  it('has its queued messages set aside unsent, unclaimed, with no failed receive; resume mails each address once', async () => {
    const emails = addresses('paused', 23);
    const { batchId } = await upload(emails);
    expect((await control(batchId, 'pause')).control.state).toBe('PAUSED');
    const handler = sender();
    const records = await drainQueue(aws);
    expect(records).toHaveLength(23);
    for (let i = 0; i < records.length; i += 10) {
      // Acknowledged: none comes back, none heads for the DLQ.
      expect(await handler({ Records: records.slice(i, i + 10) })).toEqual({ batchItemFailures: [] });
    }
    expect(await mailedTo(emails)).toEqual([]);
    expect(await receiveSqsEvent(aws, aws.queues.queueUrl, 1)).toEqual({ Records: [] });
    expect(await countsOfBatch(batchId)).toEqual(countsWith({ QUEUED: 23 }));

    expect((await control(batchId, 'resume')).control.state).toBe('SENDING');
    // The release job waits on the write queue (a few seconds' delay), then puts the sends back.
    await runJobsWhenDue();
    await deliverAll(handler);
    expect((await mailedTo(emails)).sort()).toEqual([...emails].sort());
    expect(await countsOfBatch(batchId)).toEqual(countsWith({ SENT: 23 }));
  }, 30_000);

  it('stops a sender between two sends of one invocation once the pause is seen', async () => {
    const emails = addresses('racing', 10);
    const { batchId } = await upload(emails);
    const records = await drainQueue(aws);
    let sent = 0;
    const deps = senderDepsFor(aws, sesClientFor(aws));
    const handler = createSenderHandler({
      ...deps,
      controls: { of: async (id) => (await controlDeps().controls.get(id)) ?? { state: 'SENDING' } },
      // The pause comes while the fourth mail waits for its pacing slot.
      pacing: {
        begin: () => () => {},
        nextSlotInMs: () => 0,
        throttled: () => {},
        acquire: async () => {
          sent += 1;
          if (sent === 4) await control(batchId, 'pause');
        },
      },
    });
    expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    expect(await mailedTo(emails)).toHaveLength(3);
    // The claim of the fourth was given back: it and the six after it wait open for the resume.
    expect(await countsOfBatch(batchId)).toEqual(countsWith({ SENT: 3, QUEUED: 6, SENDING: 1 }));
    await control(batchId, 'resume');
    await runJobsWhenDue();
    await deliverAll();
    expect((await mailedTo(emails)).sort()).toEqual([...emails].sort());
  }, 30_000);

  it('is released once however often its release job runs, and after a crash in the middle of one (SQS fault injected by middleware)', async () => {
    const emails = addresses('crash', 35);
    const { batchId } = await upload(emails);
    await control(batchId, 'pause');
    await deliverAll();
    await control(batchId, 'resume');
    const jobs = await pollUntil('the release job', drainJobs, (found) => found.length > 0);
    const job = jobs[0]?.body ?? '';
    const writerDeps = writerDepsFor(aws);
    // The first run fails after putting 20 sends back: its third SendMessageBatch fails.
    const faulty = freshClients(aws);
    let batches = 0;
    faulty.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendMessageBatchCommand' && ++batches === 3)
          throw new Error('SQS is down');
        return next(args);
      },
      { step: 'initialize', name: 'failThirdBatch' },
    );
    const crashed = await createWriterHandler({
      ...writerDeps,
      jobs: { ...writerDeps.jobs, sendQueueFor: () => new SendQueue(faulty.sqs, aws.queues.queueUrl, 1) },
    })({ Records: [recordOf(job)] }, FULL_WRITER_TIME);
    faulty.destroy();
    expect(crashed.batchItemFailures).toHaveLength(1);
    // SQS hands the job out again; it runs whole.
    expect(
      (await createWriterHandler(writerDeps)({ Records: [recordOf(job)] }, FULL_WRITER_TIME))
        .batchItemFailures,
    ).toEqual([]);
    await deliverAll();
    const mailed = await mailedTo(emails);
    expect(mailed.sort()).toEqual([...emails].sort());
    expect(await countsOfBatch(batchId)).toEqual(countsWith({ SENT: 35 }));
  }, 30_000);
});

describe('a batch resumed after a long pause', () => {
  it('is left alone by the sweeper while its released sends are counted only in their senders', async () => {
    const emails = addresses('long-paused', 3);
    const { batchId } = await upload(emails);
    await control(batchId, 'pause');
    await deliverAll();
    // An hour later by the control's clock and the sweeper's: the counters have been quiet all along.
    const resumedAt = new Date(Date.now() + 3_600_000);
    await control(batchId, 'resume', undefined, () => resumedAt);
    await runJobsWhenDue();
    const [first, ...rest] = await drainQueue(aws);
    const ref = sendRefFromBody(first?.body ?? '');
    if (!ref) throw new Error('no released message');
    // A sender's invocation under way: it mailed one send, whose counts wait for the invocation's end.
    const { sends, counters, writers } = storesOf(aws);
    const buffer = new CounterBuffer(counters);
    const inFlight = new CountedSends(sends, buffer, writers, RETENTION_SECONDS);
    const at = new Date(resumedAt.getTime() + 6_000);
    await inFlight.claim(ref, 'lease-1', at, 60_000);
    await inFlight.markSent(ref, 'lease-1', 'ses-1', at);

    await sweepBatches(
      sweeperDepsFor(aws, () => new Date(at.getTime() + 4_000)),
      SWEEP_SETTINGS,
    );
    await buffer.flush();
    expect(await countsOfBatch(batchId)).toEqual(countsWith({ QUEUED: 2, SENT: 1 }));
    await sender()({ Records: rest });
    expect(await countsOfBatch(batchId)).toEqual(countsWith({ SENT: 3 }));
  }, 30_000);
});

describe('a cancelled batch', () => {
  it('ends every unsent send CANCELLED, its queued messages and its set-aside ones alike, and mails nothing after', async () => {
    const emails = addresses('cancelled', 30);
    const { batchId } = await upload(emails);
    const handler = sender();
    const records = await drainQueue(aws);
    // Ten mailed, ten set aside by a pause, then a cancel with ten still on the queue.
    await handler({ Records: records.slice(0, 10) });
    await control(batchId, 'pause');
    await handler({ Records: records.slice(10, 20) });
    const cancelled = await control(batchId, 'cancel');
    expect(cancelled.control.state).toBe('CANCELLED');
    await runWriteQueue();
    await handler({ Records: records.slice(20) });
    // A message delivered twice changes nothing.
    await handler({ Records: records.slice(25) });
    expect(await mailedTo(emails)).toHaveLength(10);
    expect(await countsOfBatch(batchId)).toEqual(countsWith({ SENT: 10, CANCELLED: 20 }));
    expect(
      (await new BatchProgressReader(aws.clients.documents, aws.tableName).progress(batchId)).finished,
    ).toBe(true);
    // Nothing makes it send again.
    await expect(control(batchId, 'resume')).rejects.toMatchObject({ statusCode: 409 });
  }, 30_000);
});

describe('a scheduled batch', () => {
  it('is not written before its time, and is mailed whole after it, started by its schedule', async () => {
    const emails = addresses('scheduled', 12);
    const sendAt = new Date(Date.now() + 2_500).toISOString();
    const report = await upload(emails, { sendAt, priority: 'normal' });
    expect(report.sending).toEqual({ state: 'SCHEDULED', sendAt, priority: 'normal' });
    // The writer ran on the upload's event and left the file for later.
    expect(await receiveSqsEvent(aws, aws.queues.queueUrl, 1)).toEqual({ Records: [] });
    expect(aws.scheduler.pending().map((s) => s.name)).toContain(`batch-${report.batchId}`);
    // At its time, Scheduler's stand-in puts the start job on the write queue.
    const start = await pollUntil('the start job', drainJobs, (found) => found.length > 0, {
      timeoutMs: 15_000,
    });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(sendAt));
    const writer = createWriterHandler(writerDepsFor(aws));
    for (const record of start) await writer({ Records: [record] }, FULL_WRITER_TIME);
    await runWriteQueue();
    await deliverAll();
    expect((await mailedTo(emails)).sort()).toEqual([...emails].sort());
    const state = await controlDeps().controls.get(report.batchId);
    expect(state?.changes.map((c) => [c.state, c.by])).toEqual([
      ['SCHEDULED', 'request'],
      ['SENDING', 'schedule'],
    ]);
  }, 30_000);

  it('can be rescheduled or cancelled before it starts, and its schedule goes with it', async () => {
    const { batchId } = await upload(addresses('moved', 2), {
      sendAt: new Date(Date.now() + 3_600_000).toISOString(),
      priority: 'normal',
    });
    const later = new Date(Date.now() + 7_200_000).toISOString();
    expect((await control(batchId, 'schedule', later)).control.sendAt).toBe(later);
    // At the whole second on or after it: Scheduler's `at()` takes no milliseconds.
    expect(
      aws.scheduler
        .pending()
        .find((s) => s.name === `batch-${batchId}`)
        ?.at.getTime(),
    ).toBe(Math.ceil(Date.parse(later) / 1000) * 1000);
    await control(batchId, 'cancel');
    expect(aws.scheduler.pending().some((s) => s.name === `batch-${batchId}`)).toBe(false);
    await runWriteQueue();
    // Its writer, when it comes (the sweeper continues a silent one), writes nothing: the batch is done.
    const writer = createWriterHandler(writerDepsFor(aws));
    await writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME);
    expect(await countsOfBatch(batchId)).toEqual(countsWith({}));
    const progress = await new BatchProgressReader(aws.clients.documents, aws.tableName).progress(batchId);
    expect(progress).toMatchObject({ finished: true, writer: { state: 'READY', rowsWritten: 0 } });
    expect(await receiveSqsEvent(aws, aws.queues.queueUrl, 1)).toEqual({ Records: [] });
  });
});

describe('a batch’s state in GraphQL', () => {
  it('shows SCHEDULED with its sendAt, then each change with who made it, and FINISHED once nothing is open', async () => {
    const query = await graphqlOver(aws);
    const stateOf = async (batchId: string) =>
      dataOf<Record<string, unknown>>(
        await query(
          'query($id: String!) { batch(batchId: $id) { state sendAt maxRate priority stateChanges { state by reason } } }',
          { id: batchId },
        ),
        'batch',
      );
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await upload(addresses('graphql-scheduled', 1), {
      sendAt,
      maxRate: 2,
      priority: 'high',
    });
    expect(await stateOf(scheduled.batchId)).toEqual({
      state: 'SCHEDULED',
      sendAt,
      maxRate: 2,
      priority: 'HIGH',
      stateChanges: [{ state: 'SCHEDULED', by: 'REQUEST', reason: null }],
    });
    const sent = await upload(addresses('graphql-sent', 2));
    await controlCampaign(sent.batchId, 'pause', { reason: 'wrong link' }, controlDeps());
    expect(await stateOf(sent.batchId)).toMatchObject({
      state: 'PAUSED',
      stateChanges: [
        { state: 'SENDING', by: 'REQUEST', reason: null },
        { state: 'PAUSED', by: 'REQUEST', reason: 'wrong link' },
      ],
    });
    await control(sent.batchId, 'resume');
    await runJobsWhenDue();
    await deliverAll();
    expect(await stateOf(sent.batchId)).toMatchObject({
      state: 'FINISHED',
      priority: 'NORMAL',
      sendAt: null,
    });
  }, 30_000);
});

describe('the sweeper and the batches’ states', () => {
  it('leaves a scheduled batch’s writer alone until its time, and starts it once its schedule failed to', async () => {
    const sendAt = new Date(Date.now() + 3_600_000);
    const { batchId } = await upload(addresses('lost-schedule', 3), {
      sendAt: sendAt.toISOString(),
      priority: 'normal',
    });
    // The schedule's trigger is lost (a restart of the local runner, a delivery Scheduler gave up).
    await storesOf(aws).schedules.remove(batchId);
    await drainJobs();
    const sweepAt = (at: Date) =>
      sweepBatches(
        sweeperDepsFor(aws, () => at),
        SWEEP_SETTINGS,
      );
    // Hours before, and just after its time: silent by design, nothing done.
    expect(await sweepAt(new Date(Date.now() + 20 * 60_000))).toMatchObject({ continued: 0, started: 0 });
    expect(await sweepAt(new Date(sendAt.getTime() + 10_000))).toMatchObject({ continued: 0, started: 0 });
    // A minute late: started (other tests' scheduled batches may be due by then too).
    expect((await sweepAt(new Date(sendAt.getTime() + 61_000))).started).toBeGreaterThanOrEqual(1);
    const jobs = await drainJobs();
    expect(jobs.map((r) => JSON.parse(r.body))).toContainEqual({ kind: 'start', batchId });
  });

  it('on recovery after a restart, leaves a paused batch’s sends for its resume and runs a cancelled batch’s cancel again', async () => {
    const paused = await upload(addresses('recover-paused', 4));
    const cancelled = await upload(addresses('recover-cancelled', 4));
    await drainQueue(aws);
    await control(paused.batchId, 'pause');
    await control(cancelled.batchId, 'cancel');
    // The restart lost both queues' messages.
    await drainJobs();
    const result = await recoverAll(
      sweeperDepsFor(aws, () => new Date()),
      SWEEP_SETTINGS,
    );
    expect(result.requeued).toBe(0);
    expect((await drainJobs()).map((r) => JSON.parse(r.body))).toContainEqual({
      kind: 'cancel',
      batchId: cancelled.batchId,
    });
    expect(await receiveSqsEvent(aws, aws.queues.queueUrl, 1)).toEqual({ Records: [] });
  });
});

describe('a batch of high priority', () => {
  const batchesOn = async (queueUrl: string) =>
    (await drainQueue(aws, queueUrl)).map((record) => sendRefFromBody(record.body)?.batchId);

  it('has its sends queued on the high-priority queue, a normal batch on the send queue', async () => {
    const high = await upload(addresses('high', 12), { priority: 'high' });
    const normal = await upload(addresses('normal', 7), { priority: 'normal' });
    const onPriority = await batchesOn(aws.queues.priorityQueueUrl);
    const onSend = await batchesOn(aws.queues.queueUrl);
    expect(onPriority).toEqual(Array(12).fill(high.batchId));
    expect(onSend).toEqual(Array(7).fill(normal.batchId));
  });

  it('has its open sends put back on the high-priority queue by the sweeper’s recovery after a restart', async () => {
    const { batchId } = await upload(addresses('high-recovered', 11), { priority: 'high' });
    // A restart lost the queues' messages: the recovery puts every open send back on its batch's queue.
    await drainQueue(aws, aws.queues.priorityQueueUrl);
    const result = await recoverAll(
      sweeperDepsFor(aws, () => new Date()),
      SWEEP_SETTINGS,
    );
    expect(result.requeued).toBeGreaterThanOrEqual(11);
    expect((await batchesOn(aws.queues.priorityQueueUrl)).filter((id) => id === batchId)).toHaveLength(11);
    expect((await batchesOn(aws.queues.queueUrl)).filter((id) => id === batchId)).toEqual([]);
  });
});

describe('a batch with its own pace', () => {
  it('never takes more than its maxRate per second, summed over senders working at once', async () => {
    const emails = addresses('paced', 24);
    const { batchId } = await upload(emails, { maxRate: 4, priority: 'normal' });
    const records = await drainQueue(aws);
    // Three senders at once, each with its own container (control cache, pace hint).
    await Promise.all(
      [0, 1, 2].map((i) =>
        sender()({ Records: records.slice(i * 8, i * 8 + 8) }, { getRemainingTimeInMillis: () => 30_000 }),
      ),
    );
    await deliverAll();
    // The emulator dates each mail to the second it took it.
    const times = (await aws.sentMails())
      .filter((m) => m.destination.to[0]?.startsWith('paced-'))
      .map((m) => (m.at ?? 0) * 1000);
    expect(times).toHaveLength(24);
    // 24 sends at 4 per second span at least 5 seconds.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(5_000);
    const perSecond = new Map<number, number>();
    for (const at of times)
      perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
    // Mails reach the emulator a few milliseconds after their slot: a window may see one of the next's.
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
    expect(await countsOfBatch(batchId)).toEqual(countsWith({ SENT: 24 }));
  }, 30_000);
});

async function countsOfBatch(batchId: string) {
  return (await new BatchProgressReader(aws.clients.documents, aws.tableName).progress(batchId)).counts;
}

/** Waits for the batch jobs on the write queue (a release waits a few seconds) and runs them. */
async function runJobsWhenDue(): Promise<void> {
  const jobs = await pollUntil('the batch jobs', drainJobs, (found) => found.length > 0);
  const writer = createWriterHandler(writerDepsFor(aws));
  for (const record of jobs)
    expect((await writer({ Records: [record] }, FULL_WRITER_TIME)).batchItemFailures).toEqual([]);
}

/** The batch jobs waiting on the write queue (their delay passed), received. */
async function drainJobs(): Promise<SQSEvent['Records']> {
  return (await drainQueue(aws, aws.queues.writeQueueUrl)).filter((r) => batchJobOf(r.body) !== undefined);
}

function recordOf(body: string): SQSEvent['Records'][number] {
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
    awsRegion: 'us-east-1',
  };
}
