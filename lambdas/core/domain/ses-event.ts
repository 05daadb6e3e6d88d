import {
  SEND_TAGS,
  SES_EVENT_SOURCE,
  SES_EVENT_TYPES,
  type SesEventType,
} from '../../contract/ses-event-types.js';
import { emailProblem, normaliseEmail } from './email-address.js';
import type { EventFact, SendEventUpdate } from './send-event-update.js';
import type { SuppressionReason } from './suppression.js';

/**
 * SES's event records (event publishing through a configuration set), as EventBridge delivers them: the
 * `detail` of an event whose `source` is `aws.ses`. Each record names its mail (`mail.messageId`,
 * `mail.destination`, `mail.tags`); the sender tagged every mail with its `sendId` and `batchId`, so the
 * send is found by key. What each type does (docs/ses-events.md):
 *
 * | eventType | status | fact kept on the send | suppression |
 * | --- | --- | --- | --- |
 * | Send | SENT | — | — |
 * | Delivery | DELIVERED | delivery (the first) | — |
 * | Bounce, Permanent | BOUNCED | bounce (a permanent one replaces a transient one) | BOUNCED, detail: its subtype |
 * | Bounce, Transient or Undetermined | — | bounce (unless one is kept) | — |
 * | Complaint | COMPLAINED | complaint (the first) | COMPLAINED, detail: its feedback type |
 * | Reject | REJECTED | reject | — |
 * | Rendering Failure | REJECTED | reject, with the failure's message | — |
 * | DeliveryDelay | — | deliveryDelay (the latest) | — |
 * | Open, Click | — | firstOpenedAt, firstClickedAt (the earliest) | — |
 *
 * A transient bounce is SES giving up after retrying a temporary failure (a full mailbox, a server that
 * was down): the address may well work next time, so it neither moves the status nor suppresses.
 */

export interface SuppressionDecision {
  /** Normalised addresses the event says to suppress (one: the sender mails one recipient per mail). */
  emails: string[];
  reason: Extract<SuppressionReason, 'BOUNCED' | 'COMPLAINED'>;
  /** The bounce subtype, or the complaint's feedback type. */
  detail?: string;
}

export interface SesEvent {
  type: SesEventType;
  sendId: string;
  /** The batch the sender tagged the mail with (absent only from a mail tagged by hand). */
  batchId?: string;
  sesMessageId: string;
  update: SendEventUpdate;
  suppression?: SuppressionDecision;
}

/**
 * A record that is not a usable SES event, and why. The reason names fields, never their values, so it
 * can be logged (it holds no address).
 */
export type SesEventParse = { ok: true; event: SesEvent } | { ok: false; problem: string };

/** Texts SES copies from remote servers are cut so that a send item stays under 1 KB. */
const MAX_REMOTE_TEXT = 300;
/** SES message tag values are letters, digits, '_' and '-', 256 characters at most. */
const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;

type Json = Record<string, unknown>;

class MalformedEvent extends Error {
  override readonly name = 'MalformedEvent';
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function objectAt(record: Json, field: string): Json {
  const value = record[field];
  if (!isObject(value)) throw new MalformedEvent(`${field} is not an object`);
  return value;
}

const stringAt = (record: Json, field: string): string | undefined => {
  const value = record[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

const cut = (text: string | undefined): string | undefined => text?.slice(0, MAX_REMOTE_TEXT);

/** An ISO-8601 instant, normalised to UTC milliseconds so that instants compare as strings. */
function instantAt(record: Json, field: string, where: string): string {
  const text = stringAt(record, field);
  const time = text === undefined ? Number.NaN : Date.parse(text);
  if (Number.isNaN(time)) throw new MalformedEvent(`${where}.${field} is not a timestamp`);
  return new Date(time).toISOString();
}

/** The first value of a message tag (SES gives each tag as a list), when it is a valid tag value. */
function tagOf(tags: Json, name: string): string | undefined {
  const values = tags[name];
  const first = Array.isArray(values) ? values[0] : undefined;
  return typeof first === 'string' && TAG_VALUE.test(first) ? first : undefined;
}

/** `Name <a@b>` or `a@b`, normalised; undefined when it is no address a send could have. */
function addressOf(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const bracketed = /<([^<>]+)>\s*$/.exec(raw);
  const address = normaliseEmail(bracketed?.[1] ?? raw);
  return emailProblem(address) === undefined ? address : undefined;
}

/** The addresses of a bounce's or complaint's recipients, or the mail's destination when it lists none. */
function recipientsOf(details: Json, field: string, mail: Json): string[] {
  const listed = Array.isArray(details[field]) ? (details[field] as unknown[]) : [];
  const fromRecipients = listed.flatMap((r) => (isObject(r) ? [addressOf(r.emailAddress)] : []));
  const destination = Array.isArray(mail.destination) ? (mail.destination as unknown[]) : [];
  const found = fromRecipients.some((a) => a !== undefined) ? fromRecipients : destination.map(addressOf);
  return [...new Set(found.filter((a): a is string => a !== undefined))];
}

const TYPE_OF_EVENT_TYPE = new Map<string, SesEventType>([
  ...Object.entries(SES_EVENT_TYPES).map(([type, { eventType }]): [string, SesEventType] => [
    eventType,
    type as SesEventType,
  ]),
  // The type's name without the space, as some tools write it.
  ['RenderingFailure', 'RenderingFailure'],
]);

interface TypeOutcome {
  update: Omit<SendEventUpdate, 'sesMessageId' | 'sentAt'>;
  suppression?: SuppressionDecision;
}

/** What one type of event does to its send, from its own object in the record. */
function outcomeOf(type: SesEventType, record: Json, mail: Json, mailedAt: string): TypeOutcome {
  switch (type) {
    case 'Send':
      return { update: { status: 'SENT', at: mailedAt } };
    case 'Delivery': {
      const delivery = objectAt(record, 'delivery');
      const at = instantAt(delivery, 'timestamp', 'delivery');
      const smtpResponse = cut(stringAt(delivery, 'smtpResponse'));
      return {
        update: {
          status: 'DELIVERED',
          at,
          fact: { name: 'delivery', value: { at, ...(smtpResponse ? { smtpResponse } : {}) }, keep: 'first' },
        },
      };
    }
    case 'Bounce': {
      const bounce = objectAt(record, 'bounce');
      const at = instantAt(bounce, 'timestamp', 'bounce');
      const bounceType = stringAt(bounce, 'bounceType');
      if (bounceType === undefined) throw new MalformedEvent('bounce.bounceType is missing');
      const subtype = stringAt(bounce, 'bounceSubType') ?? 'Undetermined';
      const first = Array.isArray(bounce.bouncedRecipients) ? bounce.bouncedRecipients[0] : undefined;
      const recipient: Json = isObject(first) ? first : {};
      const diagnosticCode = cut(stringAt(recipient, 'diagnosticCode'));
      const action = cut(stringAt(recipient, 'action'));
      const fact: EventFact = {
        name: 'bounce',
        value: {
          at,
          type: bounceType,
          subtype,
          ...(diagnosticCode ? { diagnosticCode } : {}),
          ...(action ? { action } : {}),
        },
        keep: 'strongest',
      };
      // Only a hard bounce says the address is bad; SES retried a transient one and may succeed next time.
      if (bounceType !== 'Permanent') return { update: { at, fact } };
      const emails = recipientsOf(bounce, 'bouncedRecipients', mail);
      return {
        update: { status: 'BOUNCED', at, fact },
        ...(emails.length > 0 ? { suppression: { emails, reason: 'BOUNCED', detail: subtype } } : {}),
      };
    }
    case 'Complaint': {
      const complaint = objectAt(record, 'complaint');
      const at = instantAt(complaint, 'timestamp', 'complaint');
      const feedbackType = cut(stringAt(complaint, 'complaintFeedbackType'));
      const subtype = cut(stringAt(complaint, 'complaintSubType'));
      const emails = recipientsOf(complaint, 'complainedRecipients', mail);
      const detail = feedbackType ?? subtype;
      return {
        update: {
          status: 'COMPLAINED',
          at,
          fact: {
            name: 'complaint',
            value: { at, ...(feedbackType ? { feedbackType } : {}), ...(subtype ? { subtype } : {}) },
            keep: 'first',
          },
        },
        ...(emails.length > 0
          ? { suppression: { emails, reason: 'COMPLAINED', ...(detail ? { detail } : {}) } }
          : {}),
      };
    }
    case 'Reject': {
      const reason = cut(stringAt(objectAt(record, 'reject'), 'reason'));
      return {
        update: {
          status: 'REJECTED',
          at: mailedAt,
          fact: { name: 'reject', value: { at: mailedAt, ...(reason ? { reason } : {}) }, keep: 'first' },
        },
      };
    }
    case 'RenderingFailure': {
      // SES took the call but sent nothing: for the send, as final as a Reject.
      const failure = isObject(record.failure) ? record.failure : {};
      const message = stringAt(failure, 'errorMessage');
      const reason = cut(`Rendering failure${message ? `: ${message}` : ''}`);
      return {
        update: {
          status: 'REJECTED',
          at: mailedAt,
          fact: { name: 'reject', value: { at: mailedAt, ...(reason ? { reason } : {}) }, keep: 'first' },
        },
      };
    }
    case 'DeliveryDelay': {
      const delay = objectAt(record, 'deliveryDelay');
      const at = instantAt(delay, 'timestamp', 'deliveryDelay');
      const delayType = cut(stringAt(delay, 'delayType')) ?? 'Undetermined';
      const expiresAt =
        stringAt(delay, 'expirationTime') === undefined
          ? undefined
          : instantAt(delay, 'expirationTime', 'deliveryDelay');
      return {
        update: {
          at,
          fact: {
            name: 'deliveryDelay',
            value: { at, type: delayType, ...(expiresAt ? { expiresAt } : {}) },
            keep: 'latest',
          },
        },
      };
    }
    case 'Open': {
      const at = instantAt(objectAt(record, 'open'), 'timestamp', 'open');
      return { update: { at, fact: { name: 'firstOpenedAt', value: at, keep: 'earliest' } } };
    }
    case 'Click': {
      const at = instantAt(objectAt(record, 'click'), 'timestamp', 'click');
      return { update: { at, fact: { name: 'firstClickedAt', value: at, keep: 'earliest' } } };
    }
  }
}

/** An SES event record (EventBridge's `detail`): what it does to its send, or why it cannot be used. */
export function parseSesEventRecord(record: unknown): SesEventParse {
  try {
    if (!isObject(record)) throw new MalformedEvent('the record is not an object');
    const eventType = stringAt(record, 'eventType');
    if (eventType === undefined) throw new MalformedEvent('eventType is missing');
    const type = TYPE_OF_EVENT_TYPE.get(eventType);
    if (type === undefined)
      throw new MalformedEvent(`eventType "${eventType.slice(0, 40)}" is not one we take`);
    const mail = objectAt(record, 'mail');
    const sesMessageId = stringAt(mail, 'messageId');
    if (sesMessageId === undefined) throw new MalformedEvent('mail.messageId is missing');
    const mailedAt = instantAt(mail, 'timestamp', 'mail');
    const tags = isObject(mail.tags) ? mail.tags : {};
    const sendId = tagOf(tags, SEND_TAGS.sendId);
    if (sendId === undefined) throw new MalformedEvent(`mail.tags.${SEND_TAGS.sendId} is missing`);
    const batchId = tagOf(tags, SEND_TAGS.batchId);
    const { update, suppression } = outcomeOf(type, record, mail, mailedAt);
    return {
      ok: true,
      event: {
        type,
        sendId,
        ...(batchId ? { batchId } : {}),
        sesMessageId,
        update: { ...update, sesMessageId, sentAt: mailedAt },
        ...(suppression ? { suppression } : {}),
      },
    };
  } catch (error) {
    if (error instanceof MalformedEvent) return { ok: false, problem: error.message };
    throw error;
  }
}

/**
 * The body of a message on the events queue: the EventBridge event the rule delivered, whose `detail` is
 * SES's record.
 */
export function parseSesEventMessage(body: string): SesEventParse {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'the message is not JSON' };
  }
  if (!isObject(event)) return { ok: false, problem: 'the message is not an EventBridge event' };
  if (event.source !== SES_EVENT_SOURCE) return { ok: false, problem: `source is not ${SES_EVENT_SOURCE}` };
  return parseSesEventRecord(event.detail);
}
