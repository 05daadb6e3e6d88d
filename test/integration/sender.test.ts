import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowChunkOf } from '../../lambdas/core/domain/row-chunk.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendStatus } from '../../lambdas/core/domain/send-status.js';
import { SendReader } from '../../lambdas/core/store/send-reader.js';
import { createSenderHandler, type SenderHandlerDeps } from '../../lambdas/sender/handler.js';
import type { SendMetrics } from '../../lambdas/sender/send-metrics.js';
import { SendPacer } from '../../lambdas/sender/send-pacer.js';
import { RatePacing } from '../../lambdas/sender/send-pacing.js';
import { SendRate } from '../../lambdas/sender/send-rate.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { ManualClock } from '../helpers/manual-clock.js';
import {
  countsOf,
  csvOf,
  ingestMails,
  ingestText,
  RETENTION_SECONDS,
  receiveAtLeast,
  receiveSqsEvent,
  senderDepsFor,
  sesClientFor,
  storesOf,
} from '../helpers/send-pipeline.js';
import { countsWith, queuedSend, refOf } from '../helpers/send-records.js';
import { noSendMetrics } from '../helpers/sender-doubles.js';
import { injectSesCrash, injectSesFaults, sesServiceError } from '../helpers/ses-faults.js';

let aws: TestAws;

beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());
beforeEach(async () => {
  await fetch(`${aws.emulators.endpoints.sesv2}/clear-store`, { method: 'POST' });
});

function senderWith(
  ses: SESv2Client,
  leaseMs = 60_000,
  metrics: SendMetrics = noSendMetrics,
  extra: Partial<SenderHandlerDeps> = {},
) {
  const deps = senderDepsFor(aws, ses, { ...extra, leaseMs, metrics });
  return { handler: createSenderHandler(deps) };
}

const store = () => storesOf(aws).sends;

/** The lease of a claim, as lambdas/sender/index.ts sets it by default. */
const LEASE_MS = 60_000;

const freshSes = () => sesClientFor(aws);

async function drainQueue() {
  for (;;) {
    const event = await receiveSqsEvent(aws);
    if (event.Records.length === 0) return;
  }
}

describe('sender handler against the SQS and SES emulators', () => {
  it('mails each send once, renders placeholders and records SENT with the SES message id', async () => {
    const report = await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content', 'name'],
        ['ana@example.com', 'Hi {{name}}', '<p>Hello {{name}} &amp; welcome</p>', 'Ana'],
        ['bo@example.com', 'Hi {{name}}', 'Plain hello {{name}}', 'Bo <b>'],
      ]),
    );
    const { handler } = senderWith(freshSes());
    const event = await receiveSqsEvent(aws);
    expect(event.Records).toHaveLength(2);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });

    const mails = await aws.sentMails();
    expect(mails.map((m) => m.destination.to[0]).sort()).toEqual(['ana@example.com', 'bo@example.com']);
    const ana = mails.find((m) => m.destination.to[0] === 'ana@example.com');
    expect(ana?.subject).toBe('Hi Ana');
    expect(ana?.body.html).toBe('<p>Hello Ana &amp; welcome</p>');
    expect(ana?.body.text).toBe('Hello Ana & welcome');
    const bo = mails.find((m) => m.destination.to[0] === 'bo@example.com');
    expect(bo?.body.text).toBe('Plain hello Bo <b>');
    expect(bo?.body.html).toBeUndefined();

    const counts = await countsOf(aws, report.batchId);
    expect(counts).toEqual(countsWith({ QUEUED: 0, SENDING: 0, SENT: 2, ERROR: 0 }));
  });

  it('calls SES once when the same message is delivered twice (duplicate delivery injected by the test, SES calls counted by middleware)', async () => {
    await ingestMails(aws, ['twice@example.com']);
    const ses = freshSes();
    const calls = injectSesFaults(ses, () => undefined);
    const { handler } = senderWith(ses);
    const event = await receiveSqsEvent(aws);
    const duplicated = { Records: [...event.Records, ...event.Records] };
    await handler(duplicated);
    await handler(event);
    expect(calls.attempted).toBe(1);
    expect((await aws.sentMails()).filter((m) => m.destination.to[0] === 'twice@example.com')).toHaveLength(
      1,
    );
  });

  it('calls SES once when two senders race for the same send', async () => {
    await ingestMails(aws, ['race@example.com']);
    const event = await receiveSqsEvent(aws);
    await Promise.all([senderWith(freshSes()).handler(event), senderWith(freshSes()).handler(event)]);
    expect(await aws.sentMails()).toHaveLength(1);
  });

  it('moves a permanently rejected send to ERROR with the SES code (SES fault injected by middleware)', async () => {
    const report = await ingestMails(aws, ['reject@example.com']);
    const ses = freshSes();
    injectSesFaults(ses, () => sesServiceError('MessageRejected', 'Email address is not verified.', 400));
    const { handler } = senderWith(ses);
    const result = await handler(await receiveSqsEvent(aws));
    expect(result.batchItemFailures).toEqual([]);
    const [send] = await sendsOf(report.batchId, 'ERROR');
    expect(send).toMatchObject({
      status: 'ERROR',
      errorCode: 'MessageRejected',
      errorMessage: 'Email address is not verified.',
    });
  });

  it('returns a throttled send for retry and sends it on redelivery (SES throttling injected by middleware)', async () => {
    const report = await ingestMails(aws, ['throttle@example.com']);
    const ses = freshSes();
    const calls = injectSesFaults(ses, (n) =>
      n === 1
        ? sesServiceError('TooManyRequestsException', 'Maximum sending rate exceeded.', 429)
        : undefined,
    );
    const counted = { sent: 0, failed: 0, throttled: 0, latencies: 0 };
    const { handler } = senderWith(ses, 60_000, {
      sent: () => (counted.sent += 1),
      failed: () => (counted.failed += 1),
      suppressed: () => {},
      held: () => {},
      cancelled: () => {},
      throttled: () => (counted.throttled += 1),
      sesLatency: () => (counted.latencies += 1),
      deferred: () => {},
    });
    const event = await receiveSqsEvent(aws);
    const first = await handler(event);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(await countsOf(aws, report.batchId)).toMatchObject({ SENDING: 1, ERROR: 0, SENT: 0 });

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual({ attempted: 2, delivered: 1 });
    expect(counted).toEqual({ sent: 1, failed: 0, throttled: 1, latencies: 2 });
    expect(await countsOf(aws, report.batchId)).toMatchObject({ SENDING: 0, SENT: 1 });
  });

  it('stops calling SES for the rest of the batch once the account is paused (fault injected by middleware)', async () => {
    await drainQueue();
    await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content'],
        ...['a', 'b', 'c', 'd'].map((n) => [`${n}@paused.example.com`, 'S', 'C']),
      ]),
    );
    const ses = freshSes();
    const calls = injectSesFaults(ses, () =>
      sesServiceError('SendingPausedException', 'Sending is paused for this account.', 400),
    );
    const { handler } = senderWith(ses);
    const event = await receiveSqsEvent(aws);
    expect(event.Records).toHaveLength(4);
    const result = await handler(event);
    expect(calls.attempted).toBe(1);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      event.Records.map((r) => r.messageId).sort(),
    );
  });

  it('sends every address and marks none ERROR when SES throttles the first calls (SES throttling injected by middleware)', async () => {
    await drainQueue();
    const addresses = ['t1', 't2', 't3', 't4', 't5'].map((n) => `${n}@throttled.example.com`);
    const report = await ingestText(
      aws,
      csvOf([['email', 'subject', 'content'], ...addresses.map((a) => [a, 'S', 'C'])]),
    );
    const ses = freshSes();
    const throttledCalls = 4;
    const calls = injectSesFaults(ses, (n) =>
      n <= throttledCalls
        ? sesServiceError('TooManyRequestsException', 'Maximum sending rate exceeded.', 429)
        : undefined,
    );
    const { handler } = senderWith(ses);
    // Plays the event source: each delivery's failures come back, until every message is done.
    let pending = (await receiveSqsEvent(aws)).Records;
    for (let round = 0; pending.length > 0 && round < 10; round++) {
      const { batchItemFailures } = await handler({ Records: pending });
      const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
      pending = pending.filter((r) => failed.has(r.messageId));
    }
    expect(pending).toEqual([]);
    expect(calls).toEqual({ attempted: addresses.length + throttledCalls, delivered: addresses.length });
    expect(await countsOf(aws, report.batchId)).toEqual(countsWith({ SENT: addresses.length }));
    const mailed = (await aws.sentMails()).map((m) => m.destination.to[0]);
    expect(mailed.sort()).toEqual([...addresses].sort());
  });

  it('sends once, after the lease, a send whose sender crashed after the claim and before SES (crash injected by middleware)', async () => {
    await drainQueue();
    const report = await ingestMails(aws, ['crash-before@example.com']);
    const event = await receiveSqsEvent(aws);
    // The senders' one clock, moved by the test: the claim compares the lease with it, not with real time.
    const clock = new ManualClock();
    const crashing = freshSes();
    const crash = injectSesCrash(crashing, 'before-ses');
    void senderWith(crashing, LEASE_MS, noSendMetrics, { clock: clock.now }).handler(event);
    await crash.reached;
    expect(await countsOf(aws, report.batchId)).toMatchObject({ SENDING: 1 });

    // While the lease holds, a redelivery leaves the send alone; once it ran out, it sends.
    const healthy = freshSes();
    const calls = injectSesFaults(healthy, () => undefined);
    const { handler } = senderWith(healthy, LEASE_MS, noSendMetrics, { clock: clock.now });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(calls.attempted).toBe(0);
    clock.advance(LEASE_MS - 1);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(calls.attempted).toBe(0);
    clock.advance(2);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(calls.attempted).toBe(1);
    expect(await aws.sentMails()).toHaveLength(1);
    expect(await countsOf(aws, report.batchId)).toMatchObject({ SENDING: 0, SENT: 1 });
  });

  it('mails at most one duplicate when the sender crashed after SES accepted and before SENT was written (crash injected by middleware)', async () => {
    await drainQueue();
    const report = await ingestMails(aws, ['crash-after@example.com']);
    const event = await receiveSqsEvent(aws);
    const crashing = freshSes();
    const crash = injectSesCrash(crashing, 'after-ses');
    const clock = new ManualClock();
    void senderWith(crashing, LEASE_MS, noSendMetrics, { clock: clock.now }).handler(event);
    await crash.reached;
    expect(await aws.sentMails()).toHaveLength(1);

    clock.advance(LEASE_MS + 1);
    const { handler } = senderWith(freshSes(), LEASE_MS, noSendMetrics, { clock: clock.now });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    // The one window the design leaves open: SES accepted, the crash lost that fact, the send is
    // retried after its lease. The address gets exactly one duplicate, and later deliveries add none.
    expect(await aws.sentMails()).toHaveLength(2);
    await handler(event);
    expect(await aws.sentMails()).toHaveLength(2);
    expect(await countsOf(aws, report.batchId)).toMatchObject({ SENDING: 0, SENT: 1 });
  });

  it('marks sends SENT with dryRun and a synthetic message id without calling SES when DRY_RUN is on', async () => {
    await drainQueue();
    const report = await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content', 'name'],
        ['dry1@example.com', 'Hi {{name}}', 'Hello {{name}}', 'Ana'],
        ['dry2@example.com', 'Hi {{name}}', 'Hello {{name}}', 'Bo'],
      ]),
    );
    const ses = freshSes();
    const calls = injectSesFaults(ses, () => undefined);
    const clock = new ManualClock();
    const { handler } = senderWith(ses, 60_000, noSendMetrics, { dryRun: true, clock: clock.now });
    expect(await handler(await receiveSqsEvent(aws))).toEqual({ batchItemFailures: [] });
    expect(calls.attempted).toBe(0);
    expect(await aws.sentMails()).toHaveLength(0);
    const sent = await sendsOf(report.batchId, 'SENT');
    expect(sent).toHaveLength(2);
    for (const send of sent) {
      expect(send).toMatchObject({
        status: 'SENT',
        dryRun: true,
        sesMessageId: `dry-run-${String(send.sendId)}`,
        attempts: 1,
        sentAt: clock.now().toISOString(),
      });
    }
  });

  it('does not call SES for a send its upload marked dryRun, and mails the others of the batch', async () => {
    await drainQueue();
    const batchId = 'batch-partly-rehearsed';
    const { sends, rows, queue } = storesOf(aws);
    // What the writer stores for a batch whose rows differ in dryRun: the chunk of rows, then the sends.
    const records = [
      queuedSend(batchId, 'rehearse@example.com', { dryRun: true }),
      queuedSend(batchId, 'real@example.com'),
    ];
    await rows.put(
      rowChunkOf(
        batchId,
        0,
        records.map((r, i) => ({
          sendId: r.sendId,
          line: i + 2,
          row: { email: r.email, subject: 'S', content: 'C', variables: {} },
        })),
      ),
    );
    await sends.putNewSends(records, Math.floor(Date.now() / 1000) + RETENTION_SECONDS);
    await queue.enqueue(records.map(refOf));
    const rehearsed = sendIdFor(batchId, 'rehearse@example.com');
    const { handler } = senderWith(freshSes());
    expect(await handler(await receiveSqsEvent(aws))).toEqual({ batchItemFailures: [] });
    expect((await aws.sentMails()).map((m) => m.destination.to[0])).toEqual(['real@example.com']);
    expect(await store().getSend(rehearsed)).toMatchObject({
      status: 'SENT',
      dryRun: true,
      sesMessageId: `dry-run-${rehearsed}`,
    });
    const real = await store().getSend(sendIdFor(batchId, 'real@example.com'));
    expect(real?.status).toBe('SENT');
    expect(real?.dryRun).toBeUndefined();
    expect(real?.sesMessageId).not.toMatch(/^dry-run-/);
  });

  it('marks a send ERROR "ContentMissing" without calling SES when its chunk of rows is gone', async () => {
    await drainQueue();
    const batchId = 'batch-without-rows';
    const { sends, queue } = storesOf(aws);
    // The chunk expired with the batch's retention (or was never written): nothing to mail, ever.
    const record = queuedSend(batchId, 'nocontent@example.com');
    await sends.putNewSends([record], Math.floor(Date.now() / 1000) + RETENTION_SECONDS);
    await queue.enqueue([refOf(record)]);
    const ses = freshSes();
    const calls = injectSesFaults(ses, () => undefined);
    const { handler } = senderWith(ses);
    expect(await handler(await receiveSqsEvent(aws))).toEqual({ batchItemFailures: [] });
    expect(calls.attempted).toBe(0);
    expect(await store().getSend(record.sendId)).toMatchObject({
      status: 'ERROR',
      errorCode: 'ContentMissing',
    });
  });

  describe('near the invocation’s deadline (pacing and deadline on one virtual clock)', () => {
    /**
     * 2 sends/s shared by 2 senders: one slot a second, taken without real waiting. The invocation has
     * 7.5 s: slots at 0, 1 and 2 s leave the 5 s reserve, the one at 3 s does not.
     */
    function pacedNearDeadline() {
      const clock = {
        t: 0,
        now: () => clock.t,
        sleep: async (ms: number) => {
          clock.t += ms;
        },
      };
      const pacing = new RatePacing(
        new SendRate({ override: 2, fallback: 1, readAccountRate: async () => 2, now: clock.now }),
        new SendPacer(clock, { concurrency: 2 }),
      );
      const context = { getRemainingTimeInMillis: () => Math.max(0, 7_500 - clock.t) };
      return { pacing, context };
    }

    const fiveSends = async (tag: string) => {
      await drainQueue();
      const addresses = ['a', 'b', 'c', 'd', 'e'].map((n) => `${n}@${tag}.example.com`);
      const report = await ingestText(
        aws,
        csvOf([['email', 'subject', 'content'], ...addresses.map((a) => [a, 'S', 'C'])]),
      );
      const event = await receiveSqsEvent(aws);
      expect(event.Records).toHaveLength(5);
      return { report, event };
    };

    it('sends what fits, puts the rest back as fresh messages, unclaimed, and acknowledges the originals', async () => {
      const { report, event } = await fiveSends('deadline');
      const ses = freshSes();
      const calls = injectSesFaults(ses, () => undefined);
      const { pacing, context } = pacedNearDeadline();
      const deferred: number[] = [];
      const { handler } = senderWith(
        ses,
        60_000,
        { ...noSendMetrics, deferred: (count) => deferred.push(count) },
        { pacing, requeue: storesOf(aws).queue },
      );

      expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
      expect(calls.attempted).toBe(3);
      expect(deferred).toEqual([2]);
      expect(await countsOf(aws, report.batchId)).toMatchObject({ SENT: 3, QUEUED: 2, SENDING: 0 });
      // Never claimed: the deferral counts as no attempt of the send.
      for (const send of await sendsOf(report.batchId, 'QUEUED')) expect(send.attempts ?? 0).toBe(0);

      // The copies come back after the delay until the missed slot (1 s) as first receives.
      const again = await receiveAtLeast(aws, 'the two deferred sends to come back', 2);
      expect(again.Records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '1']);
      expect(await senderWith(ses).handler(again)).toEqual({ batchItemFailures: [] });
      expect(calls.attempted).toBe(5);
      expect(await countsOf(aws, report.batchId)).toMatchObject({ SENT: 5, QUEUED: 0 });
      expect((await aws.sentMails()).map((m) => m.destination.to[0]).sort()).toEqual(
        ['a', 'b', 'c', 'd', 'e'].map((n) => `${n}@deadline.example.com`),
      );
    });

    it('returns the rest as failures when it cannot put them back, without marking them ERROR on a last receive', async () => {
      const { report, event } = await fiveSends('nowayback');
      const lastReceive = {
        Records: event.Records.map((r) => ({
          ...r,
          attributes: { ...r.attributes, ApproximateReceiveCount: '3' },
        })),
      };
      const { pacing, context } = pacedNearDeadline();
      const requeue = {
        enqueue: async () => {
          throw new Error('SQS is unreachable');
        },
      };
      const { handler } = senderWith(freshSes(), 60_000, noSendMetrics, { pacing, requeue });

      const result = await handler(lastReceive, context);
      expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
        event.Records.slice(3).map((r) => r.messageId),
      );
      // Never tried, so not "retries exhausted": still QUEUED, for the sweeper or a redrive.
      expect(await countsOf(aws, report.batchId)).toMatchObject({ SENT: 3, QUEUED: 2, ERROR: 0 });
    });

    it('defers nothing when DRY_RUN is on: a dry run takes no pacing slot', async () => {
      const { report, event } = await fiveSends('drydeadline');
      const { pacing } = pacedNearDeadline();
      const { handler } = senderWith(freshSes(), 60_000, noSendMetrics, { pacing, dryRun: true });
      const noTimeLeft = { getRemainingTimeInMillis: () => 0 };
      expect(await handler(event, noTimeLeft)).toEqual({ batchItemFailures: [] });
      expect(await countsOf(aws, report.batchId)).toMatchObject({ SENT: 5, QUEUED: 0 });
    });
  });

  it('acknowledges a message that is not a send reference without calling SES', async () => {
    const ses = freshSes();
    const calls = injectSesFaults(ses, () => undefined);
    const { handler } = senderWith(ses);
    const result = await handler({
      Records: [{ ...(await foreignRecord()), body: '{"hello":"world"}' }],
    });
    expect(result.batchItemFailures).toEqual([]);
    expect(calls.attempted).toBe(0);
  });
});

/** The sends of a batch in one status, read as GraphQL reads them (batch_index). */
async function sendsOf(batchId: string, status: SendStatus) {
  return (await new SendReader(aws.clients.documents, aws.tableName).page({ batchId, status }, 1000)).sends;
}

async function foreignRecord() {
  const { sqsRecordOf } = await import('../../local/sqs-event-source.js');
  return sqsRecordOf({ MessageId: 'foreign-1', ReceiptHandle: 'r', Body: '' }, 'arn:aws:sqs:us-east-1:0:q');
}
