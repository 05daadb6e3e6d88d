import { describe, expect, it } from 'vitest';
import { parseSesEventMessage } from '../../lambdas/core/domain/ses-event.js';
import { eventBridgeEvent, sesEventRecord, type TakenMail } from '../../local/ses-event-records.js';
import { simulatedEventsFor } from '../../local/ses-mailbox-simulator.js';

const typesFor = (address: string) => simulatedEventsFor(address).map(({ event }) => event.type);

describe("the local stand-in of SES's mailbox simulator", () => {
  it('publishes what SES publishes for each simulator address, Send first', () => {
    expect(typesFor('success@simulator.amazonses.com')).toEqual(['Send', 'Delivery']);
    expect(typesFor('bounce@simulator.amazonses.com')).toEqual(['Send', 'Bounce']);
    expect(typesFor('suppressionlist@simulator.amazonses.com')).toEqual(['Send', 'Bounce']);
    expect(typesFor('complaint@simulator.amazonses.com')).toEqual(['Send', 'Delivery', 'Complaint']);
    // The out-of-office reply goes to the sender's mailbox: no event.
    expect(typesFor('ooto@simulator.amazonses.com')).toEqual(['Send', 'Delivery']);
  });

  it('takes +label variants and any case, and publishes only the Send of every other address', () => {
    expect(typesFor('Bounce+Spring-2025@Simulator.AmazonSES.com')).toEqual(['Send', 'Bounce']);
    expect(typesFor('complaint+1@simulator.amazonses.com')).toEqual(['Send', 'Delivery', 'Complaint']);
    for (const address of [
      'ana.garcia@example.com',
      'bounce@example.com',
      'constructor@simulator.amazonses.com',
      'blackhole@simulator.amazonses.com',
    ]) {
      expect([address, typesFor(address)]).toEqual([address, ['Send']]);
    }
  });

  it('publishes each event after the one before, a second or two after the send', () => {
    const delays = simulatedEventsFor('complaint@simulator.amazonses.com').map(({ afterMs }) => afterMs);
    expect([...delays].sort((a, b) => a - b)).toEqual(delays);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2000);
  });

  it('writes records the events function takes, with the outcome SES would report', () => {
    const sentAt = new Date('2025-03-04T10:00:00.000Z');
    const outcomes = (address: string) =>
      simulatedEventsFor(address).map(({ event, afterMs }) => {
        const mail: TakenMail = {
          messageId: 'ses-123456789',
          from: 'campaigns@example.com',
          to: [address],
          tags: { sendId: 'a'.repeat(32), batchId: 'b0a7c3e2-1111-4222-8333-944455556666' },
          configurationSet: 'campaign-mailer-local',
          sentAt,
        };
        const at = new Date(sentAt.getTime() + afterMs);
        const message = JSON.stringify(eventBridgeEvent(event.type, sesEventRecord(mail, event, at), at));
        const parsed = parseSesEventMessage(message);
        if (!parsed.ok) throw new Error(parsed.problem);
        return [parsed.event.update.status, parsed.event.suppression];
      });
    expect(outcomes('success@simulator.amazonses.com')).toEqual([
      ['SENT', undefined],
      ['DELIVERED', undefined],
    ]);
    expect(outcomes('bounce+x@simulator.amazonses.com')).toEqual([
      ['SENT', undefined],
      ['BOUNCED', { emails: ['bounce+x@simulator.amazonses.com'], reason: 'BOUNCED', detail: 'General' }],
    ]);
    expect(outcomes('suppressionlist@simulator.amazonses.com')[1]).toEqual([
      'BOUNCED',
      {
        emails: ['suppressionlist@simulator.amazonses.com'],
        reason: 'BOUNCED',
        detail: 'OnAccountSuppressionList',
      },
    ]);
    expect(outcomes('complaint@simulator.amazonses.com')[2]).toEqual([
      'COMPLAINED',
      { emails: ['complaint@simulator.amazonses.com'], reason: 'COMPLAINED', detail: 'abuse' },
    ]);
  });
});
