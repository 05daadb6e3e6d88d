import { createHash, randomUUID } from 'node:crypto';
import { queueByPriority } from '../../lambdas/core/queue/send-queue.js';
import { BatchReconciler } from '../../lambdas/core/store/batch-progress.js';
import { SendReader } from '../../lambdas/core/store/send-reader.js';
import type { SweepDeps, SweepSettings } from '../../lambdas/sweeper/sweep-batches.js';
import { acceptUpload } from '../../lambdas/upload-api/accept-upload.js';
import type { TestAws } from './aws-emulators.js';
import { acceptDepsFor, csvOf, RETENTION_SECONDS, storesOf } from './send-pipeline.js';

/** The sweeper's settings as its entry reads them by default, but for `maxPerRun` (5,000) where a test sets it. */
export const SWEEP_SETTINGS: SweepSettings = {
  stalledAfterSeconds: 900,
  maxAttempts: 5,
  maxPerRun: 5_000,
  retentionSeconds: RETENTION_SECONDS,
};

/** The sweeper's dependencies against the emulators, as lambdas/sweeper/index.ts wires them, on `clock`. */
export function sweeperDepsFor(
  aws: TestAws,
  clock: () => Date,
  overrides: Partial<SweepDeps> = {},
): SweepDeps {
  const db = aws.clients.documents;
  const { sends, counters, writers, counted, queue, priorityQueue, writeQueue, controls } = storesOf(aws);
  return {
    writers,
    counters,
    reconciler: new BatchReconciler(db, aws.tableName),
    reader: new SendReader(db, aws.tableName),
    sends: counted,
    requeued: sends,
    sendQueueFor: queueByPriority({ normal: queue, high: priorityQueue }),
    writeQueue,
    controls,
    clock,
    ...overrides,
  };
}

/**
 * What POST /campaigns/upload does with one mail (subject "S", content "C") to each address, on `clock`
 * (the batch's upload time): the file stored in S3 and the batch record written; the writer has not
 * taken the file up yet. Resolves with the batch's id.
 */
export async function uploadMails(aws: TestAws, addresses: string[], clock: () => Date): Promise<string> {
  const bytes = Buffer.from(csvOf([['email', 'subject', 'content'], ...addresses.map((a) => [a, 'S', 'C'])]));
  const batchId = randomUUID();
  const outcome = await acceptUpload(
    {
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      dryRun: false,
      allowDuplicate: true,
    },
    batchId,
    acceptDepsFor(aws, { clock }),
    { checkDuplicate: false },
  );
  if (outcome.statusCode !== 202) throw new Error(`the upload was refused (${outcome.statusCode})`);
  return batchId;
}
