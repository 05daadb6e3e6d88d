import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, SQSEvent } from 'aws-lambda';
import { sesClient, sqsClient } from '../core/aws/clients.js';
import { s3Client } from '../core/aws/s3-client.js';
import { unsubscribeTokensOf } from '../core/aws/unsubscribe-key.js';
import { senderConfig } from '../core/config/function-config.js';
import { UnsubscribeLinks } from '../core/domain/list-unsubscribe.js';
import { RowChunks } from '../core/files/row-chunks.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { logger } from '../core/observability/logger.js';
import { SqsMessageDelay } from '../core/queue/message-delay.js';
import { SendQueue } from '../core/queue/send-queue.js';
import { BatchControlStore } from '../core/store/batch-control-store.js';
import { BatchPaceStore } from '../core/store/batch-pace-store.js';
import { BatchStarts } from '../core/store/batch-starts.js';
import { CountedSends } from '../core/store/counted-sends.js';
import { CounterBuffer } from '../core/store/counter-buffer.js';
import { CounterStore } from '../core/store/counter-store.js';
import { PrioritySignalStore } from '../core/store/priority-signal-store.js';
import { SendStore } from '../core/store/send-store.js';
import { SuppressionStore } from '../core/store/suppression-store.js';
import { documentClient } from '../core/store/table-client.js';
import { WriterStore } from '../core/store/writer-store.js';
import { BatchControls } from './batch-controls.js';
import { cloudWatchSendMetrics } from './cloudwatch-send-metrics.js';
import { createSenderHandler, type SenderHandlerDeps } from './handler.js';
import { SesMailer } from './mailer.js';
import { HighLane, laneOfEvent, NormalLane, type RateLane } from './priority-lanes.js';
import { SendPacer } from './send-pacer.js';
import { RatePacing } from './send-pacing.js';
import { accountMaxSendRate } from './send-quota.js';
import { SendRate } from './send-rate.js';

const config = senderConfig(process.env);
// One DynamoDB client for every store of the container.
const db = documentClient();
const ses = sesClient();
const sqs = sqsClient();
// Read once per container, at load (Lambda's init phase): the key that signs each mail's unsubscribe link.
const unsubscribeTokens = await unsubscribeTokensOf(config.unsubscribe.key);

// One rate and one pacer per container: GetAccount is read once here and again after ten minutes.
const rate = new SendRate({
  ...(config.maxSendRate === undefined ? {} : { override: config.maxSendRate }),
  fallback: config.defaultSendRate,
  readAccountRate: () => accountMaxSendRate(ses),
  now: Date.now,
  onReadFailure: (error) =>
    logger.warn('SES GetAccount failed; sending at DEFAULT_SEND_RATE', {
      defaultSendRate: config.defaultSendRate,
      error: error instanceof Error ? error.message : String(error),
    }),
});
const pacerClock = { now: () => performance.now(), sleep: (ms: number) => sleep(ms) };
const laneClock = { nowMs: Date.now, sleep: (ms: number) => sleep(ms) };
const signal = new PrioritySignalStore(db, config.tableName);

// The counter moves of an invocation are written once, at its end (counter-buffer.ts).
const counts = new CounterBuffer(new CounterStore(db, config.tableName));

const shared = {
  sends: new CountedSends(
    new SendStore(db, config.tableName),
    counts,
    new WriterStore(db, config.tableName),
    config.retentionSeconds,
  ),
  counts,
  mailer: new SesMailer(ses, {
    from: config.fromAddress,
    ...(config.replyTo ? { replyTo: config.replyTo } : {}),
    ...(config.configurationSet ? { configurationSet: config.configurationSet } : {}),
  }),
  rows: new RowChunks(s3Client(config.s3), config.bucketName),
  suppressions: new SuppressionStore(db, config.tableName),
  controls: new BatchControls(new BatchControlStore(db, config.tableName), Date.now),
  pace: new BatchPaceStore(db, config.tableName),
  sleep: (ms) => sleep(ms),
  unsubscribe: new UnsubscribeLinks(
    unsubscribeTokens,
    config.unsubscribe.baseUrl,
    config.unsubscribe.mailbox,
  ),
  clock: () => new Date(),
  newLeaseId: randomUUID,
  batchStarts: new BatchStarts(db, config.tableName),
  leaseMs: config.leaseSeconds * 1000,
  maxReceiveCount: config.maxReceiveCount,
  metrics: cloudWatchSendMetrics,
} satisfies Omit<SenderHandlerDeps, 'pacing' | 'requeue' | 'retryBackoff'>;

/**
 * One handler per lane (priority-lanes.ts): each with its own pacer (its event source runs up to
 * SENDER_MAX_CONCURRENCY invocations), its share of the rate, and its own queue for the messages it puts
 * back or delays.
 */
function laneHandler(lane: RateLane, queueUrl: string | undefined) {
  return createSenderHandler({
    ...shared,
    pacing: new RatePacing(rate, new SendPacer(pacerClock, { concurrency: config.maxConcurrency }), lane),
    // Messages pacing has no time left for go back on their queue as fresh messages (deferral.ts).
    ...(queueUrl ? { requeue: new SendQueue(sqs, queueUrl) } : {}),
    ...(config.retryBackoff.baseSeconds > 0 && queueUrl
      ? {
          retryBackoff: {
            backoff: config.retryBackoff,
            messages: new SqsMessageDelay(sqs, queueUrl),
          },
        }
      : {}),
  });
}

const normal = laneHandler(new NormalLane(signal, laneClock), config.queueUrl);
const high = laneHandler(new HighLane(signal, laneClock), config.priorityQueueUrl);

export const handler = withPowertools((event: SQSEvent, context: Context) =>
  laneOfEvent(event, config.priorityQueueUrl) === 'high' ? high(event, context) : normal(event, context),
);
