import { randomUUID } from 'node:crypto';
import {
  CONFIGURATION_SET_TAG,
  SES_EVENT_SOURCE,
  SES_EVENT_TYPES,
  type SesEventType,
} from '../lambdas/contract/ses-event-types.js';

/**
 * SES's event records as event publishing writes them (the shapes of SES's "Contents of event data"
 * documentation), and the EventBridge event that carries one: what the local runner's simulator puts on
 * the events queue, and what the tests feed the events function.
 */

/** A mail as SES took it: what its event records repeat in `mail`. */
export interface TakenMail {
  messageId: string;
  from: string;
  /** Its recipients (the sender mails one per mail). */
  to: string[];
  /** The message tags of the request (EmailTags), by name. */
  tags: Record<string, string>;
  configurationSet?: string;
  /** When SES took it. */
  sentAt: Date;
}

/** One event SES publishes about a mail, with the details that vary between mails. */
export type PublishedEvent =
  | { type: 'Send' }
  | { type: 'Delivery' }
  | {
      type: 'Bounce';
      bounceType: 'Permanent' | 'Transient' | 'Undetermined';
      bounceSubType: string;
      diagnosticCode?: string;
    }
  | { type: 'Complaint'; feedbackType?: string; complaintSubType?: string | null }
  | { type: 'Reject' }
  | { type: 'DeliveryDelay'; delayType: string }
  | { type: 'Open' }
  | { type: 'Click'; link?: string }
  | { type: 'RenderingFailure' };

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_EVENTS_REGION = 'us-east-1';
const REPORTING_MTA = 'dsn; a8-12.smtp-out.us-east-1.amazonses.com';

type Json = Record<string, unknown>;

/** SES's `mail` object: the mail's headers are left out (SES sends them only when asked to). */
function mailObject(mail: TakenMail): Json {
  const tags: Record<string, string[]> = {
    'ses:operation': ['SendEmail'],
    'ses:source-ip': ['127.0.0.1'],
    'ses:from-domain': [mail.from.slice(mail.from.lastIndexOf('@') + 1)],
    'ses:caller-identity': ['local'],
    ...(mail.configurationSet ? { [CONFIGURATION_SET_TAG]: [mail.configurationSet] } : {}),
  };
  for (const [name, value] of Object.entries(mail.tags)) tags[name] = [value];
  return {
    timestamp: mail.sentAt.toISOString(),
    source: mail.from,
    sourceArn: `arn:aws:ses:${LOCAL_EVENTS_REGION}:${LOCAL_ACCOUNT}:identity/${mail.from}`,
    sendingAccountId: LOCAL_ACCOUNT,
    messageId: mail.messageId,
    destination: mail.to,
    headersTruncated: false,
    tags,
  };
}

const feedbackId = (mail: TakenMail) => `0100018f${mail.messageId.replace(/[^A-Za-z0-9]/g, '')}-000000`;

/** The object of the event's own type (`bounce`, `delivery`, …), by its field name in the record. */
function typeObject(event: PublishedEvent, mail: TakenMail, at: Date): Json {
  const timestamp = at.toISOString();
  switch (event.type) {
    case 'Send':
      return { send: {} };
    case 'Delivery':
      return {
        delivery: {
          timestamp,
          processingTimeMillis: Math.max(0, at.getTime() - mail.sentAt.getTime()),
          recipients: mail.to,
          smtpResponse: '250 2.6.0 Message received',
          reportingMTA: 'a8-12.smtp-out.us-east-1.amazonses.com',
          remoteMtaIp: '127.0.0.1',
        },
      };
    case 'Bounce':
      return {
        bounce: {
          bounceType: event.bounceType,
          bounceSubType: event.bounceSubType,
          bouncedRecipients: mail.to.map((emailAddress) => ({
            emailAddress,
            action: 'failed',
            status: event.bounceType === 'Permanent' ? '5.1.1' : '4.0.0',
            diagnosticCode: event.diagnosticCode ?? 'smtp; 550 5.1.1 user unknown',
          })),
          timestamp,
          feedbackId: feedbackId(mail),
          reportingMTA: REPORTING_MTA,
        },
      };
    case 'Complaint':
      return {
        complaint: {
          feedbackId: feedbackId(mail),
          complaintSubType: event.complaintSubType ?? null,
          complainedRecipients: mail.to.map((emailAddress) => ({ emailAddress })),
          timestamp,
          userAgent: 'Amazon SES Mailbox Simulator',
          ...(event.feedbackType ? { complaintFeedbackType: event.feedbackType } : {}),
          arrivalDate: timestamp,
        },
      };
    case 'Reject':
      return { reject: { reason: 'Bad content' } };
    case 'DeliveryDelay':
      return {
        deliveryDelay: {
          timestamp,
          delayType: event.delayType,
          expirationTime: new Date(mail.sentAt.getTime() + 14 * 3600_000).toISOString(),
          delayedRecipients: mail.to.map((emailAddress) => ({
            emailAddress,
            status: '4.4.1',
            diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
          })),
          reportingMTA: REPORTING_MTA,
        },
      };
    case 'Open':
      return { open: { ipAddress: '127.0.0.1', timestamp, userAgent: 'Mozilla/5.0' } };
    case 'Click':
      return {
        click: {
          ipAddress: '127.0.0.1',
          link: event.link ?? 'https://example.com/',
          linkTags: {},
          timestamp,
          userAgent: 'Mozilla/5.0',
        },
      };
    case 'RenderingFailure':
      return { failure: { errorMessage: 'Attribute name is missing', templateName: 'local' } };
  }
}

/** The record SES publishes for `event` of `mail`, happening at `at`. */
export function sesEventRecord(mail: TakenMail, event: PublishedEvent, at: Date): Json {
  return {
    eventType: SES_EVENT_TYPES[event.type].eventType,
    mail: mailObject(mail),
    ...typeObject(event, mail, at),
  };
}

/** The EventBridge event (default bus) that carries an SES record of `type`: what the rule puts on the queue. */
export function eventBridgeEvent(
  type: SesEventType,
  record: Json,
  at: Date,
  configurationSet?: string,
): Json {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': SES_EVENT_TYPES[type].detailType,
    source: SES_EVENT_SOURCE,
    account: LOCAL_ACCOUNT,
    // EventBridge gives the time to the second.
    time: `${at.toISOString().slice(0, 19)}Z`,
    region: LOCAL_EVENTS_REGION,
    resources: configurationSet
      ? [`arn:aws:ses:${LOCAL_EVENTS_REGION}:${LOCAL_ACCOUNT}:configuration-set/${configurationSet}`]
      : [],
    detail: record,
  };
}
