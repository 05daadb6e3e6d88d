import type { Campaign } from '../contract/api-schemas.js';
import { ratesOf } from '../core/domain/batch-rates.js';
import { shownState } from '../core/domain/batch-state.js';
import { countsView } from '../core/domain/counts-view.js';
import type { BatchControl } from '../core/store/batch-control-store.js';
import type { BatchProgress } from '../core/store/batch-progress.js';
import type { BatchRecord } from '../core/store/batch-store.js';

/**
 * The batch's state as marketers control it: its control item, or, for a batch uploaded before batches
 * had one, SENDING since its upload.
 */
export function sendingOf(
  control: BatchControl | undefined,
  finished: boolean,
  createdAt: string,
): Campaign['sending'] {
  if (!control)
    return {
      state: finished ? 'FINISHED' : 'SENDING',
      priority: 'normal',
      changes: [{ state: 'SENDING', at: createdAt, by: 'request' }],
    };
  return {
    state: shownState(control.state, finished),
    ...(control.sendAt === undefined ? {} : { sendAt: control.sendAt }),
    ...(control.maxRate === undefined ? {} : { maxRate: control.maxRate }),
    priority: control.priority ?? 'normal',
    changes: control.changes,
  };
}

/** The problem code of a FAILED writer record written without one. */
const DEFAULT_PROBLEM = 'FILE_REFUSED';

/**
 * A batch as GET /campaigns/{batchId} shows it, from its record (undefined while the writer has not yet
 * created a large file's) and its progress; undefined when neither exists: no such batch.
 */
export function campaignOf(
  batchId: string,
  batch: BatchRecord | undefined,
  progress: BatchProgress,
  control: BatchControl | undefined,
): Campaign | undefined {
  const { writer, counts } = progress;
  const rates = ratesOf(counts);
  const createdAt = batch?.createdAt ?? writer?.createdAt;
  if (createdAt === undefined) return undefined;
  const report =
    batch?.accepted === undefined ||
    batch.received === undefined ||
    batch.duplicates === undefined ||
    batch.invalid === undefined ||
    batch.encoding === undefined
      ? undefined
      : {
          received: batch.received,
          accepted: batch.accepted,
          duplicates: batch.duplicates,
          invalid: batch.invalid,
          // Batches uploaded before the suppression list existed had none.
          suppressed: batch.suppressed ?? 0,
          encoding: batch.encoding,
          errors: batch.errors ?? [],
          duplicatesList: batch.duplicatesList ?? [],
          suppressedList: batch.suppressedList ?? [],
          truncated: batch.truncated ?? false,
        };
  return {
    batchId,
    createdAt,
    ...(batch?.fileName === undefined ? {} : { fileName: batch.fileName }),
    dryRun: batch?.dryRun ?? false,
    writer: writer
      ? {
          state: writer.state,
          rowsWritten: writer.rowsWritten,
          runs: writer.runs,
          updatedAt: writer.updatedAt,
          ...(writer.finishedAt === undefined ? {} : { finishedAt: writer.finishedAt }),
          ...(writer.state === 'FAILED' && writer.error !== undefined
            ? { error: { message: writer.error, problem: writer.problem ?? DEFAULT_PROBLEM } }
            : {}),
        }
      : null,
    counts: { ...countsView(counts), unsubscribed: progress.unsubscribed },
    bounceRate: rates.bounceRate ?? null,
    complaintRate: rates.complaintRate ?? null,
    total: report?.accepted ?? writer?.rowsWritten ?? 0,
    finished: progress.finished,
    ...(progress.finishedAt === undefined ? {} : { finishedAt: progress.finishedAt }),
    ...(report === undefined ? {} : { report }),
    sending: sendingOf(control, progress.finished, createdAt),
  };
}
