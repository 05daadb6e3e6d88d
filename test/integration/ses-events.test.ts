import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlCampaign } from '../../lambdas/campaigns/control-campaign.js';
import type { EventFactName } from '../../lambdas/core/domain/send-event-update.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import { SEND_STATUSES, type SendStatus } from '../../lambdas/core/domain/send-status.js';
import { BatchControlStore } from '../../lambdas/core/store/batch-control-store.js';
import { CountedSends } from '../../lambdas/core/store/counted-sends.js';
import { CounterBuffer } from '../../lambdas/core/store/counter-buffer.js';
import { CounterStore } from '../../lambdas/core/store/counter-store.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { SuppressionStore } from '../../lambdas/core/store/suppression-store.js';
import { WriterStore } from '../../lambdas/core/store/writer-store.js';
import { createEventsHandler } from '../../lambdas/events/handler.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { type Mailer, SesMailer } from '../../lambdas/sender/mailer.js';
import type { PublishedEvent } from '../../local/ses-event-records.js';
import { freshClients, startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { eventMoving } from '../helpers/campaign-fixtures.js';
import {
  controlDepsFor,
  countsOf,
  drainQueue,
  ingestMails,
  RETENTION_SECONDS,
  receiveAtLeast,
  senderDepsFor,
  sesClientFor,
  storesOf,
} from '../helpers/send-pipeline.js';
import { eventMessageFor, eventsDepsFor, sqsEventOf } from '../helpers/ses-events.js';

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());

/** The kinds of event that differ in what they do to a send. */
const KINDS = {
  Send: { type: 'Send' },
  Delivery: { type: 'Delivery' },
  HardBounce: { type: 'Bounce', bounceType: 'Permanent', bounceSubType: 'General' },
  SoftBounce: { type: 'Bounce', bounceType: 'Transient', bounceSubType: 'MailboxFull' },
  Complaint: { type: 'Complaint', feedbackType: 'abuse' },
  Reject: { type: 'Reject' },
  RenderingFailure: { type: 'RenderingFailure' },
  DeliveryDelay: { type: 'DeliveryDelay', delayType: 'MailboxFull' },
  Open: { type: 'Open' },
  Click: { type: 'Click' },
} as const satisfies Record<string, PublishedEvent>;
type Kind = keyof typeof KINDS;
const ALL_KINDS = Object.keys(KINDS) as Kind[];

/** The rule, as docs/ses-events.md states it: SENT < DELIVERED < BOUNCED < COMPLAINED; REJECTED only from SENT, and final. */
const RANK: Partial<Record<SendStatus, number>> = { SENT: 0, DELIVERED: 1, BOUNCED: 2, COMPLAINED: 3 };
const STATUS_OF: Partial<Record<Kind, SendStatus>> = {
  Send: 'SENT',
  Delivery: 'DELIVERED',
  HardBounce: 'BOUNCED',
  Complaint: 'COMPLAINED',
  Reject: 'REJECTED',
  RenderingFailure: 'REJECTED',
};
function expectedStatus(kinds: Kind[]): SendStatus {
  let status: SendStatus = 'SENT';
  for (const kind of kinds) {
    const to = STATUS_OF[kind];
    if (to === undefined || status === 'REJECTED') continue;
    if (to === 'REJECTED') {
      if (status === 'SENT') status = 'REJECTED';
    } else if ((RANK[to] ?? 0) > (RANK[status] ?? 0)) {
      status = to;
    }
  }
  return status;
}

const FACT_OF: Partial<Record<Kind, EventFactName>> = {
  Delivery: 'delivery',
  HardBounce: 'bounce',
  SoftBounce: 'bounce',
  Complaint: 'complaint',
  Reject: 'reject',
  RenderingFailure: 'reject',
  DeliveryDelay: 'deliveryDelay',
  Open: 'firstOpenedAt',
  Click: 'firstClickedAt',
};

/** Sends mailed through the sender and SES's emulator: SENT with their message ids, counted. */
async function mailedSends(addresses: string[]): Promise<{ batchId: string; sends: SendRecord[] }> {
  const { batchId } = await ingestMails(aws, addresses);
  const sender = createSenderHandler(senderDepsFor(aws, sesClientFor(aws)));
  const records = await drainQueue(aws);
  for (let i = 0; i < records.length; i += 10) {
    const result = await sender({ Records: records.slice(i, i + 10) });
    expect(result.batchItemFailures).toEqual([]);
  }
  const sends = await storesOf(aws).sends.getSends(addresses.map((a) => sendIdFor(batchId, a)));
  expect(sends.map((s) => s.status)).toEqual(addresses.map(() => 'SENT'));
  return { batchId, sends };
}

/** How many of the batch's sends are in each status, from the sends themselves. */
async function statusesOf(sends: SendRecord[]): Promise<Record<SendStatus, number>> {
  const read = await storesOf(aws).sends.getSends(sends.map((s) => s.sendId));
  const counts = Object.fromEntries(SEND_STATUSES.map((s) => [s, 0])) as Record<SendStatus, number>;
  for (const send of read) counts[send.status] += 1;
  return counts;
}

const at = (seconds: number) => new Date(Date.UTC(2025, 2, 4, 10, 0, seconds));

describe('SES events in any order', () => {
  it('end every pair of event types, in both orders, in the status the rank says, with each fact kept and the counters agreeing', async () => {
    const pairs = ALL_KINDS.flatMap((first) =>
      ALL_KINDS.filter((second) => second !== first).map((second): [Kind, Kind] => [first, second]),
    );
    const { batchId, sends } = await mailedSends(pairs.map((_, i) => `pair-${i}@example.com`));
    const handler = createEventsHandler(eventsDepsFor(aws));
    for (const [i, [first, second]] of pairs.entries()) {
      const send = sends[i] as SendRecord;
      for (const [n, kind] of [first, second].entries()) {
        const result = await handler(sqsEventOf(eventMessageFor(send, KINDS[kind], at(n + 1))));
        expect([first, second, result.batchItemFailures]).toEqual([first, second, []]);
      }
    }

    const after = await storesOf(aws).sends.getSends(sends.map((s) => s.sendId));
    const byId = new Map(after.map((s) => [s.sendId, s]));
    for (const [i, pair] of pairs.entries()) {
      const send = byId.get((sends[i] as SendRecord).sendId) as SendRecord;
      expect([pair, send.status]).toEqual([pair, expectedStatus(pair)]);
      for (const kind of pair) {
        const fact = FACT_OF[kind];
        if (fact) expect([pair, fact, send[fact] !== undefined]).toEqual([pair, fact, true]);
      }
      // A hard bounce outranks a soft one, whichever came first.
      if (pair.includes('HardBounce')) expect([pair, send.bounce?.type]).toEqual([pair, 'Permanent']);
      if (pair.includes('SoftBounce') && !pair.includes('HardBounce')) {
        expect([pair, send.bounce?.type]).toEqual([pair, 'Transient']);
      }
      // The first of two rejections stays.
      if (pair[0] === 'Reject' && pair[1] === 'RenderingFailure')
        expect(send.reject?.reason).toBe('Bad content');
    }
    expect(await countsOf(aws, batchId)).toEqual(await statusesOf(sends));
  }, 120_000);

  it('suppress the address of a hard bounce or a complaint, with the first reason, its detail and its send', async () => {
    const cases: [Kind[], string | undefined][] = [
      [['HardBounce'], 'BOUNCED:General'],
      [['Complaint'], 'COMPLAINED:abuse'],
      [['HardBounce', 'Complaint'], 'BOUNCED:General'],
      [['Complaint', 'HardBounce'], 'COMPLAINED:abuse'],
      [['SoftBounce'], undefined],
      [['Delivery', 'DeliveryDelay', 'Reject', 'Open', 'Click'], undefined],
    ];
    const { batchId, sends } = await mailedSends(cases.map((_, i) => `suppress-${i}@example.com`));
    const deps = eventsDepsFor(aws);
    const handler = createEventsHandler(deps);
    for (const [i, [kinds]] of cases.entries()) {
      for (const [n, kind] of kinds.entries()) {
        await handler(sqsEventOf(eventMessageFor(sends[i] as SendRecord, KINDS[kind], at(n + 1))));
      }
    }
    const list = new SuppressionStore(aws.clients.documents, aws.tableName);
    for (const [i, [kinds, expected]] of cases.entries()) {
      const send = sends[i] as SendRecord;
      const entry = await list.get(send.email);
      expect([kinds, entry ? `${entry.reason}:${entry.detail}` : undefined]).toEqual([kinds, expected]);
      if (entry) expect(entry).toMatchObject({ sourceSendId: send.sendId, sourceBatchId: batchId });
    }
    expect(deps.metrics.suppressionsAdded).toBe(4);
  });
});

describe('an SES event that comes again', () => {
  it('changes nothing and moves no counter twice, alone or twice in one batch', async () => {
    const { batchId, sends } = await mailedSends(['again-1@example.com', 'again-2@example.com']);
    const [delivered, bounced] = sends as [SendRecord, SendRecord];
    const deps = eventsDepsFor(aws);
    const handler = createEventsHandler(deps);
    const delivery = eventMessageFor(delivered, KINDS.Delivery, at(1));
    const bounce = eventMessageFor(bounced, KINDS.HardBounce, at(1));
    await handler(sqsEventOf(delivery, bounce));
    const once = await storesOf(aws).sends.getSends(sends.map((s) => s.sendId));
    const countsOnce = await countsOf(aws, batchId);
    expect(countsOnce).toMatchObject({ SENT: 0, DELIVERED: 1, BOUNCED: 1 });

    expect(await handler(sqsEventOf(delivery, delivery, bounce))).toEqual({ batchItemFailures: [] });
    expect(await handler(sqsEventOf(bounce))).toEqual({ batchItemFailures: [] });
    const twice = await storesOf(aws).sends.getSends(sends.map((s) => s.sendId));
    expect(twice.sort((a, b) => a.sendId.localeCompare(b.sendId))).toEqual(
      once.sort((a, b) => a.sendId.localeCompare(b.sendId)),
    );
    expect(await countsOf(aws, batchId)).toEqual(countsOnce);
    expect(deps.metrics.suppressionsAdded).toBe(1);
  });
});

describe('the events of one send in one batch', () => {
  it('read the send once: its Send, Delivery and Open events cost one read, and end it as three invocations would (reads counted by SDK middleware)', async () => {
    const { batchId, sends } = await mailedSends(['one-read-a@example.com', 'one-read-b@example.com']);
    const [a, b] = sends as [SendRecord, SendRecord];
    const clients = freshClients(aws);
    const reads: string[] = [];
    clients.documents.middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName);
        if (/^Get(Item)?Command$/.test(name)) reads.push(name);
        return next(args);
      },
      { step: 'initialize', name: 'countReads' },
    );
    const counts = new CounterBuffer(new CounterStore(aws.clients.documents, aws.tableName), {
      touchTime: false,
    });
    const deps = eventsDepsFor(aws, {
      sends: new CountedSends(
        new SendStore(clients.documents, aws.tableName),
        counts,
        new WriterStore(aws.clients.documents, aws.tableName),
        RETENTION_SECONDS,
      ),
      counts,
    });
    const result = await createEventsHandler(deps)(
      sqsEventOf(
        eventMessageFor(a, KINDS.Send, at(1)),
        eventMessageFor(b, KINDS.Send, at(1)),
        eventMessageFor(a, KINDS.Delivery, at(2)),
        eventMessageFor(a, KINDS.Open, at(3)),
        eventMessageFor(b, KINDS.Delivery, at(2)),
      ),
    );
    clients.destroy();
    expect(result.batchItemFailures).toEqual([]);
    expect(reads).toHaveLength(2);
    const ended = await storesOf(aws).sends.getSends([a.sendId, b.sendId]);
    const [endedA, endedB] = [a, b].map((send) => ended.find((e) => e.sendId === send.sendId));
    expect(endedA).toMatchObject({ status: 'DELIVERED', delivery: { at: at(2).toISOString() } });
    expect(endedA?.firstOpenedAt).toBe(at(3).toISOString());
    expect(endedB).toMatchObject({ status: 'DELIVERED', delivery: { at: at(2).toISOString() } });
    expect(await countsOf(aws, batchId)).toMatchObject({ SENT: 0, DELIVERED: 2 });
  });

  it('read it again when it changed between two of them, and decide on what it is', async () => {
    const { batchId, sends } = await mailedSends(['changed-between@example.com']);
    const [send] = sends as [SendRecord];
    const store = storesOf(aws).sends;
    const deps = eventsDepsFor(aws);
    const counted = deps.sends;
    const delivered = await counted.recordEvent(send.sendId, eventMoving('DELIVERED', 'ses-1', at(1)), at(1));
    if (delivered.kind === 'unknown') throw new Error('no send');
    // Another invocation records the recipient's complaint meanwhile.
    await counted.recordEvent(send.sendId, eventMoving('COMPLAINED', 'ses-1', at(2)), at(2));
    // A bounce decided on the send as the first event left it (DELIVERED) would move it to BOUNCED: its
    // write's condition finds COMPLAINED, reads it again, and leaves the worse status.
    const late = await counted.recordEvent(
      send.sendId,
      eventMoving('BOUNCED', 'ses-1', at(3)),
      at(3),
      delivered.send,
    );
    expect(late.kind).not.toBe('recorded');
    expect((await store.getSend(send.sendId))?.status).toBe('COMPLAINED');
    await deps.counts?.flush();
    expect(await countsOf(aws, batchId)).toMatchObject({ SENT: 0, DELIVERED: 0, COMPLAINED: 1, BOUNCED: 0 });
  });
});

describe('an SES event that comes before the sender recorded SENT', () => {
  it('lands on the SENDING send with its message id, and the sender’s later SENT is refused harmlessly', async () => {
    const { batchId } = await ingestMails(aws, ['early@example.com']);
    const sendId = sendIdFor(batchId, 'early@example.com');
    const events = createEventsHandler(eventsDepsFor(aws));
    const ses = new SesMailer(sesClientFor(aws), { from: 'campaigns@example.com' });
    let seenWhileSending: SendStatus | undefined;
    // SES publishes Send and Delivery while the sender still waits for SES's answer (the real mailer,
    // then the events, then the answer).
    const racingMailer: Mailer = {
      send: async (email) => {
        const messageId = await ses.send(email);
        seenWhileSending = (await storesOf(aws).sends.getSend(sendId))?.status;
        const send = { sendId, batchId, email: email.to, sesMessageId: messageId };
        const sentAt = new Date();
        const result = await events(
          sqsEventOf(
            eventMessageFor(send, KINDS.Send, sentAt, { sentAt }),
            eventMessageFor(send, KINDS.Delivery, new Date(sentAt.getTime() + 1), { sentAt }),
          ),
        );
        expect(result.batchItemFailures).toEqual([]);
        return messageId;
      },
    };
    const sender = createSenderHandler(senderDepsFor(aws, sesClientFor(aws), { mailer: racingMailer }));
    expect(await sender(await receiveAtLeast(aws, 'the send message', 1))).toEqual({ batchItemFailures: [] });

    expect(seenWhileSending).toBe('SENDING');
    const send = await storesOf(aws).sends.getSend(sendId);
    expect(send).toMatchObject({ status: 'DELIVERED', attempts: 1 });
    expect(send?.sesMessageId).toMatch(/^ses-/);
    expect(send?.sentAt).toBeDefined();
    expect(send?.leaseUntil).toBeUndefined();
    expect(await countsOf(aws, batchId)).toMatchObject({ QUEUED: 0, SENDING: 0, SENT: 0, DELIVERED: 1 });
  });
});

describe('an SES event of a send that is not in the table', () => {
  it('is acknowledged and counted, and its hard bounce still suppresses the address', async () => {
    const deps = eventsDepsFor(aws);
    const handler = createEventsHandler(deps);
    const gone = { sendId: 'f'.repeat(32), batchId: randomUUID(), email: 'Gone.Reader@Example.com' };
    const result = await handler(
      sqsEventOf(
        eventMessageFor(gone, KINDS.Delivery, at(1), { messageId: 'ses-1' }),
        eventMessageFor(gone, KINDS.HardBounce, at(2), { messageId: 'ses-1' }),
      ),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(deps.metrics.unknownSends).toBe(2);
    expect(deps.metrics.events).toEqual(['Delivery', 'Bounce']);
    expect(await storesOf(aws).sends.getSend(gone.sendId)).toBeUndefined();
    const entry = await new SuppressionStore(aws.clients.documents, aws.tableName).get(
      'gone.reader@example.com',
    );
    expect(entry).toMatchObject({
      reason: 'BOUNCED',
      detail: 'General',
      sourceSendId: gone.sendId,
      sourceBatchId: gone.batchId,
    });
  });
});

describe('a malformed message on the events queue', () => {
  it('fails its own item only, so that it alone goes back and on to the DLQ', async () => {
    const { sends } = await mailedSends(['among-malformed@example.com']);
    const send = sends[0] as SendRecord;
    const good = eventMessageFor(send, KINDS.Delivery, at(1));
    const untagged = good.replace(`"sendId":["${send.sendId}"]`, '"campaign":["spring"]');
    const bad = [
      'not json at all',
      JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }),
      untagged,
      good.replace('"eventType":"Delivery"', '"eventType":"Subscription"'),
    ];
    expect(untagged).not.toContain(send.sendId);
    const event = sqsEventOf(bad[0] as string, good, ...bad.slice(1));
    const goodId = event.Records[1]?.messageId;
    const result = await createEventsHandler(eventsDepsFor(aws))(event);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      event.Records.map((r) => r.messageId)
        .filter((id) => id !== goodId)
        .sort(),
    );
    expect((await storesOf(aws).sends.getSend(send.sendId))?.status).toBe('DELIVERED');
  });
});

describe('the guardrail', () => {
  /**
   * A batch of `total` mails of which the first `mailed` went out (the rest still queued, their messages in
   * `records`), with a handler of its events and a way to bounce its mails.
   */
  async function batchUnderWay(tag: string, total: number, mailed: number) {
    const emails = Array.from({ length: total }, (_, i) => `${tag}-${i}@example.com`);
    const report = await ingestMails(aws, emails);
    const records = await drainQueue(aws);
    const deliver = createSenderHandler(senderDepsFor(aws, sesClientFor(aws)));
    const deliverUpTo = async (end: number, start = 0) => {
      for (let i = start; i < end; i += 10)
        await deliver({ Records: records.slice(i, Math.min(i + 10, end)) });
    };
    await deliverUpTo(mailed);
    const sent = async () =>
      (await storesOf(aws).sends.getSends(emails.map((e) => sendIdFor(report.batchId, e)))).filter(
        (s) => s.status === 'SENT',
      );
    const deps = eventsDepsFor(aws);
    return {
      batchId: report.batchId,
      records,
      deliverUpTo,
      sent,
      mailed: await sent(),
      deps,
      events: createEventsHandler(deps),
      bounce: (send: SendRecord) => eventMessageFor(send, KINDS.HardBounce, new Date()),
      controls: new BatchControlStore(aws.clients.documents, aws.tableName),
    };
  }

  it('pauses a sending batch once its hard bounces pass 5 % of 100 mails or more, by the guardrail with the rate as its reason', async () => {
    // 110 mailed, 20 still queued: the batch is sending.
    const {
      batchId,
      records,
      mailed,
      deps,
      events: handler,
      bounce,
      controls,
    } = await batchUnderWay('guardrail', 130, 110);
    expect(mailed).toHaveLength(110);
    // Five bounces of 110: 4.5 %, sending on.
    await handler(sqsEventOf(...mailed.slice(0, 5).map(bounce)));
    expect((await controls.get(batchId))?.state).toBe('SENDING');
    // Seven: 6.4 %, paused.
    await handler(sqsEventOf(...mailed.slice(5, 7).map(bounce)));
    const paused = await controls.get(batchId);
    expect(paused?.state).toBe('PAUSED');
    expect(paused?.changes.at(-1)).toMatchObject({
      state: 'PAUSED',
      by: 'guardrail',
      reason: 'bounce rate 6.4 % of 110 mails is above 5.0 %',
    });
    expect(deps.metrics.paused).toBe(1);
    // More bounces pause nothing more.
    await handler(sqsEventOf(...mailed.slice(7, 9).map(bounce)));
    expect((await controls.get(batchId))?.changes.filter((c) => c.by === 'guardrail')).toHaveLength(1);
    // The rest of the batch is held by the senders, unmailed (a sender that has not read the state within
    // the last 3 s: its cache is tested on its own).
    await createSenderHandler(senderDepsFor(aws, sesClientFor(aws)))({ Records: records.slice(110, 120) });
    expect(await countsOf(aws, batchId)).toMatchObject({ QUEUED: 20 });
  }, 30_000);

  it('pauses a batch whose bounces all came among its first 30 mails: no later bounce comes to check it past its 100th', async () => {
    const {
      batchId,
      mailed,
      deps,
      events: handler,
      bounce,
      controls,
    } = await batchUnderWay('guardrail-early', 130, 30);
    expect(mailed).toHaveLength(30);
    // Five: 5 of the 100 mails a rate is judged on at least, sending on.
    await handler(sqsEventOf(...mailed.slice(0, 5).map(bounce)));
    expect((await controls.get(batchId))?.state).toBe('SENDING');
    // Six: above 5 % of 100 already, whatever the other 70 do.
    await handler(sqsEventOf(...mailed.slice(5, 6).map(bounce)));
    expect((await controls.get(batchId))?.changes.at(-1)).toMatchObject({
      state: 'PAUSED',
      by: 'guardrail',
      reason: 'bounce rate 20.0 % of 30 mails is above 5.0 % (6 of the first 100 mails: 6.0 % already)',
    });
    expect(deps.metrics.paused).toBe(1);
  }, 30_000);

  it('judges a batch resumed after its pause on its mails after the resume: a late bounce of its past does not pause it again, a list that keeps bouncing does', async () => {
    const batch = await batchUnderWay('guardrail-resumed', 140, 30);
    const { batchId, mailed: first, deps, events: handler, bounce, controls } = batch;
    await handler(sqsEventOf(...first.slice(0, 6).map(bounce)));
    expect((await controls.get(batchId))?.state).toBe('PAUSED');

    const resumed = await controlCampaign(batchId, 'resume', {}, controlDepsFor(aws));
    expect(resumed.control).toMatchObject({
      state: 'SENDING',
      guardrailFrom: { mailed: 30, bounced: 6, complained: 0 },
    });
    // One more bounce of a mail sent before the pause: 1 of the 100 mails a rate is judged on, at least.
    await handler(sqsEventOf(bounce(first[6] as SendRecord)));
    expect((await controls.get(batchId))?.state).toBe('SENDING');

    // 100 more mails, of which 5 bounce: with the late one, 6 % since the resume, paused again, saying so.
    await batch.deliverUpTo(130, 30);
    const mailedFirst = new Set(first.map((s) => s.sendId));
    const after = (await batch.sent()).filter((s) => !mailedFirst.has(s.sendId));
    expect(after).toHaveLength(100);
    await handler(sqsEventOf(...after.slice(0, 4).map(bounce)));
    expect((await controls.get(batchId))?.state).toBe('SENDING');
    await handler(sqsEventOf(bounce(after[4] as SendRecord)));
    expect((await controls.get(batchId))?.changes.at(-1)).toMatchObject({
      state: 'PAUSED',
      by: 'guardrail',
      reason: 'bounce rate 6.0 % of 100 mails since its resume is above 5.0 %',
    });
    expect(deps.metrics.paused).toBe(2);
  }, 60_000);

  it('keeps judging the whole batch after the resume of a pause a marketer asked for', async () => {
    const emails = Array.from({ length: 20 }, (_, i) => `request-resumed-${i}@example.com`);
    const report = await ingestMails(aws, emails);
    await controlCampaign(report.batchId, 'pause', {}, controlDepsFor(aws));
    const resumed = await controlCampaign(report.batchId, 'resume', {}, controlDepsFor(aws));
    expect(resumed.control.guardrailFrom).toBeUndefined();
    await drainQueue(aws);
  });
});

describe("a batch's finish time", () => {
  it('is the last change of its sending: SES events move its counts, not the time its counters last changed', async () => {
    const emails = ['finish-0@example.com', 'finish-1@example.com'];
    const report = await ingestMails(aws, emails);
    const deliver = createSenderHandler(senderDepsFor(aws, sesClientFor(aws)));
    await deliver({ Records: await drainQueue(aws) });
    const counters = storesOf(aws).counters;
    const before = await counters.read(report.batchId);
    const [sent] = await storesOf(aws).sends.getSends([sendIdFor(report.batchId, emails[0] ?? '')]);
    if (!sent) throw new Error('no send');
    await createEventsHandler(eventsDepsFor(aws))(
      sqsEventOf(eventMessageFor(sent, KINDS.Delivery, new Date(Date.now() + 60_000))),
    );
    const after = await counters.read(report.batchId);
    expect(after.changes.DELIVERED).toBe(1);
    expect(after.lastChangeAt).toBe(before.lastChangeAt);
  });
});
