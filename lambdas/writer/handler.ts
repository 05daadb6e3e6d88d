import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { batchIdOfKey } from '../contract/upload-object.js';
import { CampaignFileError } from '../core/domain/campaign-file-error.js';
import { readCampaign } from '../core/domain/campaign-reader.js';
import type { CampaignFiles } from '../core/files/campaign-files.js';
import { NothingAcceptedError, storedReportOf } from '../core/ingest/ingest-report.js';
import { addRowMetrics } from '../core/ingest/row-metrics.js';
import { type WriteDeps, writeCampaign } from '../core/ingest/write-campaign.js';
import { logger } from '../core/observability/logger.js';
import {
  batchJobOf,
  type WriteQueue,
  type WriteRequest,
  writeRequestsOf,
} from '../core/queue/write-queue.js';
import type { BatchControlStore } from '../core/store/batch-control-store.js';
import type { BatchRecord, BatchReport, BatchStore } from '../core/store/batch-store.js';
import { awaitingFile, type WriterStore } from '../core/store/writer-store.js';
import { type BatchJobDeps, runBatchJob } from './batch-jobs.js';

/** The queue a batch's sends go on is its priority's (jobs.sendQueueFor), not one given. */
export interface WriterDeps extends Omit<WriteDeps, 'queue'> {
  files: Pick<CampaignFiles, 'open'>;
  writers: Pick<
    WriterStore,
    'claim' | 'checkpoint' | 'release' | 'finish' | 'listSuppressed' | 'suppressedListOf'
  >;
  batches: Pick<BatchStore, 'getBatch' | 'createBatch' | 'setReport'>;
  writeQueue: Pick<WriteQueue, 'continueWriting'>;
  /** Batch states (issue 15): a scheduled batch's file waits for its start. */
  controls: Pick<BatchControlStore, 'get'>;
  /** What the batch jobs of the control API use (batch-jobs.ts). */
  jobs: BatchJobDeps;
  /** MAX_LARGE_UPLOAD_BYTES: a larger object is refused unread. */
  maxFileBytes: number;
  /** How long a batch's items are kept after its upload. */
  retentionSeconds: number;
  /** The longest one invocation writes before handing over (WRITER_BUDGET_SECONDS); its time less a margin otherwise. */
  budgetMs?: number;
  /** Wall-clock milliseconds for the budget (performance.now in the entry, a fake in tests). */
  now: () => number;
}

/** Whether the batch record lists the same suppressed rows as the writer left out. */
const sameSuppressed = (
  stored: Pick<BatchRecord, 'suppressed' | 'suppressedList'>,
  written: Pick<BatchReport, 'suppressed' | 'suppressedList'>,
) =>
  stored.suppressed === written.suppressed &&
  JSON.stringify(stored.suppressedList ?? []) === JSON.stringify(written.suppressedList);

/** What the handler reads of the Lambda context. */
export type InvocationDeadline = Pick<Context, 'getRemainingTimeInMillis'>;

/**
 * Time kept back before the invocation's deadline: the chunk in progress (written, enqueued and
 * checkpointed, 500 rows) and the hand-over must fit in it, on a slow day too.
 */
export const STOP_MARGIN_MS = 60_000;
/** When an invocation stops taking new work: its budget, or its time less STOP_MARGIN_MS. */
function stopAtOf(deps: Pick<WriterDeps, 'now' | 'budgetMs'>, deadline: InvocationDeadline): number {
  const budgetMs = Math.min(
    deps.budgetMs ?? Number.POSITIVE_INFINITY,
    deadline.getRemainingTimeInMillis() - STOP_MARGIN_MS,
  );
  return deps.now() + Math.max(0, budgetMs);
}

/** The lease ends a little before the invocation does: a crashed writer's file is free soon after. */
const LEASE_MARGIN_MS = 5_000;

/**
 * The writer: one message of the write queue at a time (an S3 event of an uploaded file, or a
 * continuation), for the one file it names. It writes the file's sends a chunk at a time
 * (write-campaign.ts) until the file is done, or until its time is nearly up: then it stops at a chunk
 * boundary, gives up its lease and puts a continuation on the write queue. A failure other than a
 * refused file fails the message, which SQS hands out again (and the sweeper re-sends a continuation once
 * the lease has run out): the next invocation resumes from the checkpoint.
 */
export function createWriterHandler(deps: WriterDeps) {
  return async (event: SQSEvent, context: InvocationDeadline): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const job = batchJobOf(record.body);
        if (job) {
          await runBatchJob(job, deps.jobs, stopAtOf(deps, context));
          continue;
        }
        for (const request of writeRequestsOf(record.body)) await writeFile(deps, request, context);
      } catch (error) {
        logger.error('writing a file failed; it resumes from its checkpoint', {
          messageId: record.messageId,
          error: error instanceof Error ? error : String(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

async function writeFile(
  deps: WriterDeps,
  request: WriteRequest,
  deadline: InvocationDeadline,
): Promise<void> {
  const batchId = batchIdOfKey(request.key);
  if (batchId === undefined) {
    logger.warn('object is not a campaign upload; ignored', { key: request.key });
    return;
  }
  const remaining = deadline.getRemainingTimeInMillis();
  const stopAt = stopAtOf(deps, deadline);
  const now = deps.clock();
  // The batch's upload time: the record the upload API wrote before it answered, if it did.
  const existing = await deps.batches.getBatch(batchId);
  const createdAt = existing?.createdAt ?? now.toISOString();
  const expiresAtOf = (at: string) => Math.floor(Date.parse(at) / 1000) + deps.retentionSeconds;
  const claim = await deps.writers.claim(
    batchId,
    { bucket: request.bucket, key: request.key, createdAt },
    now,
    Math.max(1_000, remaining - LEASE_MARGIN_MS),
    expiresAtOf(createdAt),
  );
  if (claim.kind === 'busy' || claim.kind === 'finished') {
    logger.info('file taken or done already; message dropped', { batchId, state: claim.kind });
    return;
  }
  const { record } = claim;
  const control = await deps.controls.get(batchId, { consistent: true });
  if (control?.state === 'CANCELLED') {
    // Nothing more of a cancelled batch is written: what is written is ended by the cancel job.
    await deps.writers.finish(batchId, record.leaseUntil ?? 0, deps.clock(), { state: 'READY' });
    logger.info('batch cancelled; its file is not written further', { batchId });
    return;
  }
  if (control?.state === 'SCHEDULED') {
    // Nothing is written before the batch's time: its schedule's start job (batch-jobs.ts) brings the
    // writer back, so that the sends are written, checked against the suppression list and queued then.
    await deps.writers.release(batchId, record.leaseUntil ?? 0, deps.clock(), true);
    logger.info('batch scheduled; its file waits for its start', { batchId, sendAt: control.sendAt });
    return;
  }
  // The upload time is the one the writer state keeps: a large file has no batch record before its first
  // chunk, so a run that continues before then finds none and must not date the batch's items anew.
  const expiresAt = expiresAtOf(record.createdAt);
  const lease = record.leaseUntil ?? 0;
  try {
    const file = await deps.files.open(request.key, request.bucket);
    if (file === undefined) {
      if (awaitingFile(record, deps.clock())) {
        // A large file whose URL is still good: not here yet. S3's event brings the writer back.
        await deps.writers.release(batchId, lease, deps.clock(), true);
        logger.info('file not uploaded yet; waiting for its event', { batchId });
        return;
      }
      // Never PUT before its URL expired, deleted, or kept past its retention: no retry brings it back.
      await deps.writers.finish(batchId, lease, deps.clock(), {
        state: 'FAILED',
        error:
          'no file is in the bucket for this batch: it was not uploaded before its URL expired, or it was deleted, or kept past its retention',
        problem: 'FILE_NOT_FOUND',
      });
      logger.warn('file refused: not found', { batchId, key: request.key });
      return;
    }
    // The URL was signed for a size within the limit, so S3 stores no larger file through it; this holds
    // the limit wherever that did not apply (s3rver checks no signatures, an object put by other means).
    if (file.size > deps.maxFileBytes) {
      file.body.destroy();
      await deps.writers.finish(batchId, lease, deps.clock(), {
        state: 'FAILED',
        error: `the uploaded file is ${file.size} bytes; the largest file taken is ${deps.maxFileBytes} bytes`,
        problem: 'FILE_TOO_LARGE',
      });
      logger.warn('file refused: too large', { batchId, size: file.size, maxBytes: deps.maxFileBytes });
      return;
    }
    let batchWritten = existing !== undefined;
    const queue = deps.jobs.sendQueueFor(control?.priority ?? 'normal');
    const outcome = await writeCampaign(
      readCampaign(file.body),
      { ...deps, queue },
      {
        batchId,
        createdAt: record.createdAt,
        dryRun: file.dryRun,
        expiresAt,
        chunksDone: record.chunksDone,
        rowsWritten: record.rowsWritten,
        rowsSuppressed: record.rowsSuppressed ?? 0,
        suppressedListed: record.suppressedListed ?? 0,
        resumingAfterCrash: claim.kind === 'resumed' && !claim.cleanStop,
        timeToStop: () => deps.now() >= stopAt,
        checkpoint: async (progress) => {
          // A large file's batch comes into being with its first chunk: a file refused as a whole makes none.
          if (!batchWritten) {
            await deps.batches.createBatch(
              {
                batchId,
                createdAt: record.createdAt,
                ...(file.fileName ? { fileName: file.fileName } : {}),
                ...(file.dryRun ? { dryRun: true } : {}),
              },
              expiresAt,
            );
            batchWritten = true;
          }
          return deps.writers.checkpoint(batchId, lease, progress, deps.clock());
        },
        listSuppressed: (chunk, rows) => deps.writers.listSuppressed(batchId, chunk, rows, expiresAt),
        suppressedList: () => deps.writers.suppressedListOf(batchId),
      },
    );
    switch (outcome.kind) {
      case 'stopped': {
        file.body.destroy();
        // Released first: a continuation that arrived while the lease was held would find the file busy.
        await deps.writers.release(batchId, lease, deps.clock(), true);
        await deps.writeQueue.continueWriting({ batchId, bucket: request.bucket, key: request.key });
        logger.info('writer handed over to a continuation', { batchId, ...outcome.progress });
        return;
      }
      case 'lease-lost':
        file.body.destroy();
        logger.warn('writer lost its lease; another invocation goes on', { batchId, ...outcome.progress });
        return;
      case 'finished': {
        const { report } = outcome;
        if (existing?.received === undefined) {
          await deps.batches.setReport(batchId, storedReportOf(report));
          addRowMetrics(report);
        } else if (!sameSuppressed(existing, storedReportOf(report))) {
          // A direct upload whose addresses the list changed for since its answer: the batch's report
          // says what the writer did (received = accepted + duplicates + invalid + suppressed still).
          await deps.batches.setReport(batchId, storedReportOf(report));
          logger.info('report updated: the suppression list changed since the upload', {
            batchId,
            suppressedAtUpload: existing.suppressed ?? 0,
            suppressed: report.suppressed,
          });
        }
        await deps.writers.finish(batchId, lease, deps.clock(), { state: 'READY' });
        logger.info('batch written', { batchId, runs: record.runs, ...outcome.progress });
        return;
      }
    }
  } catch (error) {
    if (error instanceof CampaignFileError) {
      await deps.writers.finish(batchId, lease, deps.clock(), {
        state: 'FAILED',
        error: error.message,
        problem: error.problem,
      });
      logger.warn('file refused', { batchId, problem: error.problem });
      return;
    }
    if (error instanceof NothingAcceptedError) {
      // No send was created; the batch still records why, so that a query for it explains the file.
      const { report } = error;
      if (!existing) {
        await deps.batches.createBatch(
          {
            batchId,
            createdAt: record.createdAt,
            ...storedReportOf(report),
            ...(report.dryRun ? { dryRun: true } : {}),
          },
          expiresAt,
        );
        addRowMetrics(report);
      }
      await deps.writers.finish(batchId, lease, deps.clock(), {
        state: 'FAILED',
        error: 'no row of the file can be sent; nothing was queued',
        problem: 'NOTHING_ACCEPTED',
      });
      return;
    }
    await deps.writers.release(batchId, lease, deps.clock(), false).catch((releaseError: unknown) => {
      logger.error('could not release the writer lease; it runs out by itself', {
        batchId,
        error: releaseError instanceof Error ? releaseError : String(releaseError),
      });
    });
    throw error;
  }
}
