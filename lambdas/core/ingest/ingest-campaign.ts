import { CampaignFileError } from '../domain/campaign-file-error.js';
import type { CampaignEntry } from '../domain/campaign-reader.js';
import type { CampaignRow } from '../domain/campaign-row.js';
import { contentIdFor, sendIdFor } from '../domain/send-id.js';
import type { SendRecord, SendRef } from '../domain/send-record.js';
import type { SendQueue } from '../queue/send-queue.js';
import type { BatchStore } from '../store/batch-store.js';
import type { ContentStore } from '../store/content-store.js';
import type { SendStore } from '../store/send-store.js';
import {
  batchRecordOf,
  type IngestReport,
  NothingAcceptedError,
  REPORT_LIST_LIMIT,
} from './ingest-report.js';

/**
 * How the sends of a batch are written, which the caller knows and says:
 * - `new`: nobody wrote this batch before (a new batch id); every send is written and enqueued.
 * - `resume`: an earlier attempt with this batch id may have written part of it and stopped (a crash,
 *   then a retry of the same Idempotency-Key or Lambda's retry of the same S3 event). Only the sends
 *   that do not exist yet are written, and only those are enqueued: a send the earlier attempt wrote is
 *   on its way (QUEUED or later) or, if it crashed before enqueuing it, still PENDING, which is what
 *   the sweeper enqueues. No send moves backwards and none gets a second message from this attempt.
 */
export type WriteMode = 'new' | 'resume';

/** What the caller knows about the upload besides its rows. */
export interface IngestUpload {
  batchId: string;
  mode: WriteMode;
  fileName?: string;
  /** Stored as `dryRun: true` on every send of the batch. */
  dryRun?: boolean;
}

export interface IngestDeps {
  sends: Pick<SendStore, 'putNewSends' | 'putSendsIfAbsent' | 'markQueued'>;
  contents: Pick<ContentStore, 'putContents'>;
  batches: Pick<BatchStore, 'putBatch'>;
  queue: Pick<SendQueue, 'enqueue'>;
  clock: () => Date;
  /** Accepted rows written and enqueued together; bounds what an upload holds in memory. */
  chunkRows: number;
}

/**
 * Turns the entries of a campaign file into sends: each chunk of accepted rows is written as PENDING,
 * put on the queue, then marked QUEUED, before the next chunk is read. A crash between those steps
 * leaves PENDING sends, which the sweeper enqueues later: nothing accepted is lost.
 *
 * A `{{name}}` that names no column refuses the whole file (CampaignFileError UNKNOWN_PLACEHOLDER, a
 * 400) when it is met before the first chunk is written, which for a campaign with one template is
 * its first row. Met later, sends are already queued and cannot be taken back: the row is reported
 * as invalid with the same reason, like any other bad row.
 */
export async function ingestCampaign(
  entries: AsyncIterable<CampaignEntry>,
  deps: IngestDeps,
  upload: IngestUpload,
): Promise<IngestReport> {
  const createdAt = deps.clock().toISOString();
  const { batchId } = upload;
  const dryRun = upload.dryRun === true;
  const report: IngestReport = {
    batchId,
    received: 0,
    accepted: 0,
    duplicates: 0,
    invalid: 0,
    encoding: 'utf-8',
    dryRun,
    errors: [],
    duplicatesList: [],
    truncated: false,
  };
  const storedContent = new Set<string>();
  let batchWritten = false;
  let chunk: CampaignRow[] = [];
  const batchRecord = () => batchRecordOf(report, createdAt, upload.fileName);
  const flush = async () => {
    if (chunk.length === 0) return;
    const rows = chunk;
    chunk = [];
    if (!batchWritten) {
      // Written before its first send, so that a send is never visible without its batch.
      await deps.batches.putBatch(batchRecord());
      batchWritten = true;
    }
    const contents = new Map<string, string>();
    const records: SendRecord[] = rows.map((row) => {
      const contentId = contentIdFor(row.content);
      if (!storedContent.has(contentId)) contents.set(contentId, row.content);
      return {
        sendId: sendIdFor(batchId, row.email),
        batchId,
        email: row.email,
        subject: row.subject,
        contentId,
        variables: row.variables,
        status: 'PENDING',
        createdAt,
        updatedAt: createdAt,
        attempts: 0,
        ...(dryRun ? { dryRun: true } : {}),
      };
    });
    await deps.contents.putContents([...contents].map(([contentId, content]) => ({ contentId, content })));
    for (const contentId of contents.keys()) storedContent.add(contentId);
    const written = await writeSends(deps.sends, records, upload.mode);
    if (written.length === 0) return;
    const refs: SendRef[] = written.map(({ sendId }) => ({ sendId, createdAt }));
    await deps.queue.enqueue(refs);
    await deps.sends.markQueued(refs, deps.clock());
  };

  for await (const entry of entries) {
    if (entry.kind === 'format') {
      report.encoding = entry.encoding;
      continue;
    }
    report.received += 1;
    switch (entry.kind) {
      case 'accepted':
        report.accepted += 1;
        chunk.push(entry.row);
        if (chunk.length >= deps.chunkRows) await flush();
        break;
      case 'invalid':
        if (entry.placeholder !== undefined && !batchWritten) {
          throw new CampaignFileError('UNKNOWN_PLACEHOLDER', `line ${entry.line}: ${entry.reason}`, {
            line: entry.line,
            placeholder: entry.placeholder,
          });
        }
        report.invalid += 1;
        if (report.errors.length < REPORT_LIST_LIMIT) {
          report.errors.push({ line: entry.line, reason: entry.reason, value: entry.value.slice(0, 200) });
        } else report.truncated = true;
        break;
      case 'duplicate':
        report.duplicates += 1;
        if (report.duplicatesList.length < REPORT_LIST_LIMIT) {
          report.duplicatesList.push({ line: entry.line, email: entry.email, firstLine: entry.firstLine });
        } else report.truncated = true;
        break;
    }
  }
  await flush();
  if (report.accepted === 0) throw new NothingAcceptedError(report);
  await deps.batches.putBatch(batchRecord());
  return report;
}

/** Writes a chunk as the mode says and returns the sends this attempt wrote: the ones to enqueue. */
async function writeSends(
  sends: IngestDeps['sends'],
  records: SendRecord[],
  mode: WriteMode,
): Promise<SendRecord[]> {
  if (mode === 'resume') return sends.putSendsIfAbsent(records);
  await sends.putNewSends(records);
  return records;
}
