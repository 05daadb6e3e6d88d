import { type IngestReport, REPORT_LIST_LIMIT } from '../../contract/api-schemas.js';
import { CampaignFileError } from '../domain/campaign-file-error.js';
import type { CampaignEntry } from '../domain/campaign-reader.js';
import type { CampaignRow } from '../domain/campaign-row.js';
import { contentIdFor, sendIdFor } from '../domain/send-id.js';
import type { SendRecord, SendRef } from '../domain/send-record.js';
import type { SendQueue } from '../queue/send-queue.js';
import type { BatchRecord, SendStore } from '../store/send-store.js';

/** Longest list of rejected or duplicate lines returned in full; the totals stay exact beyond it. */
export { REPORT_LIST_LIMIT };

/**
 * Entries of each list kept on the batch record (a DynamoDB item holds at most 400 KB; 100 entries of
 * each with 200-character values stay far below it). The answer to the upload has REPORT_LIST_LIMIT.
 */
export const STORED_LIST_LIMIT = 100;

/**
 * The answer to an upload, whichever path it came by (HTTP body or S3 object), and what the batch
 * record keeps of it: defined with the API's other shapes, from which the OpenAPI document is made.
 */
export type { IngestReport };

/** What the caller knows about the upload besides its rows. */
export interface IngestUpload {
  fileName?: string;
  /** The batch id to use (derived from an Idempotency-Key); a new one from deps.newBatchId otherwise. */
  batchId?: string;
  /** Stored as `dryRun: true` on every send of the batch. */
  dryRun?: boolean;
  /**
   * An earlier attempt with this batch id may have written sends already (a crash, then a retry with
   * the same Idempotency-Key): sends are then written only where absent, so none moves backwards.
   */
  resume?: boolean;
}

export interface IngestDeps {
  store: SendStore;
  queue: SendQueue;
  clock: () => Date;
  newBatchId: () => string;
  /** Accepted rows written and enqueued together; bounds what an upload holds in memory. */
  chunkRows: number;
}

/**
 * What the batch record keeps of an upload's report: the totals and the first STORED_LIST_LIMIT
 * entries of each list, `truncated` when a list holds fewer entries than its total.
 */
export function batchRecordOf(report: IngestReport, createdAt: string, fileName?: string): BatchRecord {
  const errors = report.errors.slice(0, STORED_LIST_LIMIT);
  const duplicatesList = report.duplicatesList.slice(0, STORED_LIST_LIMIT);
  return {
    batchId: report.batchId,
    createdAt,
    ...(fileName ? { fileName } : {}),
    received: report.received,
    accepted: report.accepted,
    duplicates: report.duplicates,
    invalid: report.invalid,
    encoding: report.encoding,
    ...(report.dryRun ? { dryRun: true } : {}),
    errors,
    duplicatesList,
    truncated: errors.length < report.invalid || duplicatesList.length < report.duplicates,
  };
}

/** Every row of the file was rejected or a duplicate: there is nothing to send and no batch is created. */
export class NothingAcceptedError extends Error {
  override readonly name = 'NothingAcceptedError';

  constructor(readonly report: IngestReport) {
    super('no row of the file can be sent');
  }
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
  upload: IngestUpload = {},
): Promise<IngestReport> {
  const now = deps.clock();
  const createdAt = now.toISOString();
  const batchId = upload.batchId ?? deps.newBatchId();
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
      await deps.store.putBatch(batchRecord());
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
    await deps.store.putContents([...contents].map(([contentId, content]) => ({ contentId, content })));
    for (const contentId of contents.keys()) storedContent.add(contentId);
    if (upload.resume) await deps.store.putSendsIfAbsent(records);
    else await deps.store.putNewSends(records);
    const refs: SendRef[] = records.map(({ sendId }) => ({ sendId, createdAt }));
    await deps.queue.enqueue(refs);
    await deps.store.markQueued(refs, deps.clock());
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
  await deps.store.putBatch(batchRecord());
  return report;
}
