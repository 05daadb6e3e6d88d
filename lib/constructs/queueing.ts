import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SEND_QUEUE } from '../../lambdas/contract/queue-settings.js';

export interface QueueingProps {
  /** Suffix of the queue names, so that stages can live in one account and region. */
  readonly stage: string;
}

/** The send queue and its dead-letter queue, from the settings the local runner uses too. */
export class Queueing extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: QueueingProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `${SEND_QUEUE.deadLetterName}-${props.stage}`,
      // A message's age counts from its first enqueue, so the DLQ must keep it longer than the queue did.
      retentionPeriod: Duration.seconds(SEND_QUEUE.deadLetterRetentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'SendQueue', {
      queueName: `${SEND_QUEUE.name}-${props.stage}`,
      visibilityTimeout: Duration.seconds(SEND_QUEUE.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(SEND_QUEUE.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: SEND_QUEUE.maxReceiveCount },
    });
  }
}
