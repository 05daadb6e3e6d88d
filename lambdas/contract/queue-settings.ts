/**
 * Queue settings shared by the CDK stack and the local runner (one source of truth, checked by a
 * test against the synthesised template).
 */

/** SQS keeps a message 14 days at most. */
const FOURTEEN_DAYS = 14 * 24 * 3600;

export const SEND_QUEUE = {
  name: 'email_send_queue',
  deadLetterName: 'email_send_dlq',
  /** A message received this many times without success moves to the dead-letter queue. */
  maxReceiveCount: 3,
  /** Seconds a received message stays invisible; must exceed a sender invocation with its SES calls. */
  visibilityTimeoutSeconds: 180,
  /**
   * As long as SQS allows: a send waits on the queue behind however long a backlog, and its message is
   * only ever lost to retention, which the sweeper then makes good (docs/data-model.md).
   */
  retentionSeconds: FOURTEEN_DAYS,
  deadLetterRetentionSeconds: FOURTEEN_DAYS,
  /** Messages handed to one sender invocation (the SQS event source's batch size). */
  batchSize: 10,
} as const;

/**
 * The sends of `priority=high` batches: the same settings as the send queue, under its own names, so
 * that its messages are not behind a normal campaign's backlog. The sender drains both queues, each with
 * its own share of the send rate (lambdas/sender/priority-lanes.ts).
 */
export const PRIORITY_SEND_QUEUE = {
  ...SEND_QUEUE,
  name: 'email_priority_send_queue',
  deadLetterName: 'email_priority_send_dlq',
  /**
   * One message per invocation: each sender paces at its lane's share divided by the event source's
   * concurrency, so a lane gets its whole share only with that many invocations at once. High-priority
   * batches are small (password resets, notices): in batches of ten, twelve sends would be one or two
   * invocations at a fraction of the share; one by one, they are spread over every sender. The price,
   * one invocation and one receive per send, is paid on the few sends of this queue only.
   */
  batchSize: 1,
} as const;

/**
 * The writer's queue: S3's object-created events of uploaded files, and the writer's own continuation
 * messages. One message per invocation: an invocation works on one file for up to its timeout.
 */
export const WRITE_QUEUE = {
  name: 'campaign_write_queue',
  deadLetterName: 'campaign_write_dlq',
  /** A file the writer failed on this many times (crashes, not refusals) goes to the DLQ, with an alarm. */
  maxReceiveCount: 5,
  /** Six times the writer's 900 s timeout, as Lambda asks of SQS sources. */
  visibilityTimeoutSeconds: 6 * 900,
  retentionSeconds: FOURTEEN_DAYS,
  deadLetterRetentionSeconds: FOURTEEN_DAYS,
  batchSize: 1,
} as const;

/**
 * SES's events: EventBridge's rule puts each event of the configuration set on this queue, for the events
 * function. An event that fails this many times (a malformed one at once each time) goes to the DLQ,
 * which raises an alarm.
 */
export const EVENTS_QUEUE = {
  name: 'ses_event_queue',
  deadLetterName: 'ses_event_dlq',
  maxReceiveCount: 5,
  /** Six times the events function's 30 s timeout, as Lambda asks of SQS sources. */
  visibilityTimeoutSeconds: 6 * 30,
  retentionSeconds: FOURTEEN_DAYS,
  deadLetterRetentionSeconds: FOURTEEN_DAYS,
  /**
   * Events handed to one events invocation at most. Each costs the function a GetItem and a conditional
   * UpdateItem of its send, one after the other (about 15 ms on AWS): 100 take a few seconds at worst of
   * its 30 s timeout, and weigh about 200 KB of Lambda's 6 MB payload. Above 10, Lambda receives in rounds
   * of 10 (SQS's most per call) until the batch is full or the window below ends; it asks for a window.
   */
  batchSize: 100,
  /**
   * Seconds Lambda gathers events before it invokes the function (MaximumBatchingWindowInSeconds).
   * Without a window a quiet queue hands over each event alone, and every invocation writes the batch's
   * counter moves once (a write unit per event instead of per batch) and is billed, logged and traced.
   * SES's events are not urgent: a Delivery recorded 5 s later changes nothing, and the guardrail pauses
   * a batch past its bounce or complaint limit a few seconds later, still far within what it promises
   * (a share of a campaign, not of the next seconds' sends). On a nearly idle queue Lambda may wait up to
   * 20 s (its long poll) whatever the window.
   */
  maxBatchingWindowSeconds: 5,
} as const;
