import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { FunctionId } from '../lambdas/contract/functions.js';
import { lambdaContext } from './lambda-context.js';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** The record the Lambda event source builds from a received message. */
export function sqsRecordOf(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

export interface EventSource {
  stop(): Promise<void>;
}

/**
 * Plays the Lambda SQS event source mapping: `concurrency` pollers each receive up to `batchSize`
 * messages (in one receive, so 10 at most: no batching window), invoke the handler, delete what
 * succeeded and leave the reported batchItemFailures (or the whole batch, if the handler throws) to come
 * back after the visibility timeout.
 */
export function startSqsEventSource(options: {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  functionName: FunctionId;
  batchSize: number;
  concurrency: number;
  onError?: (error: unknown) => void;
}): EventSource {
  let stopped = false;
  const queueArn = `arn:aws:sqs:us-east-1:000000000000:${options.queueUrl.split('/').pop()}`;
  const poll = async () => {
    while (!stopped) {
      try {
        const out = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            // SQS returns 10 messages a receive at most. Lambda gathers a batch above 10 over its batching
            // window (the events queue's); locally there is none, each receive is a batch: cost does not
            // matter here, and the events are recorded at once.
            MaxNumberOfMessages: Math.min(options.batchSize, 10),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            // The SQS emulator only honours the older name; real SQS accepts both.
            AttributeNames: ['All'],
          }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0 || stopped) continue;
        let failed: Set<string>;
        try {
          const response = await options.handler(
            { Records: messages.map((m) => sqsRecordOf(m, queueArn)) },
            lambdaContext(options.functionName),
          );
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          options.onError?.(error);
          continue;
        }
        const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
        if (done.length > 0) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
            }),
          );
        }
      } catch (error) {
        if (stopped) return;
        options.onError?.(error);
        await sleep(500);
      }
    }
  };
  const pollers = Array.from({ length: options.concurrency }, poll);
  return {
    stop: async () => {
      stopped = true;
      await Promise.allSettled(pollers);
    },
  };
}
