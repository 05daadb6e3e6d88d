import { describe, expect, it } from 'vitest';
import { eventsPerInvocationAt } from '../../bench/cost-model.js';
import { countByType, outcomesOf, sesEventsOf } from '../../bench/cost-ses-events.js';
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

  it('hands the events function one event at a time at 14 sends/s and full batches at 500/s', () => {
    expect(eventsPerInvocationAt(14)).toBe(1);
    expect(eventsPerInvocationAt(500)).toBe(10);
  });
});
