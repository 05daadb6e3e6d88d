import type { PublishedEvent } from './ses-event-records.js';

/**
 * What SES publishes for a mail to each address of its mailbox simulator (`<scenario>@simulator.amazonses.com`,
 * also as `<scenario>+<label>@…`, so that one scenario can be mailed many times in a campaign), and when,
 * after the send: the local runner plays it (ses-event-simulator.ts). Any other address gets its Send only:
 * locally no mail reaches a mailbox to report on it.
 */
export interface ScheduledEvent {
  event: PublishedEvent;
  /** Milliseconds after SES took the mail. */
  afterMs: number;
}

/** Quick enough for a person watching, late enough that a Delivery usually follows the sender's SENT. */
const SEND_MS = 100;
const OUTCOME_MS = 1000;
const COMPLAINT_MS = 1500;

const SCENARIOS = new Map<string, ScheduledEvent[]>(
  Object.entries({
    success: [{ event: { type: 'Delivery' }, afterMs: OUTCOME_MS }],
    bounce: [
      {
        event: {
          type: 'Bounce',
          bounceType: 'Permanent',
          bounceSubType: 'General',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        },
        afterMs: OUTCOME_MS,
      },
    ],
    suppressionlist: [
      {
        event: {
          type: 'Bounce',
          bounceType: 'Permanent',
          bounceSubType: 'OnAccountSuppressionList',
          diagnosticCode:
            'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
        },
        afterMs: OUTCOME_MS,
      },
    ],
    complaint: [
      { event: { type: 'Delivery' }, afterMs: OUTCOME_MS },
      { event: { type: 'Complaint', feedbackType: 'abuse' }, afterMs: COMPLAINT_MS },
    ],
    // The auto-reply goes to the sender's mailbox: it is no event.
    ooto: [{ event: { type: 'Delivery' }, afterMs: OUTCOME_MS }],
  } satisfies Record<string, ScheduledEvent[]>),
);

const SIMULATOR_ADDRESS = /^([a-z]+)(\+[^@]*)?@simulator\.amazonses\.com$/;

/** The events SES publishes for a mail to `address`, in the order it publishes them. */
export function simulatedEventsFor(address: string): ScheduledEvent[] {
  const scenario = SIMULATOR_ADDRESS.exec(address.trim().toLowerCase())?.[1];
  const outcome = scenario === undefined ? [] : (SCENARIOS.get(scenario) ?? []);
  return [{ event: { type: 'Send' }, afterMs: SEND_MS }, ...outcome];
}
