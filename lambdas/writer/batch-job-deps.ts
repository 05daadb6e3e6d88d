import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WriteQueue } from '../core/queue/write-queue.js';
import { BatchControlStore } from '../core/store/batch-control-store.js';
import { CountedSends } from '../core/store/counted-sends.js';
import { CounterStore } from '../core/store/counter-store.js';
import { SendReader } from '../core/store/send-reader.js';
import { SendStore } from '../core/store/send-store.js';
import { WriterStore } from '../core/store/writer-store.js';
import type { BatchJobDeps } from './batch-jobs.js';

/** The batch jobs' stores on one table and its queues: the writer's entry, its tests and the bench wire them alike. */
export function batchJobDepsFor(
  db: DynamoDBDocumentClient,
  tableName: string,
  queues: {
    sendQueueFor: BatchJobDeps['sendQueueFor'];
    writeQueue: Pick<WriteQueue, 'runJob' | 'continueWriting'>;
  },
  retentionSeconds: number,
): BatchJobDeps {
  const writers = new WriterStore(db, tableName);
  return {
    reader: new SendReader(db, tableName),
    sends: new CountedSends(
      new SendStore(db, tableName),
      new CounterStore(db, tableName),
      writers,
      retentionSeconds,
    ),
    sendQueueFor: queues.sendQueueFor,
    writeQueue: queues.writeQueue,
    controls: new BatchControlStore(db, tableName),
    writers,
    clock: () => new Date(),
    now: () => performance.now(),
  };
}
