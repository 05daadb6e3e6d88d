import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  EVENTS_QUEUE,
  PRIORITY_SEND_QUEUE,
  SEND_QUEUE,
  WRITE_QUEUE,
} from '../lambdas/contract/queue-settings.js';

export interface QueueUrls {
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** The sends of `priority=high` batches. */
  priorityQueueUrl: string;
  priorityDeadLetterQueueUrl: string;
  writeQueueUrl: string;
  writeDeadLetterQueueUrl: string;
  /** SES's events, as EventBridge's rule delivers them, for the events function. */
  eventsQueueUrl: string;
  eventsDeadLetterQueueUrl: string;
}

type QueueSettings =
  | typeof SEND_QUEUE
  | typeof PRIORITY_SEND_QUEUE
  | typeof WRITE_QUEUE
  | typeof EVENTS_QUEUE;

/** Creates a queue and its dead-letter queue (idempotent), with the shared settings. */
async function ensureQueuePair(
  sqs: SQSClient,
  settings: QueueSettings,
  prefix: string,
  visibilityTimeoutSeconds: number | undefined,
): Promise<{ queueUrl: string; deadLetterQueueUrl: string }> {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}${settings.deadLetterName}`,
      Attributes: { MessageRetentionPeriod: String(settings.deadLetterRetentionSeconds) },
    }),
  );
  const deadLetterQueueUrl = dlq.QueueUrl as string;
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}${settings.name}`,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds ?? settings.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(settings.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attributes.Attributes?.QueueArn,
          maxReceiveCount: settings.maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl as string, deadLetterQueueUrl };
}

/**
 * Creates the send queue, the high-priority send queue, the write queue and the events queue, each with its dead-letter queue
 * (idempotent), with the shared settings. `visibilityTimeoutSeconds` shortens them all, so that a failed message comes back within
 * seconds while trying things out.
 */
export async function ensureQueues(
  sqs: SQSClient,
  options: { prefix?: string; visibilityTimeoutSeconds?: number } = {},
): Promise<QueueUrls> {
  const prefix = options.prefix ?? '';
  const send = await ensureQueuePair(sqs, SEND_QUEUE, prefix, options.visibilityTimeoutSeconds);
  const priority = await ensureQueuePair(sqs, PRIORITY_SEND_QUEUE, prefix, options.visibilityTimeoutSeconds);
  const write = await ensureQueuePair(sqs, WRITE_QUEUE, prefix, options.visibilityTimeoutSeconds);
  const events = await ensureQueuePair(sqs, EVENTS_QUEUE, prefix, options.visibilityTimeoutSeconds);
  return {
    ...send,
    priorityQueueUrl: priority.queueUrl,
    priorityDeadLetterQueueUrl: priority.deadLetterQueueUrl,
    writeQueueUrl: write.queueUrl,
    writeDeadLetterQueueUrl: write.deadLetterQueueUrl,
    eventsQueueUrl: events.queueUrl,
    eventsDeadLetterQueueUrl: events.deadLetterQueueUrl,
  };
}
