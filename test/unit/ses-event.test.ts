import { describe, expect, it } from 'vitest';
import {
  parseSesEventMessage,
  parseSesEventRecord,
  type SesEvent,
} from '../../lambdas/core/domain/ses-event.js';

/**
 * Records in the shapes of SES's event publishing documentation ("Examples of event data that Amazon SES
 * publishes"), with the tags the sender puts on every mail.
 */
const SEND_ID = '3f2a9c0d8e7b6a5f4e3d2c1b0a998877';
const BATCH_ID = '0b8f3a52-3c4e-4a7e-9d55-2f1c3e0a9b71';
const MESSAGE_ID = '010001912f6c9f8e-5d2b1a3c-7e4f-4b9a-8c6d-1e2f3a4b5c6d-000000';

const mail = (overrides: Record<string, unknown> = {}) => ({
  timestamp: '2025-03-04T10:00:00.123Z',
  source: 'Campaigns <campaigns@example.com>',
  sourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com',
  sendingAccountId: '123456789012',
  messageId: MESSAGE_ID,
  destination: ['Ana.Garcia@Example.com'],
  headersTruncated: false,
  tags: {
    'ses:operation': ['SendEmail'],
    'ses:configuration-set': ['campaign-mailer-prod'],
    'ses:source-ip': ['203.0.113.7'],
    'ses:from-domain': ['example.com'],
    'ses:caller-identity': ['campaign-mailer-sender'],
    sendId: [SEND_ID],
    batchId: [BATCH_ID],
  },
  ...overrides,
});

const RECORDS = {
  send: { eventType: 'Send', mail: mail(), send: {} },
  delivery: {
    eventType: 'Delivery',
    mail: mail(),
    delivery: {
      timestamp: '2025-03-04T10:00:01.987Z',
      processingTimeMillis: 1864,
      recipients: ['Ana.Garcia@Example.com'],
      smtpResponse: '250 2.6.0 Message received',
      reportingMTA: 'a8-70.smtp-out.eu-west-1.amazonses.com',
      remoteMtaIp: '198.51.100.25',
    },
  },
  hardBounce: {
    eventType: 'Bounce',
    mail: mail(),
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: 'Ana.Garcia@Example.com',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
      ],
      timestamp: '2025-03-04T10:00:02.500Z',
      feedbackId: '0102018f-feedback-000000',
      reportingMTA: 'dsn; a8-70.smtp-out.eu-west-1.amazonses.com',
    },
  },
  suppressionListBounce: {
    eventType: 'Bounce',
    mail: mail(),
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'OnAccountSuppressionList',
      bouncedRecipients: [
        {
          emailAddress: 'ana.garcia@example.com',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode:
            'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
        },
      ],
      timestamp: '2025-03-04T10:00:00.300Z',
      feedbackId: '0102018f-feedback-000001',
      reportingMTA: 'dsn; amazonses.com',
    },
  },
  softBounce: {
    eventType: 'Bounce',
    mail: mail(),
    bounce: {
      bounceType: 'Transient',
      bounceSubType: 'MailboxFull',
      bouncedRecipients: [
        {
          emailAddress: 'ana.garcia@example.com',
          action: 'failed',
          status: '4.2.2',
          diagnosticCode: 'smtp; 452 4.2.2 mailbox full',
        },
      ],
      timestamp: '2025-03-04T22:00:00.000Z',
      feedbackId: '0102018f-feedback-000002',
    },
  },
  complaint: {
    eventType: 'Complaint',
    mail: mail(),
    complaint: {
      feedbackId: '0102018f-feedback-000003',
      complaintSubType: null,
      complainedRecipients: [{ emailAddress: 'ana.garcia@example.com' }],
      timestamp: '2025-03-05T08:15:00.000Z',
      userAgent: 'Yahoo!-Mail-Feedback/2.0',
      complaintFeedbackType: 'abuse',
      arrivalDate: '2025-03-05T08:14:58.000Z',
    },
  },
  reject: { eventType: 'Reject', mail: mail(), reject: { reason: 'Bad content' } },
  deliveryDelay: {
    eventType: 'DeliveryDelay',
    mail: mail(),
    deliveryDelay: {
      timestamp: '2025-03-04T10:30:00.000Z',
      delayType: 'TransientCommunicationFailure',
      expirationTime: '2025-03-05T00:00:00.000Z',
      delayedRecipients: [
        {
          emailAddress: 'ana.garcia@example.com',
          status: '4.4.1',
          diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
        },
      ],
    },
  },
  open: {
    eventType: 'Open',
    mail: mail(),
    open: { ipAddress: '192.0.2.1', timestamp: '2025-03-04T11:00:00.000Z', userAgent: 'Mozilla/5.0' },
  },
  click: {
    eventType: 'Click',
    mail: mail(),
    click: {
      ipAddress: '192.0.2.1',
      link: 'https://example.com/spring',
      linkTags: { campaign: ['spring'] },
      timestamp: '2025-03-04T11:01:00.000Z',
      userAgent: 'Mozilla/5.0',
    },
  },
  renderingFailure: {
    eventType: 'Rendering Failure',
    mail: mail(),
    failure: { errorMessage: 'Attribute name is missing', templateName: 'spring' },
  },
};

function parsed(record: unknown): SesEvent {
  const result = parseSesEventRecord(record);
  if (!result.ok) throw new Error(`refused: ${result.problem}`);
  return result.event;
}

const base = { sesMessageId: MESSAGE_ID, sentAt: '2025-03-04T10:00:00.123Z' };

describe('an SES event record', () => {
  it('names its send and batch by the tags the sender put on the mail', () => {
    expect(parsed(RECORDS.send)).toMatchObject({
      type: 'Send',
      sendId: SEND_ID,
      batchId: BATCH_ID,
      sesMessageId: MESSAGE_ID,
    });
  });

  it('Send: moves the send to SENT at the time SES took the mail, with no fact', () => {
    expect(parsed(RECORDS.send)).toEqual({
      type: 'Send',
      sendId: SEND_ID,
      batchId: BATCH_ID,
      sesMessageId: MESSAGE_ID,
      update: { ...base, status: 'SENT', at: '2025-03-04T10:00:00.123Z' },
    });
  });

  it('Delivery: moves it to DELIVERED and keeps the first delivery with its SMTP answer', () => {
    expect(parsed(RECORDS.delivery).update).toEqual({
      ...base,
      status: 'DELIVERED',
      at: '2025-03-04T10:00:01.987Z',
      fact: {
        name: 'delivery',
        value: { at: '2025-03-04T10:00:01.987Z', smtpResponse: '250 2.6.0 Message received' },
        keep: 'first',
      },
    });
    expect(parsed(RECORDS.delivery).suppression).toBeUndefined();
  });

  it('a permanent bounce: moves it to BOUNCED, keeps the bounce, and suppresses the normalised address with the subtype', () => {
    const event = parsed(RECORDS.hardBounce);
    expect(event.update).toEqual({
      ...base,
      status: 'BOUNCED',
      at: '2025-03-04T10:00:02.500Z',
      fact: {
        name: 'bounce',
        value: {
          at: '2025-03-04T10:00:02.500Z',
          type: 'Permanent',
          subtype: 'General',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          action: 'failed',
        },
        keep: 'strongest',
      },
    });
    expect(event.suppression).toEqual({
      emails: ['ana.garcia@example.com'],
      reason: 'BOUNCED',
      detail: 'General',
    });
  });

  it("a bounce of SES's account suppression list is a permanent bounce like any other", () => {
    const event = parsed(RECORDS.suppressionListBounce);
    expect(event.update.status).toBe('BOUNCED');
    expect(event.suppression).toEqual({
      emails: ['ana.garcia@example.com'],
      reason: 'BOUNCED',
      detail: 'OnAccountSuppressionList',
    });
  });

  it('a transient bounce: keeps the bounce as a fact, moves no status and suppresses nothing', () => {
    const event = parsed(RECORDS.softBounce);
    expect(event.update.status).toBeUndefined();
    expect(event.update.fact).toEqual({
      name: 'bounce',
      value: {
        at: '2025-03-04T22:00:00.000Z',
        type: 'Transient',
        subtype: 'MailboxFull',
        diagnosticCode: 'smtp; 452 4.2.2 mailbox full',
        action: 'failed',
      },
      keep: 'strongest',
    });
    expect(event.suppression).toBeUndefined();
    const undetermined = {
      ...RECORDS.softBounce,
      bounce: { ...RECORDS.softBounce.bounce, bounceType: 'Undetermined' },
    };
    expect(parsed(undetermined).update.status).toBeUndefined();
    expect(parsed(undetermined).suppression).toBeUndefined();
  });

  it('Complaint: moves it to COMPLAINED, keeps the complaint, and suppresses the address with the feedback type', () => {
    const event = parsed(RECORDS.complaint);
    expect(event.update).toEqual({
      ...base,
      status: 'COMPLAINED',
      at: '2025-03-05T08:15:00.000Z',
      fact: {
        name: 'complaint',
        value: { at: '2025-03-05T08:15:00.000Z', feedbackType: 'abuse' },
        keep: 'first',
      },
    });
    expect(event.suppression).toEqual({
      emails: ['ana.garcia@example.com'],
      reason: 'COMPLAINED',
      detail: 'abuse',
    });
  });

  it('a complaint without a feedback type suppresses with its subtype, or no detail', () => {
    const { complaintFeedbackType: _, ...complaint } = RECORDS.complaint.complaint;
    expect(parsed({ ...RECORDS.complaint, complaint }).suppression).toEqual({
      emails: ['ana.garcia@example.com'],
      reason: 'COMPLAINED',
    });
    const onList = { ...complaint, complaintSubType: 'OnAccountSuppressionList' };
    expect(parsed({ ...RECORDS.complaint, complaint: onList }).suppression?.detail).toBe(
      'OnAccountSuppressionList',
    );
  });

  it('Reject: moves it to REJECTED with the reason, at the time SES took the mail', () => {
    expect(parsed(RECORDS.reject).update).toEqual({
      ...base,
      status: 'REJECTED',
      at: '2025-03-04T10:00:00.123Z',
      fact: {
        name: 'reject',
        value: { at: '2025-03-04T10:00:00.123Z', reason: 'Bad content' },
        keep: 'first',
      },
    });
  });

  it('Rendering Failure: SES sent nothing, so the send ends REJECTED with the failure as its reason', () => {
    const event = parsed(RECORDS.renderingFailure);
    expect(event.type).toBe('RenderingFailure');
    expect(event.update).toMatchObject({
      status: 'REJECTED',
      fact: { name: 'reject', value: { reason: 'Rendering failure: Attribute name is missing' } },
    });
    expect(parsed({ ...RECORDS.renderingFailure, eventType: 'RenderingFailure' }).type).toBe(
      'RenderingFailure',
    );
  });

  it('DeliveryDelay: keeps the latest delay and when SES stops trying, without moving the status', () => {
    expect(parsed(RECORDS.deliveryDelay).update).toEqual({
      ...base,
      at: '2025-03-04T10:30:00.000Z',
      fact: {
        name: 'deliveryDelay',
        value: {
          at: '2025-03-04T10:30:00.000Z',
          type: 'TransientCommunicationFailure',
          expiresAt: '2025-03-05T00:00:00.000Z',
        },
        keep: 'latest',
      },
    });
  });

  it('Open and Click: keep the earliest open and click, without moving the status', () => {
    expect(parsed(RECORDS.open).update).toEqual({
      ...base,
      at: '2025-03-04T11:00:00.000Z',
      fact: { name: 'firstOpenedAt', value: '2025-03-04T11:00:00.000Z', keep: 'earliest' },
    });
    expect(parsed(RECORDS.click).update).toEqual({
      ...base,
      at: '2025-03-04T11:01:00.000Z',
      fact: { name: 'firstClickedAt', value: '2025-03-04T11:01:00.000Z', keep: 'earliest' },
    });
  });

  it('cuts what remote servers wrote to 300 characters, so the send item stays small', () => {
    const long = 'x'.repeat(2000);
    const record = {
      ...RECORDS.hardBounce,
      bounce: {
        ...RECORDS.hardBounce.bounce,
        bouncedRecipients: [{ emailAddress: 'ana.garcia@example.com', diagnosticCode: long }],
      },
    };
    const fact = parsed(record).update.fact;
    expect(fact?.name === 'bounce' && fact.value.diagnosticCode?.length).toBe(300);
  });

  it("suppresses the mail's destination when the bounce lists no usable recipient", () => {
    const record = { ...RECORDS.hardBounce, bounce: { ...RECORDS.hardBounce.bounce, bouncedRecipients: [] } };
    expect(parsed(record).suppression?.emails).toEqual(['ana.garcia@example.com']);
    const named = { ...record, mail: mail({ destination: ['Ana García <ANA.GARCIA@example.com>'] }) };
    expect(parsed(named).suppression?.emails).toEqual(['ana.garcia@example.com']);
  });

  it('leaves the batch out when the mail has no batchId tag: the send is still found by its sendId', () => {
    const record = { ...RECORDS.delivery, mail: mail({ tags: { sendId: [SEND_ID] } }) };
    expect(parsed(record).batchId).toBeUndefined();
    expect(parsed(record).sendId).toBe(SEND_ID);
  });
});

describe('a record that is no usable SES event', () => {
  const refused = (record: unknown) => {
    const result = parseSesEventRecord(record);
    expect(result.ok).toBe(false);
    return result.ok ? '' : result.problem;
  };

  it('is refused without the sendId tag: the send could only be found by a scan', () => {
    expect(refused({ ...RECORDS.delivery, mail: mail({ tags: { batchId: [BATCH_ID] } }) })).toMatch(/sendId/);
    expect(refused({ ...RECORDS.delivery, mail: mail({ tags: undefined }) })).toMatch(/sendId/);
    expect(refused({ ...RECORDS.delivery, mail: mail({ tags: { sendId: [] } }) })).toMatch(/sendId/);
    expect(refused({ ...RECORDS.delivery, mail: mail({ tags: { sendId: ['../../etc'] } }) })).toMatch(
      /sendId/,
    );
  });

  it('is refused with an event type it does not take', () => {
    expect(refused({ ...RECORDS.send, eventType: 'Subscription' })).toMatch(/eventType "Subscription"/);
    expect(refused({ ...RECORDS.send, eventType: undefined })).toMatch(/eventType/);
    // The notification format of feedback forwarding is not event publishing.
    expect(refused({ notificationType: 'Bounce', mail: mail() })).toMatch(/eventType/);
  });

  it("is refused without its type's object, its timestamps or the message id", () => {
    expect(refused({ eventType: 'Delivery', mail: mail() })).toMatch(/delivery/);
    expect(
      refused({ ...RECORDS.hardBounce, bounce: { ...RECORDS.hardBounce.bounce, bounceType: undefined } }),
    ).toMatch(/bounceType/);
    expect(refused({ ...RECORDS.open, open: { ipAddress: '192.0.2.1' } })).toMatch(/open\.timestamp/);
    expect(refused({ ...RECORDS.send, mail: mail({ timestamp: 'yesterday' }) })).toMatch(/mail\.timestamp/);
    expect(refused({ ...RECORDS.send, mail: mail({ messageId: '' }) })).toMatch(/messageId/);
    expect(refused({ eventType: 'Send' })).toMatch(/mail/);
    expect(refused('Send')).toMatch(/not an object/);
    expect(refused(null)).toMatch(/not an object/);
  });

  it('says why without repeating an address', () => {
    for (const record of [
      { ...RECORDS.delivery, mail: mail({ tags: {} }) },
      { ...RECORDS.hardBounce, bounce: { bouncedRecipients: [{ emailAddress: 'ana.garcia@example.com' }] } },
    ]) {
      expect(refused(record)).not.toMatch(/ana\.garcia/i);
    }
  });
});

describe('a message of the events queue', () => {
  const envelope = (detail: unknown, source = 'aws.ses') =>
    JSON.stringify({
      version: '0',
      id: 'c7a4e8f2-0d3b-4f4e-9a51-9e3c5d7b1a20',
      'detail-type': 'Email Delivered',
      source,
      account: '123456789012',
      time: '2025-03-04T10:00:02Z',
      region: 'eu-west-1',
      resources: ['arn:aws:ses:eu-west-1:123456789012:configuration-set/campaign-mailer-prod'],
      detail,
    });

  it("is EventBridge's event, whose detail is SES's record", () => {
    const result = parseSesEventMessage(envelope(RECORDS.delivery));
    expect(result).toEqual(parseSesEventRecord(RECORDS.delivery));
    expect(result.ok).toBe(true);
  });

  it('is refused when it is not JSON, not an event, or not from SES', () => {
    expect(parseSesEventMessage('{"eventType": "Delivery"')).toEqual({
      ok: false,
      problem: 'the message is not JSON',
    });
    expect(parseSesEventMessage('[1, 2]')).toMatchObject({ ok: false });
    expect(parseSesEventMessage(envelope(RECORDS.delivery, 'aws.s3'))).toEqual({
      ok: false,
      problem: 'source is not aws.ses',
    });
    // A bare SES record, as an SNS subscription would deliver it, is not what the rule puts on the queue.
    expect(parseSesEventMessage(JSON.stringify(RECORDS.delivery))).toMatchObject({ ok: false });
    expect(parseSesEventMessage(envelope(undefined))).toMatchObject({ ok: false });
  });
});
