/**
 * The SES events the pipeline takes (docs/ses-events.md), as the stack subscribes to them and the events
 * function and the local simulator name them: SES's `eventType` in the record, and the `detail-type`
 * EventBridge gives the event that carries it. Open and Click are published only when the stack's
 * context enables them (SES then adds an open pixel and rewrites links).
 */
export const SES_EVENT_TYPES = {
  Send: { eventType: 'Send', detailType: 'Email Sent', engagement: false },
  Delivery: { eventType: 'Delivery', detailType: 'Email Delivered', engagement: false },
  Bounce: { eventType: 'Bounce', detailType: 'Email Bounced', engagement: false },
  Complaint: { eventType: 'Complaint', detailType: 'Email Complaint Received', engagement: false },
  Reject: { eventType: 'Reject', detailType: 'Email Rejected', engagement: false },
  DeliveryDelay: { eventType: 'DeliveryDelay', detailType: 'Email Delivery Delayed', engagement: false },
  // SES writes this one with a space.
  RenderingFailure: {
    eventType: 'Rendering Failure',
    detailType: 'Email Rendering Failed',
    engagement: false,
  },
  Open: { eventType: 'Open', detailType: 'Email Opened', engagement: true },
  Click: { eventType: 'Click', detailType: 'Email Clicked', engagement: true },
} as const;

export type SesEventType = keyof typeof SES_EVENT_TYPES;

/** EventBridge's `source` of every SES event. */
export const SES_EVENT_SOURCE = 'aws.ses';

/** The message tags the sender puts on every mail, which SES copies into each event's `mail.tags`. */
export const SEND_TAGS = { sendId: 'sendId', batchId: 'batchId' } as const;

/** The tag SES adds to every mail sent with a configuration set: its name. */
export const CONFIGURATION_SET_TAG = 'ses:configuration-set';
