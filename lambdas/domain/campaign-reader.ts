import { CampaignFileError } from './campaign-file-error.js';
import { type CampaignColumns, matchHeader } from './campaign-header.js';
import { type CampaignRow, checkRow } from './campaign-row.js';
import { csvRecords } from './csv-records.js';
import { RecipientDedupe } from './recipient-dedupe.js';

/** What one data record of the file turned out to be. `line` is where the record starts (header = 1). */
export type CampaignEntry =
  | { kind: 'accepted'; line: number; row: CampaignRow }
  | { kind: 'invalid'; line: number; reason: string; value: string }
  | { kind: 'duplicate'; line: number; email: string; firstLine: number };

/**
 * Reads a campaign CSV as a stream and yields one entry per non-blank data record, in file order.
 * Nothing but the dedupe set is kept between records, so memory does not grow with the file.
 * A malformed record (an unclosed or misplaced quote) is reported as invalid at its first line, and
 * reading goes on at the next line, so one broken row never hides the rows after it.
 * Throws CampaignFileError when the file as a whole is unusable (empty, no header, missing columns).
 */
export async function* readCampaign(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<CampaignEntry> {
  let columns: CampaignColumns | undefined;
  let dataRecords = 0;
  const dedupe = new RecipientDedupe();
  for await (const record of csvRecords(source)) {
    const { line } = record;
    if (columns === undefined) {
      if (record.kind === 'malformed') {
        throw new CampaignFileError(
          'MISSING_COLUMNS',
          `the header (line ${line}) is not valid CSV: ${record.reason}`,
        );
      }
      columns = matchHeader(record.fields);
      continue;
    }
    dataRecords += 1;
    if (record.kind === 'malformed') {
      yield { kind: 'invalid', line, reason: `malformed CSV: ${record.reason}`, value: record.text };
      continue;
    }
    const check = checkRow(record.fields, columns);
    if (!check.ok) {
      yield { kind: 'invalid', line, reason: check.reason, value: check.value };
      continue;
    }
    const firstLine = dedupe.firstSeen(check.row.email, line);
    if (firstLine !== undefined) {
      yield { kind: 'duplicate', line, email: check.row.email, firstLine };
    } else {
      yield { kind: 'accepted', line, row: check.row };
    }
  }
  if (columns === undefined)
    throw new CampaignFileError('EMPTY_FILE', 'the file is empty: expected a header line');
  if (dataRecords === 0)
    throw new CampaignFileError('NO_DATA_ROWS', 'the file has a header but no data rows');
}
