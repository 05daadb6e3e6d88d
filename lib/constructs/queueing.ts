import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  EVENTS_QUEUE,
  PRIORITY_SEND_QUEUE,
  SEND_QUEUE,
  WRITE_QUEUE,
} from '../../lambdas/contract/queue-settings.js';

export interface QueueingProps {
  /** Suffix of the queue names, so that stages can live in one account and region. */
  readonly stage: string;
}

type QueueSettings =
  | typeof SEND_QUEUE
  | typeof PRIORITY_SEND_QUEUE
  | typeof WRITE_QUEUE
  | typeof EVENTS_QUEUE;

/**
 * The queues, each with its dead-letter queue, from the settings the local runner uses too: the send
 * queue (one message per send, for the sender), the high-priority send queue (the same, for the sends of
 * `priority=high` batches), the write queue (one message per file to write, S3's
 * event or the writer's own continuation) and the events queue (one message per SES event, from
 * EventBridge's rule, for the events function).
 */
export class Queueing extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly priorityQueue: Queue;
  readonly priorityDeadLetterQueue: Queue;
  readonly writeQueue: Queue;
  readonly writeDeadLetterQueue: Queue;
  readonly eventsQueue: Queue;
  readonly eventsDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: QueueingProps) {
    super(scope, id);
    [this.queue, this.deadLetterQueue] = this.pair('SendQueue', 'DeadLetterQueue', SEND_QUEUE, props.stage);
    [this.priorityQueue, this.priorityDeadLetterQueue] = this.pair(
      'PrioritySendQueue',
      'PriorityDeadLetterQueue',
      PRIORITY_SEND_QUEUE,
      props.stage,
    );
    [this.writeQueue, this.writeDeadLetterQueue] = this.pair(
      'WriteQueue',
      'WriteDeadLetterQueue',
      WRITE_QUEUE,
      props.stage,
    );
    [this.eventsQueue, this.eventsDeadLetterQueue] = this.pair(
      'EventsQueue',
      'EventsDeadLetterQueue',
      EVENTS_QUEUE,
      props.stage,
    );
  }

  private pair(id: string, deadLetterId: string, settings: QueueSettings, stage: string): [Queue, Queue] {
    const deadLetterQueue = new Queue(this, deadLetterId, {
      queueName: `${settings.deadLetterName}-${stage}`,
      // A message's age counts from its first enqueue, so the DLQ must keep it longer than the queue did.
      retentionPeriod: Duration.seconds(settings.deadLetterRetentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const queue = new Queue(this, id, {
      queueName: `${settings.name}-${stage}`,
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(settings.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
    return [queue, deadLetterQueue];
  }
}
