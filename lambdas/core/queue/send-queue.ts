import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { retryLeftovers } from '../async/retry-leftovers.js';
import { chunksOf, runBounded } from '../async/run-bounded.js';
import type { SendRef } from '../domain/send-record.js';

/** SQS's SendMessageBatch limit. */
const SEND_BATCH_SIZE = 10;

export function messageBodyOf(ref: SendRef): string {
  return JSON.stringify({
    sendId: ref.sendId,
    createdAt: ref.createdAt,
    batchId: ref.batchId,
    chunk: ref.chunk,
  });
}

/** Reads a queue message body; undefined when it is not one of ours. */
export function sendRefFromBody(body: string): SendRef | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { sendId, createdAt, batchId, chunk } = parsed as Record<string, unknown>;
    if (typeof sendId !== 'string' || typeof createdAt !== 'string' || typeof batchId !== 'string')
      return undefined;
    if (typeof chunk !== 'number' || !Number.isSafeInteger(chunk) || chunk < 0) return undefined;
    if (!/^[0-9a-f]{32}$/.test(sendId)) return undefined;
    return { sendId, createdAt, batchId, chunk };
  } catch {
    return undefined;
  }
}

export interface EnqueueOptions {
  /** Seconds each message stays invisible before its first delivery (SQS allows 0–900). */
  delaySeconds?: number;
}

/** Puts sends on the email send queue, ten per request, retrying the entries SQS refused. */
export class SendQueue {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
    private readonly concurrency = 8,
  ) {}

  async enqueue(refs: SendRef[], options: EnqueueOptions = {}): Promise<void> {
    const delay = options.delaySeconds ? { DelaySeconds: Math.round(options.delaySeconds) } : {};
    await runBounded(chunksOf(refs, SEND_BATCH_SIZE), this.concurrency, (chunk) =>
      retryLeftovers('queue messages', chunk, async (pending) => {
        const out = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: pending.map((ref, i) => ({ Id: String(i), MessageBody: messageBodyOf(ref), ...delay })),
          }),
        );
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        return pending.filter((_, i) => failed.has(String(i)));
      }),
    );
  }
}

export type SendPriority = 'normal' | 'high';

/** The send queue of each priority: a `priority=high` batch's sends have a queue of their own. */
export const queueByPriority =
  (queues: Record<SendPriority, Pick<SendQueue, 'enqueue'>>) => (priority: SendPriority) =>
    queues[priority];
