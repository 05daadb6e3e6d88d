/**
 * Queue settings shared by the CDK stack and the local runner (one source of truth, checked by a
 * test against the synthesised template).
 */
export const SEND_QUEUE = {
  name: 'email_send_queue',
  deadLetterName: 'email_send_dlq',
  /** A message received this many times without success moves to the dead-letter queue. */
  maxReceiveCount: 3,
  /** Seconds a received message stays invisible; must exceed a sender invocation with its SES calls. */
  visibilityTimeoutSeconds: 180,
  retentionSeconds: 4 * 24 * 3600,
  deadLetterRetentionSeconds: 14 * 24 * 3600,
  /** Messages handed to one sender invocation (the SQS event source's batch size). */
  batchSize: 10,
} as const;
