import type { CampaignEncoding } from '../domain/campaign-encoding.js';
import type { BatchRecord } from '../store/batch-store.js';

/** Longest list of rejected or duplicate lines returned in full; the totals stay exact beyond it. */
export const REPORT_LIST_LIMIT = 1000;

/**
 * Entries of each list kept on the batch record (a DynamoDB item holds at most 400 KB; 100 entries of
 * each with 200-character values stay far below it). The answer to the upload has REPORT_LIST_LIMIT.
 */
export const STORED_LIST_LIMIT = 100;

export interface IngestError {
  /** Line of the file where the record starts (header = 1). */
  line: number;
  reason: string;
  /** The offending value, at most 200 characters. */
  value: string;
}

export interface IngestDuplicate {
  line: number;
  /** The normalised (trimmed, lower-cased) address. */
  email: string;
  /** The line that first had this address. */
  firstLine: number;
}

/**
 * The answer to an upload, whichever path it came by (HTTP body or S3 object), and what the batch
 * record keeps of it. The one type to document: `202` is this, `422` this without `batchId`.
 */
export interface IngestReport {
  batchId: string;
  /** Non-blank data records. received = accepted + duplicates + invalid. */
  received: number;
  accepted: number;
  duplicates: number;
  invalid: number;
  /** How the bytes were read: 'utf-8' (with or without BOM) or, when they are not UTF-8, 'windows-1252'. */
  encoding: CampaignEncoding;
  /** The sends are rehearsed: the sender marks them SENT without calling SES. */
  dryRun: boolean;
  errors: IngestError[];
  duplicatesList: IngestDuplicate[];
  /** True when `errors` or `duplicatesList` were cut at REPORT_LIST_LIMIT entries. */
  truncated: boolean;
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
