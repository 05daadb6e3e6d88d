import type { CampaignEntry } from '../domain/campaign-reader.js';
import type { CampaignRow } from '../domain/campaign-row.js';
import { contentIdFor, sendIdFor } from '../domain/send-id.js';
import type { SendRecord, SendRef } from '../domain/send-record.js';
import type { SendQueue } from '../queue/send-queue.js';
import type { SendStore } from '../store/send-store.js';

/** Longest list of rejected or duplicate lines returned in full; the totals stay exact beyond it. */
export const REPORT_LIST_LIMIT = 1000;

export interface IngestReport {
  batchId: string;
  received: number;
  accepted: number;
  duplicates: number;
  invalid: number;
  errors: { line: number; reason: string; value: string }[];
  duplicatesList: { line: number; email: string; firstLine: number }[];
  /** True when `errors` or `duplicatesList` were cut at REPORT_LIST_LIMIT entries. */
  truncated: boolean;
}

export interface IngestDeps {
  store: SendStore;
  queue: SendQueue;
  clock: () => Date;
  newBatchId: () => string;
  /** Accepted rows written and enqueued together; bounds what an upload holds in memory. */
  chunkRows: number;
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
 */
export async function ingestCampaign(
  entries: AsyncIterable<CampaignEntry>,
  deps: IngestDeps,
  upload: { fileName?: string } = {},
): Promise<IngestReport> {
  const now = deps.clock();
  const createdAt = now.toISOString();
  const batchId = deps.newBatchId();
  const report: IngestReport = {
    batchId,
    received: 0,
    accepted: 0,
    duplicates: 0,
    invalid: 0,
    errors: [],
    duplicatesList: [],
    truncated: false,
  };
  const storedContent = new Set<string>();
  let batchWritten = false;
  let chunk: CampaignRow[] = [];

  const batchRecord = () => ({
    batchId,
    createdAt,
    ...(upload.fileName ? { fileName: upload.fileName } : {}),
    received: report.received,
    accepted: report.accepted,
    duplicates: report.duplicates,
    invalid: report.invalid,
  });

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
      };
    });
    await deps.store.putContents([...contents].map(([contentId, content]) => ({ contentId, content })));
    for (const contentId of contents.keys()) storedContent.add(contentId);
    await deps.store.putNewSends(records);
    const refs: SendRef[] = records.map(({ sendId }) => ({ sendId, createdAt }));
    await deps.queue.enqueue(refs);
    await deps.store.markQueued(refs, deps.clock());
  };

  for await (const entry of entries) {
    report.received += 1;
    switch (entry.kind) {
      case 'accepted':
        report.accepted += 1;
        chunk.push(entry.row);
        if (chunk.length >= deps.chunkRows) await flush();
        break;
      case 'invalid':
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
