import { describe, expect, it } from 'vitest';
import { eventsPerInvocationAt, eventsPerReceiveAt } from '../../bench/cost-model.js';
import { countByType, outcomesOf, sesEventsOf } from '../../bench/cost-ses-events.js';
import { EVENTS_QUEUE } from '../../lambdas/contract/queue-settings.js';
import { guardrailBreach } from '../../lambdas/core/domain/guardrail.js';
import { SEND_STATUSES, type SendStatus } from '../../lambdas/core/domain/send-status.js';
import { parseSesEventMessage } from '../../lambdas/core/domain/ses-event.js';
import type { TakenMail } from '../../local/ses-event-records.js';

const mailsOf = (count: number): TakenMail[] =>
  Array.from({ length: count }, (_, i) => ({
    messageId: `0100018c-${i}`,
    from: 'campaigns@example.com',
    to: [`r${i}@example.com`],
    tags: { sendId: `send${i}`, batchId: 'batch1' },
    configurationSet: 'campaign-mailer-bench',
    sentAt: new Date(Date.UTC(2026, 0, 1) + i * 10),
  }));

const countsOf = (outcomes: string[]): Record<SendStatus, number> => {
  const counts = Object.fromEntries(SEND_STATUSES.map((s) => [s, 0])) as Record<SendStatus, number>;
  counts.BOUNCED = outcomes.filter((o) => o === 'bounce').length;
  counts.COMPLAINED = outcomes.filter((o) => o === 'complaint').length;
  counts.DELIVERED = outcomes.length - counts.BOUNCED - counts.COMPLAINED;
  return counts;
};

describe("bench:cost's SES events", () => {
  it('bounces 1 % of 1,000 mails and draws 1 complaint, never on a bounced mail', () => {
    const outcomes = outcomesOf(1000);
    expect(outcomes.filter((o) => o === 'bounce')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 'complaint')).toHaveLength(1);
  });

  it("keeps every sample within the guardrail's limits: a sample under 1,000 mails has no complaint", () => {
    expect(outcomesOf(999).filter((o) => o === 'complaint')).toHaveLength(0);
    const limits = { maxBounceRate: 0.05, maxComplaintRate: 0.001 };
    for (const count of [100, 999, 1000, 1500, 2999, 10_000]) {
      expect(guardrailBreach(countsOf(outcomesOf(count)), limits)).toBeUndefined();
    }
  });

  it('publishes what SES does: Send + Delivery, Send + Bounce for a bounce, Send + Delivery + Complaint', () => {
    const events = sesEventsOf(mailsOf(1000));
    expect(countByType(events)).toEqual({ Send: 1000, Delivery: 990, Bounce: 10, Complaint: 1 });
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort((a, b) => a - b));
  });

  it("publishes records the events function reads, naming each mail's send and batch", () => {
    const [mail] = mailsOf(1);
    const parsed = sesEventsOf(mailsOf(1)).map((e) => parseSesEventMessage(e.body));
    expect(parsed.map((p) => (p.ok ? [p.event.type, p.event.sendId, p.event.batchId] : p.problem))).toEqual([
      ['Send', mail?.tags.sendId, 'batch1'],
      ['Delivery', mail?.tags.sendId, 'batch1'],
    ]);
  });

  it('gathers at 14 sends/s what reaches a poller in the batching window, and full batches at 500/s', () => {
    // 14 sends/s are 28 events/s, over 5 pollers 5.6 each per second: 28 in the 5 s window.
    expect(EVENTS_QUEUE.maxBatchingWindowSeconds).toBe(5);
    expect(eventsPerInvocationAt(14)).toBe(28);
    expect(eventsPerInvocationAt(500)).toBe(EVENTS_QUEUE.batchSize);
  });

  it('hands the events function at least one event, however quiet the queue', () => {
    expect(eventsPerInvocationAt(0.01)).toBe(1);
  });

  it('receives one event a request at 14 sends/s, a few at 500/s and 10 at most while a batch is gathered', () => {
    expect(eventsPerReceiveAt(14)).toBe(1);
    expect(eventsPerReceiveAt(500)).toBe(4);
    expect(eventsPerReceiveAt(5000)).toBe(10);
  });
});
