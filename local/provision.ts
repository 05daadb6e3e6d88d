import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SEND_QUEUE } from '../lambdas/contract/queue-settings.js';

export interface QueueUrls {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/** Creates the send queue and its dead-letter queue (idempotent), with the shared settings. */
export async function ensureQueues(
  sqs: SQSClient,
  options: { prefix?: string; visibilityTimeoutSeconds?: number } = {},
): Promise<QueueUrls> {
  const prefix = options.prefix ?? '';
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}${SEND_QUEUE.deadLetterName}`,
      Attributes: { MessageRetentionPeriod: String(SEND_QUEUE.deadLetterRetentionSeconds) },
    }),
  );
  const deadLetterQueueUrl = dlq.QueueUrl as string;
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}${SEND_QUEUE.name}`,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? SEND_QUEUE.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(SEND_QUEUE.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attributes.Attributes?.QueueArn,
          maxReceiveCount: SEND_QUEUE.maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl as string, deadLetterQueueUrl };
}
