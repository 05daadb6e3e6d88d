import { type IngestReport, REPORT_LIST_LIMIT } from '../../contract/api-schemas.js';
import type { BatchRecord } from '../store/batch-store.js';

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
