import { SEND_QUEUE } from '../contract/queue-settings.js';
import type { SweeperConfig } from '../core/config/function-config.js';
import { RETRIES_EXHAUSTED } from '../core/domain/retries-exhausted.js';
import { refOf, type SendRecord } from '../core/domain/send-record.js';
import type { SendPriority, SendQueue } from '../core/queue/send-queue.js';
import type { WriteQueue } from '../core/queue/write-queue.js';
import type { BatchControl, BatchControlStore } from '../core/store/batch-control-store.js';
import { type BatchReconciler, countsOf } from '../core/store/batch-progress.js';
import type { CountedSends } from '../core/store/counted-sends.js';
import { type CounterStore, noCounters } from '../core/store/counter-store.js';
import type { SendReader } from '../core/store/send-reader.js';
import type { SendStore } from '../core/store/send-store.js';
import { awaitingFile, type WriterRecord, type WriterStore } from '../core/store/writer-store.js';

export interface SweepDeps {
  writers: Pick<WriterStore, 'listOpen' | 'getMany' | 'markSendingFinished' | 'forceRelease'>;
  counters: Pick<CounterStore, 'readMany'>;
  reconciler: Pick<BatchReconciler, 'reconcile'>;
  reader: Pick<SendReader, 'openSends'>;
  sends: Pick<CountedSends, 'markError'>;
  requeued: Pick<SendStore, 'markRequeued'>;
  /** The send queue of each priority: a lost send goes back on its batch's. */
  sendQueueFor: (priority: SendPriority) => Pick<SendQueue, 'enqueue'>;
  writeQueue: Pick<WriteQueue, 'continueWriting' | 'runJob'>;
  /** The batches' states: a scheduled batch's writer waits for its time, a paused batch's sends for its resume. */
  controls: Pick<BatchControlStore, 'get'>;
  clock: () => Date;
}

export type SweepSettings = Pick<
  SweeperConfig,
  'stalledAfterSeconds' | 'maxAttempts' | 'maxPerRun' | 'retentionSeconds'
>;

export interface SweepResult {
  /** Writers that had stopped without a continuation (a crash), sent one. */
  continued: number;
  /** Batches found finished (reconciled, then marked). */
  finished: number;
  /** Batches whose counters were corrected. */
  corrected: number;
  /** Open sends whose messages were gone, put back on the queue. */
  requeued: number;
  /** Sends given up as ERROR "retries exhausted" instead of being put back once more. */
  exhausted: number;
  /** Scheduled batches whose time had passed without their schedule's start: started. */
  started: number;
}

const noneSwept = (): SweepResult => ({
  continued: 0,
  finished: 0,
  corrected: 0,
  requeued: 0,
  exhausted: 0,
  started: 0,
});

/**
 * A scheduled batch whose start has not come this long after its sendAt lost its schedule's trigger
 * (a Scheduler delivery given up, the local runner restarted): the sweeper starts it.
 */
const START_OVERDUE_MS = 60_000;

/** Starts a scheduled batch whose start is overdue (its schedule did not deliver it). */
async function startIfOverdue(
  batchId: string,
  control: BatchControl,
  deps: Pick<SweepDeps, 'writeQueue' | 'clock'>,
  result: SweepResult,
): Promise<void> {
  if (control.sendAt === undefined || Date.parse(control.sendAt) >= deps.clock().getTime() - START_OVERDUE_MS)
    return;
  await deps.writeQueue.runJob({ kind: 'start', batchId });
  result.started += 1;
}

/** A writer whose lease ran out this long ago without a word was not followed by a continuation. */
const WRITER_SILENT_MS = 5 * 60_000;
/** A batch with at most this many open sends and quiet counters may only lag: it is reconciled. */
const STALLED_OPEN_LIMIT = 100;
/**
 * A send's message is gone when it is older than the queue's retention: the sweeper puts open sends
 * back one day before that, and again one retention after (a harmless duplicate at worst: a claim
 * lets one delivery through).
 */
const MESSAGE_LIFETIME_MS = (SEND_QUEUE.retentionSeconds - 86_400) * 1000;

/**
 * Looks after the unfinished batches (batch_index's OPEN_BATCHES partition, never the sends at large):
 * - a writer that stopped without a continuation (crashed, timed out) gets one, once its lease is out;
 * - a written batch whose counters say it is done, or that has few sends left and quiet counters, is
 *   reconciled against its sends; when nothing is open any more it is marked finished;
 * - the open sends of a batch older than the queue's retention (14 days) are put back on the queue: their
 *   messages expired. A send that merely waits behind a long backlog is never put back before that.
 */
export async function sweepBatches(deps: SweepDeps, settings: SweepSettings): Promise<SweepResult> {
  const result = noneSwept();
  const open = await deps.writers.listOpen();
  const ids = open.map((b) => b.batchId);
  const [writers, counters] = await Promise.all([deps.writers.getMany(ids), deps.counters.readMany(ids)]);
  for (const { batchId } of open) {
    const writer = writers.get(batchId);
    if (!writer) continue;
    const now = deps.clock();
    if (writer.state === 'WRITING') {
      // A scheduled batch's writer is silent by design until its start; one whose start is overdue is started.
      const control = await deps.controls.get(batchId);
      if (control?.state === 'SCHEDULED') {
        await startIfOverdue(batchId, control, deps, result);
        continue;
      }
      // A large file is silent only once its upload URL has expired: until then it may still come.
      const lastSign = Math.max(Date.parse(writer.updatedAt), writer.fileDueBy ?? 0);
      if ((writer.leaseUntil ?? 0) < now.getTime() && lastSign < now.getTime() - WRITER_SILENT_MS) {
        await deps.writeQueue.continueWriting({ batchId, bucket: writer.bucket, key: writer.key });
        result.continued += 1;
      }
      continue;
    }
    if (writer.state !== 'READY') continue;
    const batchCounters = counters.get(batchId) ?? noCounters();
    const counts = countsOf(writer.rowsWritten, batchCounters);
    const openSends = counts.QUEUED + counts.SENDING;
    const lastChange = Date.parse(batchCounters.lastChangeAt ?? writer.finishedAt ?? writer.updatedAt);
    const quiet = lastChange < now.getTime() - settings.stalledAfterSeconds * 1000;
    if (openSends <= 0 || (openSends <= STALLED_OPEN_LIMIT && quiet)) {
      const {
        counts: exact,
        correction,
        settled,
      } = await deps.reconciler.reconcile(batchId, now, expiresAtOf(writer, settings));
      if (Object.values(correction).some((delta) => delta !== 0)) result.corrected += 1;
      // Unsettled: its sends moved while they were counted (a quiet batch resumed or cancelled); next time.
      if (settled && exact.QUEUED + exact.SENDING === 0) {
        await deps.writers.markSendingFinished(batchId, batchCounters.lastChangeAt ?? now.toISOString());
        result.finished += 1;
        continue;
      }
    }
    if (
      Date.parse(writer.createdAt) < now.getTime() - MESSAGE_LIFETIME_MS &&
      result.requeued < settings.maxPerRun
    ) {
      const control = await deps.controls.get(batchId);
      await putBack(deps, settings, { batchId, control }, result, (send) => {
        const last = Date.parse(send.requeuedAt ?? send.createdAt);
        return last < now.getTime() - MESSAGE_LIFETIME_MS;
      });
    }
  }
  return result;
}

/**
 * After the queue lost its messages (the local runner's in-memory queue on a restart, an operator's
 * purge): every open send of every unfinished batch goes back on the queue, and every unfinished writer
 * is freed and continued. Nothing is running while this runs, so leases held by the dead are freed.
 */
export async function recoverAll(deps: SweepDeps, settings: SweepSettings): Promise<SweepResult> {
  const result = noneSwept();
  const open = await deps.writers.listOpen();
  const writers = await deps.writers.getMany(open.map((b) => b.batchId));
  for (const { batchId } of open) {
    const writer = writers.get(batchId);
    if (!writer) continue;
    const control = await deps.controls.get(batchId);
    if (control?.state === 'SCHEDULED') {
      // Nothing of it is written yet; its start (the schedule's, lost with the runner, or this) writes it.
      await startIfOverdue(batchId, control, deps, result);
      continue;
    }
    if (control?.state === 'CANCELLED') {
      // Its cancel job may have been lost with the queue: run it again (a no-op for sends already ended).
      await deps.writeQueue.runJob({ kind: 'cancel', batchId });
      continue;
    }
    if (writer.state === 'WRITING') {
      // A large file not due yet may still be PUT: its event will come (S3 keeps the bucket's events).
      if (awaitingFile(writer, deps.clock())) continue;
      await deps.writers.forceRelease(batchId, deps.clock());
      await deps.writeQueue.continueWriting({ batchId, bucket: writer.bucket, key: writer.key });
      result.continued += 1;
    }
    // A paused batch's sends wait for its resume, which puts them back itself.
    if (control?.state === 'PAUSED') continue;
    // A writing batch has open sends of its finished chunks too.
    await putBack(
      deps,
      { ...settings, maxPerRun: Number.POSITIVE_INFINITY },
      { batchId, control },
      result,
      () => true,
    );
  }
  return result;
}

async function putBack(
  deps: SweepDeps,
  settings: SweepSettings,
  batch: { batchId: string; control: BatchControl | undefined },
  result: SweepResult,
  due: (send: SendRecord & { requeuedAt?: string }) => boolean,
): Promise<void> {
  const now = deps.clock();
  const { batchId } = batch;
  const queue = deps.sendQueueFor(batch.control?.priority ?? 'normal');
  for await (const send of deps.reader.openSends(batchId)) {
    if (result.requeued >= settings.maxPerRun) return;
    if (!due(send)) continue;
    const ref = refOf(send);
    if (send.attempts >= settings.maxAttempts) {
      if (await deps.sends.markError(ref, RETRIES_EXHAUSTED, now)) result.exhausted += 1;
      continue;
    }
    // A send claimed by an invocation that died is claimable again once its lease is out: not before.
    const leaseLeft = send.status === 'SENDING' ? Math.max(0, (send.leaseUntil ?? 0) - now.getTime()) : 0;
    await queue.enqueue(
      [ref],
      leaseLeft > 0 ? { delaySeconds: Math.min(900, Math.ceil(leaseLeft / 1000) + 1) } : {},
    );
    await deps.requeued.markRequeued(ref, now);
    result.requeued += 1;
  }
}

const expiresAtOf = (writer: WriterRecord, settings: SweepSettings) =>
  Math.floor(Date.parse(writer.createdAt) / 1000) + settings.retentionSeconds;
