import type { CampaignEntry } from '../domain/campaign-reader.js';
import { ChunkCutter, type CutRow, rowChunkOf } from '../domain/row-chunk.js';
import { sendIdFor } from '../domain/send-id.js';
import { keptSubject, type SendRecord, type SendRef } from '../domain/send-record.js';
import type { RowChunks } from '../files/row-chunks.js';
import type { SendQueue } from '../queue/send-queue.js';
import type { SuppressedRow } from '../store/batch-store.js';
import type { SendStore } from '../store/send-store.js';
import type { SuppressionStore } from '../store/suppression-store.js';
import { type IngestReport, ReportBuilder, STORED_LIST_LIMIT } from './ingest-report.js';
import { suppressedAmong } from './suppressed-rows.js';

/** Where a batch's writing stands: its last checkpoint. */
export interface WriteProgress {
  /** Chunks written, enqueued and checkpointed; the next one to write is `chunksDone`. */
  chunksDone: number;
  rowsWritten: number;
  /** Accepted rows of those chunks left out as suppressed: no send, no message. */
  rowsSuppressed: number;
  /** How many of them are listed (listSuppressed), at most the batch record's list. */
  suppressedListed: number;
}

export interface WriteJob extends WriteProgress {
  batchId: string;
  /** The batch's upload time: every send's createdAt. */
  createdAt: string;
  dryRun: boolean;
  /** When the batch's items expire (epoch seconds, DynamoDB TTL). */
  expiresAt: number;
  /**
   * The chunk after the checkpoint may be written in part already (an invocation crashed or ran out of
   * time in it): its sends are then written only where they do not exist, and the chunk is enqueued
   * again whole (a second message for a send is refused by the claim of the first).
   */
  resumingAfterCrash: boolean;
  /**
   * Asked before each chunk not done yet but the first of the invocation: true to stop there and hand
   * over to a continuation.
   */
  timeToStop: () => boolean;
  /** Records a chunk as done; false when the writer lost its lease (it must stop writing at once). */
  checkpoint: (progress: WriteProgress) => Promise<boolean>;
  /** Lists the suppressed rows of a chunk (replacing what an earlier attempt at it listed), before its checkpoint. */
  listSuppressed: (chunk: number, rows: SuppressedRow[]) => Promise<void>;
  /** Every suppressed row the chunks listed, in file order (read once, at the end). */
  suppressedList: () => Promise<SuppressedRow[]>;
}

export type WriteOutcome =
  | { kind: 'finished'; report: IngestReport; progress: WriteProgress }
  /** Stopped at a chunk boundary: a continuation writes from `progress.chunksDone`. */
  | { kind: 'stopped'; progress: WriteProgress }
  /** Another invocation took the batch over: this one wrote nothing more. */
  | { kind: 'lease-lost'; progress: WriteProgress };

export interface WriteDeps {
  sends: Pick<SendStore, 'putNewSends' | 'putSendsIfAbsent' | 'getSends'>;
  /** Each chunk's addresses are looked up on it: a suppressed one gets no send. */
  suppressions: Pick<SuppressionStore, 'findMany'>;
  chunks: Pick<RowChunks, 'put'>;
  queue: Pick<SendQueue, 'enqueue'>;
  clock: () => Date;
  /** Rows per chunk (a chunk also ends at 4 MB of rows). */
  chunkRows: number;
}

/**
 * The writer's work on one file: reads every entry (the dedupe and the report need them all, from the
 * first row on every run), cuts the accepted rows into chunks, and for each chunk after the checkpoint
 * writes the chunk's rows (S3), looks its addresses up on the suppression list, writes one QUEUED send per
 * row not suppressed (DynamoDB) and one message per send (SQS), lists the suppressed rows, then the
 * checkpoint. Chunks are cut the same way every time (row-chunk.ts), from the accepted rows whatever the
 * list says (it changes between runs), so a continuation skips exactly the chunks done; the suppressed
 * rows are counted in the checkpoint, as the sends are, so a resumed chunk never counts twice. Throws
 * CampaignFileError for a file refused as a whole, NothingAcceptedError when no row can be sent.
 */
export async function writeCampaign(
  entries: AsyncIterable<CampaignEntry>,
  deps: WriteDeps,
  job: WriteJob,
): Promise<WriteOutcome> {
  const builder = new ReportBuilder(job.batchId, job.dryRun);
  const cutter = new ChunkCutter(deps.chunkRows);
  const progress: WriteProgress = {
    chunksDone: job.chunksDone,
    rowsWritten: job.rowsWritten,
    rowsSuppressed: job.rowsSuppressed,
    suppressedListed: job.suppressedListed,
  };
  let chunkIndex = 0;
  let writtenThisRun = 0;
  let dirty = job.resumingAfterCrash;

  /** Writes one chunk unless it is done; 'stop' or 'lost' when the writing must end here. */
  const writeChunk = async (rows: CutRow[] | undefined): Promise<'written' | 'skipped' | 'stop' | 'lost'> => {
    const index = chunkIndex++;
    if (!rows || index < progress.chunksDone) return 'skipped';
    // Every invocation writes at least one chunk, so that however small the budget, the file advances.
    if (writtenThisRun > 0 && job.timeToStop()) return 'stop';
    // Every accepted row stays in the chunk, suppressed or not: the chunk is the same on every run.
    await deps.chunks.put(rowChunkOf(job.batchId, index, rows));
    const resumed = dirty;
    const suppressed = await suppressedOf(rows, resumed);
    const left = new Set(suppressed.map((row) => row.line));
    const records: SendRecord[] = rows
      .filter(({ line }) => !left.has(line))
      .map(({ sendId, row }) => ({
        sendId,
        batchId: job.batchId,
        email: row.email,
        ...keptSubject(row.subject),
        chunk: index,
        status: 'QUEUED',
        createdAt: job.createdAt,
        updatedAt: job.createdAt,
        attempts: 0,
        ...(job.dryRun ? { dryRun: true } : {}),
      }));
    if (resumed) await deps.sends.putSendsIfAbsent(records, job.expiresAt);
    else await deps.sends.putNewSends(records, job.expiresAt);
    dirty = false;
    const refs: SendRef[] = records.map(({ sendId }) => ({
      sendId,
      createdAt: job.createdAt,
      batchId: job.batchId,
      chunk: index,
    }));
    await deps.queue.enqueue(refs);
    const listed = suppressed.slice(0, Math.max(0, STORED_LIST_LIMIT - progress.suppressedListed));
    // A resumed chunk lists again even none: what an earlier attempt listed must not stand beside it.
    if (listed.length > 0 || resumed) await job.listSuppressed(index, listed);
    const next: WriteProgress = {
      chunksDone: index + 1,
      rowsWritten: progress.rowsWritten + records.length,
      rowsSuppressed: progress.rowsSuppressed + suppressed.length,
      suppressedListed: progress.suppressedListed + listed.length,
    };
    if (!(await job.checkpoint(next))) return 'lost';
    Object.assign(progress, next);
    writtenThisRun += 1;
    return 'written';
  };

  /**
   * The rows of a chunk whose address is suppressed now. A chunk resumed after a crash may have sends
   * already: one that exists stands (it was written, and maybe queued, while its address was not
   * suppressed; the sender checks the list again before mailing), so it is counted as written.
   */
  const suppressedOf = async (rows: CutRow[], resumed: boolean): Promise<SuppressedRow[]> => {
    const found = await suppressedAmong(
      rows.map(({ line, row }) => ({ line, email: row.email })),
      deps.suppressions,
    );
    if (!resumed || found.length === 0) return found;
    const lines = new Set(found.map(({ line }) => line));
    const candidates = rows.filter(({ line }) => lines.has(line));
    const written = new Set(
      (await deps.sends.getSends(candidates.map(({ sendId }) => sendId))).map((send) => send.sendId),
    );
    const writtenLines = new Set(
      candidates.filter(({ sendId }) => written.has(sendId)).map(({ line }) => line),
    );
    return found.filter(({ line }) => !writtenLines.has(line));
  };

  for await (const entry of entries) {
    const accepted = builder.add(entry);
    if (!accepted) continue;
    const full = cutter.add(sendIdFor(job.batchId, accepted.row.email), accepted.line, accepted.row);
    if (!full) continue;
    const step = await writeChunk(full);
    if (step === 'stop') return { kind: 'stopped', progress };
    if (step === 'lost') return { kind: 'lease-lost', progress };
  }
  builder.finish();
  const step = await writeChunk(cutter.rest());
  if (step === 'stop') return { kind: 'stopped', progress };
  if (step === 'lost') return { kind: 'lease-lost', progress };
  // The rows every run left out, as their checkpoints counted them.
  const listed = progress.suppressedListed > 0 ? await job.suppressedList() : [];
  builder.suppressedByWriter(progress.rowsSuppressed, listed);
  return { kind: 'finished', report: builder.report, progress };
}
