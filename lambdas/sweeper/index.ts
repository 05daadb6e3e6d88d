import { sqsClient } from '../core/aws/clients.js';
import { sweeperConfig } from '../core/config/function-config.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { queueByPriority, SendQueue } from '../core/queue/send-queue.js';
import { WriteQueue } from '../core/queue/write-queue.js';
import { BatchControlStore } from '../core/store/batch-control-store.js';
import { BatchReconciler } from '../core/store/batch-progress.js';
import { CountedSends } from '../core/store/counted-sends.js';
import { CounterStore } from '../core/store/counter-store.js';
import { SendReader } from '../core/store/send-reader.js';
import { SendStore } from '../core/store/send-store.js';
import { documentClient } from '../core/store/table-client.js';
import { WriterStore } from '../core/store/writer-store.js';
import { createSweeperHandler } from './handler.js';

const config = sweeperConfig(process.env);
const db = documentClient();
const sqs = sqsClient();
const sends = new SendStore(db, config.tableName);
const counters = new CounterStore(db, config.tableName);
const writers = new WriterStore(db, config.tableName);

/** Runs on a schedule (EventBridge on AWS, a timer in the local runner); see SweepRequest. */
export const handler = withPowertools(
  createSweeperHandler(
    {
      writers,
      counters,
      reconciler: new BatchReconciler(db, config.tableName),
      reader: new SendReader(db, config.tableName),
      sends: new CountedSends(sends, counters, writers, config.retentionSeconds),
      requeued: sends,
      sendQueueFor: queueByPriority({
        normal: new SendQueue(sqs, config.queueUrl),
        high: new SendQueue(sqs, config.priorityQueueUrl),
      }),
      writeQueue: new WriteQueue(sqs, config.writeQueueUrl),
      controls: new BatchControlStore(db, config.tableName),
      clock: () => new Date(),
    },
    config,
  ),
);
