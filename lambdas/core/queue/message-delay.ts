import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { chunksOf } from '../async/run-bounded.js';

/** A received message to keep invisible for `seconds` from now. */
export interface DelayedMessage {
  receiptHandle: string;
  seconds: number;
}

export interface MessageDelay {
  /** Sets each message's visibility timeout; returns how many SQS refused. */
  delay(messages: DelayedMessage[]): Promise<number>;
}

/** SQS's ChangeMessageVisibilityBatch limit. */
const BATCH_SIZE = 10;

/** Changes the visibility of received messages of one queue, ten per request. */
export class SqsMessageDelay implements MessageDelay {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  async delay(messages: DelayedMessage[]): Promise<number> {
    let refused = 0;
    for (const chunk of chunksOf(messages, BATCH_SIZE)) {
      const out = await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.receiptHandle,
            VisibilityTimeout: Math.round(m.seconds),
          })),
        }),
      );
      refused += out.Failed?.length ?? 0;
    }
    return refused;
  }
}
