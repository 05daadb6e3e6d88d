import { type IngestReport, REPORT_LIST_LIMIT } from '../../contract/api-schemas.js';
import { CampaignFileError } from '../domain/campaign-file-error.js';
import type { CampaignEntry } from '../domain/campaign-reader.js';
import type { BatchRecord, BatchReport, SuppressedRow } from '../store/batch-store.js';
import type { SuppressionStore } from '../store/suppression-store.js';
import { suppressedAmong } from './suppressed-rows.js';

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
export function storedReportOf(report: IngestReport): BatchReport {
  const errors = report.errors.slice(0, STORED_LIST_LIMIT);
  const duplicatesList = report.duplicatesList.slice(0, STORED_LIST_LIMIT);
  const suppressedList = report.suppressedList.slice(0, STORED_LIST_LIMIT);
  return {
    received: report.received,
    accepted: report.accepted,
    duplicates: report.duplicates,
    invalid: report.invalid,
    suppressed: report.suppressed,
    encoding: report.encoding,
    errors,
    duplicatesList,
    suppressedList,
    truncated:
      errors.length < report.invalid ||
      duplicatesList.length < report.duplicates ||
      suppressedList.length < report.suppressed,
  };
}

/** The batch record of an upload whose report is known (the upload API's, before it answers). */
export function batchRecordOf(report: IngestReport, createdAt: string, fileName?: string): BatchRecord {
  return {
    batchId: report.batchId,
    createdAt,
    ...(fileName ? { fileName } : {}),
    ...(report.dryRun ? { dryRun: true } : {}),
    ...storedReportOf(report),
  };
}

/**
 * Builds the report of a file's entries, the same way for the upload API (which reads the whole file
 * before answering) and for the writer (which reads it while writing). A `{{name}}` that names no column
 * refuses the whole file when it is met before the first accepted row (for a campaign with one template:
 * its first row); met later, the row is invalid with the same reason, like any other bad row.
 */
export class ReportBuilder {
  readonly report: IngestReport;

  constructor(batchId: string, dryRun: boolean) {
    this.report = {
      batchId,
      received: 0,
      accepted: 0,
      duplicates: 0,
      invalid: 0,
      suppressed: 0,
      encoding: 'utf-8',
      dryRun,
      errors: [],
      duplicatesList: [],
      suppressedList: [],
      truncated: false,
    };
  }

  /** Counts one entry; returns the accepted row's entry for the caller to write, if it is one. */
  add(entry: CampaignEntry): Extract<CampaignEntry, { kind: 'accepted' }> | undefined {
    const { report } = this;
    if (entry.kind === 'format') {
      report.encoding = entry.encoding;
      return undefined;
    }
    report.received += 1;
    switch (entry.kind) {
      case 'accepted':
        report.accepted += 1;
        return entry;
      case 'invalid':
        if (entry.placeholder !== undefined && report.accepted === 0) {
          throw new CampaignFileError('UNKNOWN_PLACEHOLDER', `line ${entry.line}: ${entry.reason}`, {
            line: entry.line,
            placeholder: entry.placeholder,
          });
        }
        report.invalid += 1;
        if (report.errors.length < REPORT_LIST_LIMIT) {
          report.errors.push({ line: entry.line, reason: entry.reason, value: entry.value.slice(0, 200) });
        } else report.truncated = true;
        return undefined;
      case 'duplicate':
        report.duplicates += 1;
        if (report.duplicatesList.length < REPORT_LIST_LIMIT) {
          report.duplicatesList.push({ line: entry.line, email: entry.email, firstLine: entry.firstLine });
        } else report.truncated = true;
        return undefined;
    }
  }

  /**
   * Takes accepted rows whose address is on the suppression list out of `accepted`: they are reported
   * with their line and the list's reason, and make no send. In file order, as the list is.
   */
  suppress(rows: readonly SuppressedRow[]): void {
    const { report } = this;
    for (const row of rows) {
      report.accepted -= 1;
      report.suppressed += 1;
      if (report.suppressedList.length < REPORT_LIST_LIMIT) report.suppressedList.push(row);
      else report.truncated = true;
    }
  }

  /**
   * The rows of the file a writer left out as suppressed, chunk by chunk over its runs: `count` of
   * them, of which `listed` are the first (the batch record keeps that many).
   */
  suppressedByWriter(count: number, listed: readonly SuppressedRow[]): void {
    const { report } = this;
    report.accepted -= count;
    report.suppressed += count;
    report.suppressedList.push(...listed.slice(0, REPORT_LIST_LIMIT - report.suppressedList.length));
    if (report.suppressedList.length < report.suppressed) report.truncated = true;
  }

  /** The finished report; NothingAcceptedError when no row can be sent. */
  finish(): IngestReport {
    if (this.report.accepted === 0) throw new NothingAcceptedError(this.report);
    return this.report;
  }
}

/**
 * Reads a whole file into its report, writing nothing: what the upload API answers with. The accepted
 * addresses are looked up on the suppression list once the whole file is read (100 per BatchGetItem);
 * those on it are reported as suppressed (ReportBuilder.suppress).
 */
export async function reportOf(
  entries: AsyncIterable<CampaignEntry>,
  batchId: string,
  dryRun: boolean,
  suppressions: Pick<SuppressionStore, 'findMany'>,
): Promise<IngestReport> {
  const builder = new ReportBuilder(batchId, dryRun);
  const accepted: { line: number; email: string }[] = [];
  for await (const entry of entries) {
    const row = builder.add(entry);
    if (row) accepted.push({ line: row.line, email: row.row.email });
  }
  if (accepted.length > 0) builder.suppress(await suppressedAmong(accepted, suppressions));
  return builder.finish();
}

/** Every row of the file was rejected or a duplicate: there is nothing to send and no batch is created. */
export class NothingAcceptedError extends Error {
  override readonly name = 'NothingAcceptedError';

  constructor(readonly report: IngestReport) {
    super('no row of the file can be sent');
  }
}
