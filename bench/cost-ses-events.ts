import { eventBridgeEvent, sesEventRecord, type TakenMail } from '../local/ses-event-records.js';
import { simulatedEventsFor } from '../local/ses-mailbox-simulator.js';

/**
 * The SES events of a sample campaign's mails, as SES would publish them on AWS: every mail gets a Send
 * event, then a Delivery, but a share of hard bounces (Send + Bounce, no Delivery) and a share of
 * complaints (Send + Delivery + Complaint). The events of each outcome are those of SES's mailbox
 * simulator (ses-mailbox-simulator.ts: `success@`, `bounce@`, `complaint@`), the records those of its
 * event publishing in EventBridge's envelope (ses-event-records.ts): what the local runner plays.
 */

/** Hard bounces per mail: a list kept clean bounces about 1 % (SES reviews an account above 5 %). */
export const BOUNCE_SHARE = 0.01;
/** Complaints per mail: a good sender's (SES reviews an account above 0.1 %). */
export const COMPLAINT_SHARE = 0.0005;

/** The events a campaign's mails get, in the bench. */
export const FED_EVENT_TYPES = ['Send', 'Delivery', 'Bounce', 'Complaint'] as const;
export type FedEventType = (typeof FED_EVENT_TYPES)[number];

type Outcome = 'success' | 'bounce' | 'complaint';

/** SES's events per mail on AWS, by type: what a sample's events scale to. */
export const EVENTS_PER_MAIL: Record<FedEventType, number> = {
  Send: 1,
  Delivery: 1 - BOUNCE_SHARE,
  Bounce: BOUNCE_SHARE,
  Complaint: COMPLAINT_SHARE,
};

/**
 * The outcome of each of `count` mails: round(count × share) bounces and complaints, spread evenly
 * (a complaint never falls on a bounced mail). A sample under 1,000 mails has no complaint: one would
 * be above the guardrail's 0.1 % and pause the batch, which a campaign at 0.05 % never does.
 */
export function outcomesOf(count: number): Outcome[] {
  const outcomes: Outcome[] = Array.from({ length: count }, () => 'success');
  const spread = (n: number, offset: number, outcome: Outcome) => {
    for (let j = 0; j < n; j++) {
      let i = Math.floor(((j + offset) * count) / n);
      while (outcomes[i] !== 'success') i = (i + 1) % count;
      outcomes[i] = outcome;
    }
  };
  spread(Math.round(count * BOUNCE_SHARE), 0.5, 'bounce');
  spread(Math.round(count * COMPLAINT_SHARE), 0.3, 'complaint');
  return outcomes;
}

export interface PublishedSesEvent {
  type: FedEventType;
  /** When SES publishes it. */
  at: number;
  /** The events queue message: the EventBridge event carrying SES's record, as the stack's rule delivers it. */
  body: string;
}

const isFed = (type: string): type is FedEventType => (FED_EVENT_TYPES as readonly string[]).includes(type);

/** Every event SES publishes for these mails (in the order the mails were taken), in the order it publishes them. */
export function sesEventsOf(mails: readonly TakenMail[]): PublishedSesEvent[] {
  const outcomes = outcomesOf(mails.length);
  const published: PublishedSesEvent[] = [];
  for (const [i, mail] of mails.entries()) {
    for (const { event, afterMs } of simulatedEventsFor(`${outcomes[i]}@simulator.amazonses.com`)) {
      if (!isFed(event.type)) throw new Error(`the bench does not scale ${event.type} events`);
      const at = new Date(mail.sentAt.getTime() + afterMs);
      const record = sesEventRecord(mail, event, at);
      published.push({
        type: event.type,
        at: at.getTime(),
        body: JSON.stringify(eventBridgeEvent(event.type, record, at, mail.configurationSet)),
      });
    }
  }
  return published.sort((a, b) => a.at - b.at);
}

/** The events of each type among `events`. */
export function countByType(events: readonly { type: FedEventType }[]): Record<FedEventType, number> {
  const counts: Record<FedEventType, number> = { Send: 0, Delivery: 0, Bounce: 0, Complaint: 0 };
  for (const event of events) counts[event.type] += 1;
  return counts;
}
