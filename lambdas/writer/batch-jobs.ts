import { runBounded } from '../core/async/run-bounded.js';
import { refOf, type SendRecord } from '../core/domain/send-record.js';
import { logger } from '../core/observability/logger.js';
import type { SendPriority, SendQueue } from '../core/queue/send-queue.js';
import type { BatchJob, WriteQueue } from '../core/queue/write-queue.js';
import type { BatchControl, BatchControlStore } from '../core/store/batch-control-store.js';
import type { CountedSends } from '../core/store/counted-sends.js';
import { createdKeyOf } from '../core/store/item-keys.js';
import type { SendReader } from '../core/store/send-reader.js';
import type { WriterStore } from '../core/store/writer-store.js';

export interface BatchJobDeps {
  reader: Pick<SendReader, 'openSends'>;
  sends: Pick<CountedSends, 'markCancelled'>;
  /** The queue of the batch's sends, by its priority. */
  sendQueueFor: (priority: SendPriority) => Pick<SendQueue, 'enqueue'>;
  writeQueue: Pick<WriteQueue, 'runJob' | 'continueWriting'>;
  controls: Pick<BatchControlStore, 'get' | 'apply'>;
  writers: Pick<WriterStore, 'get'>;
  clock: () => Date;
  /** Wall-clock milliseconds, for the invocation's budget. */
  now: () => number;
}

/** Open sends read, queued or cancelled per step; the job checks its time between steps. */
const STEP = 100;
/** Sends cancelled at once. */
const CANCEL_CONCURRENCY = 8;

/**
 * Runs one batch job (write-queue.ts) until it is done or `stopAt` comes; then it puts its continuation on
 * the write queue, from the last send it got to. A job checks the batch's state first and does nothing
 * when the state has moved on (a release of a batch paused again, a cancel of a batch that was not
 * cancelled). Every step may be repeated (a crash, a redelivered message): a send put on the queue twice
 * is claimed once, a cancelled send is not cancelled again.
 */
export async function runBatchJob(job: BatchJob, deps: BatchJobDeps, stopAt: number): Promise<void> {
  const control = await deps.controls.get(job.batchId, { consistent: true });
  if (!control) {
    logger.warn('batch job for a batch without control state; dropped', {
      batchId: job.batchId,
      kind: job.kind,
    });
    return;
  }
  if (job.kind === 'start') {
    await startScheduled(job.batchId, control, deps);
    return;
  }
  const wanted = job.kind === 'release' ? 'SENDING' : 'CANCELLED';
  if (control.state !== wanted) {
    logger.info('batch job no longer wanted; dropped', {
      batchId: job.batchId,
      kind: job.kind,
      state: control.state,
    });
    return;
  }
  const queue = deps.sendQueueFor(control.priority ?? 'normal');
  let step: SendRecord[] = [];
  let done = 0;
  const flush = async () => {
    if (job.kind === 'release') await queue.enqueue(step.map(refOf));
    else
      await runBounded(step, CANCEL_CONCURRENCY, (send) =>
        deps.sends.markCancelled(refOf(send), deps.clock()),
      );
    done += step.length;
  };
  for await (const send of deps.reader.openSends(job.batchId, job.after)) {
    step.push(send);
    if (step.length < STEP) continue;
    await flush();
    const last = step.at(-1) as SendRecord;
    step = [];
    if (deps.now() >= stopAt) {
      await deps.writeQueue.runJob({ ...job, after: createdKeyOf(last.createdAt, last.sendId) });
      logger.info('batch job continues', { batchId: job.batchId, kind: job.kind, done });
      return;
    }
  }
  if (step.length > 0) await flush();
  logger.info('batch job done', { batchId: job.batchId, kind: job.kind, done });
}

/**
 * A scheduled batch's time has come: SCHEDULED → SENDING (by its schedule), then its file is written as a
 * continuation of the writer, which queued nothing while the batch was scheduled. A batch cancelled or
 * rescheduled meanwhile is left as it is (a rescheduled one has a new schedule of its own).
 */
async function startScheduled(batchId: string, control: BatchControl, deps: BatchJobDeps): Promise<void> {
  const now = deps.clock();
  if (control.state === 'SCHEDULED') {
    // A schedule moved later fires no earlier: its old trigger, if it still comes, finds it not due.
    if (control.sendAt !== undefined && Date.parse(control.sendAt) > now.getTime()) {
      logger.info('scheduled batch not due yet; start dropped', { batchId, sendAt: control.sendAt });
      return;
    }
    const result = await deps.controls.apply(batchId, 'start', now, 'schedule');
    if (result.kind !== 'changed') return;
  } else if (control.state !== 'SENDING') {
    logger.info('batch not scheduled; start dropped', { batchId, state: control.state });
    return;
  }
  const writer = await deps.writers.get(batchId);
  if (writer?.state !== 'WRITING') return;
  await deps.writeQueue.continueWriting({ batchId, bucket: writer.bucket, key: writer.key });
}
