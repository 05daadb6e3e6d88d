import type { CampaignEntry } from '../domain/campaign-reader.js';
import { ChunkCutter, type CutRow, rowChunkOf } from '../domain/row-chunk.js';
import { sendIdFor } from '../domain/send-id.js';
import { keptSubject, type SendRecord, type SendRef } from '../domain/send-record.js';
import type { RowChunks } from '../files/row-chunks.js';
import type { SendQueue } from '../queue/send-queue.js';
import type { SendStore } from '../store/send-store.js';
import { type IngestReport, ReportBuilder } from './ingest-report.js';

/** Where a batch's writing stands: its last checkpoint. */
export interface WriteProgress {
  /** Chunks written, enqueued and checkpointed; the next one to write is `chunksDone`. */
  chunksDone: number;
  rowsWritten: number;
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
}

export type WriteOutcome =
  | { kind: 'finished'; report: IngestReport; progress: WriteProgress }
  /** Stopped at a chunk boundary: a continuation writes from `progress.chunksDone`. */
  | { kind: 'stopped'; progress: WriteProgress }
  /** Another invocation took the batch over: this one wrote nothing more. */
  | { kind: 'lease-lost'; progress: WriteProgress };

export interface WriteDeps {
  sends: Pick<SendStore, 'putNewSends' | 'putSendsIfAbsent'>;
  chunks: Pick<RowChunks, 'put'>;
  queue: Pick<SendQueue, 'enqueue'>;
  clock: () => Date;
  /** Rows per chunk (a chunk also ends at 4 MB of rows). */
  chunkRows: number;
}

/**
 * The writer's work on one file: reads every entry (the dedupe and the report need them all, from the
 * first row on every run), cuts the accepted rows into chunks, and for each chunk after the checkpoint
 * writes the chunk's rows (S3), one QUEUED send per row (DynamoDB) and one message per send (SQS), then
 * the checkpoint. Chunks are cut the same way every time (row-chunk.ts), so a continuation skips exactly
 * the chunks done. Throws CampaignFileError for a file refused as a whole, NothingAcceptedError when no
 * row can be sent.
 */
export async function writeCampaign(
  entries: AsyncIterable<CampaignEntry>,
  deps: WriteDeps,
  job: WriteJob,
): Promise<WriteOutcome> {
  const builder = new ReportBuilder(job.batchId, job.dryRun);
  const cutter = new ChunkCutter(deps.chunkRows);
  const progress: WriteProgress = { chunksDone: job.chunksDone, rowsWritten: job.rowsWritten };
  let chunkIndex = 0;
  let writtenThisRun = 0;
  let dirty = job.resumingAfterCrash;

  /** Writes one chunk unless it is done; 'stop' or 'lost' when the writing must end here. */
  const writeChunk = async (rows: CutRow[] | undefined): Promise<'written' | 'skipped' | 'stop' | 'lost'> => {
    const index = chunkIndex++;
    if (!rows || index < progress.chunksDone) return 'skipped';
    // Every invocation writes at least one chunk, so that however small the budget, the file advances.
    if (writtenThisRun > 0 && job.timeToStop()) return 'stop';
    await deps.chunks.put(rowChunkOf(job.batchId, index, rows));
    const records: SendRecord[] = rows.map(({ sendId, row }) => ({
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
    if (dirty) await deps.sends.putSendsIfAbsent(records, job.expiresAt);
    else await deps.sends.putNewSends(records, job.expiresAt);
    dirty = false;
    const refs: SendRef[] = records.map(({ sendId }) => ({
      sendId,
      createdAt: job.createdAt,
      batchId: job.batchId,
      chunk: index,
    }));
    await deps.queue.enqueue(refs);
    const next = { chunksDone: index + 1, rowsWritten: progress.rowsWritten + records.length };
    if (!(await job.checkpoint(next))) return 'lost';
    Object.assign(progress, next);
    writtenThisRun += 1;
    return 'written';
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
  const report = builder.finish();
  const step = await writeChunk(cutter.rest());
  if (step === 'stop') return { kind: 'stopped', progress };
  if (step === 'lost') return { kind: 'lease-lost', progress };
  return { kind: 'finished', report, progress };
}
