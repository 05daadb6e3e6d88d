import type { CampaignDelimiter } from './campaign-delimiter.js';
import { type CampaignEncoding, REPLACEMENT_CHARACTER } from './campaign-encoding.js';
import { CampaignFileError } from './campaign-file-error.js';
import { type CampaignColumns, matchHeader } from './campaign-header.js';
import { PlaceholderCheck } from './campaign-placeholders.js';
import { type CampaignRow, checkRow } from './campaign-row.js';
import { CsvRecords, MAX_RECORD_SIZE, TOO_LONG } from './csv-records.js';
import { RecipientDedupe } from './recipient-dedupe.js';

/**
 * What one data record of the file turned out to be. `line` is where the record starts (header = 1).
 * After the last record comes one `format` entry: how the file was read.
 */
export type CampaignEntry =
  | { kind: 'accepted'; line: number; row: CampaignRow }
  | {
      kind: 'invalid';
      line: number;
      reason: string;
      value: string;
      /** Set when the row was refused for a `{{name}}` that names no column: that name. */
      placeholder?: string;
    }
  | { kind: 'duplicate'; line: number; email: string; firstLine: number }
  | { kind: 'format'; encoding: CampaignEncoding; delimiter: CampaignDelimiter };

export { MAX_RECORD_SIZE };

/**
 * Reads a campaign CSV as a stream and yields one entry per non-blank data record, in file order.
 * Nothing but the dedupe set is kept between records, so memory does not grow with the file.
 * A malformed record is reported as invalid at its first line and reading goes on with the next record.
 * Limits that come with CSV itself: a quote that is never closed makes the rest of the file one field,
 * and a closing quote followed by text (`"Hi"x`) keeps the field open up to the next quote that is
 * followed by a comma or a line break; the lines in between belong to that one invalid record.
 * A record that outgrows MAX_RECORD_SIZE ends the reading (csv-parse cannot resume after it): it is
 * reported as invalid, saying that the rest of the file was not read.
 * The encoding (UTF-8, with or without BOM, Windows-1252 or UTF-16) is decided from the bytes as they arrive
 * (campaign-encoding.ts) and the delimiter (`,` `;` or tab) from Excel's `sep=;` first line when there
 * is one, else from the header line (campaign-delimiter.ts); both are given in the closing `format`
 * entry. A `sep=` line is line 1: the header after it is line 2.
 * Throws CampaignFileError when the file as a whole is unusable (empty, no header, missing columns,
 * a `sep=` line declaring a delimiter other than `,` `;` or tab).
 */
export async function* readCampaign(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<CampaignEntry> {
  const csv = new CsvRecords();
  let columns: CampaignColumns | undefined;
  let placeholders: PlaceholderCheck | undefined;
  let dataRecords = 0;
  const dedupe = new RecipientDedupe();
  for await (const record of csv.read(source)) {
    const { line } = record;
    if (record.kind === 'malformed') {
      // The rows before a record too long stand; the answer says where reading stopped rather than
      // failing them too (the records end there).
      if (record.tooLong) {
        if (columns === undefined) {
          throw new CampaignFileError('RECORD_TOO_LONG', `the header (line ${line}) is ${TOO_LONG}`);
        }
        dataRecords += 1;
        yield {
          kind: 'invalid',
          line,
          reason: `record is ${TOO_LONG}; the rest of the file was not read`,
          value: record.value,
        };
        break;
      }
      if (columns === undefined) {
        throw new CampaignFileError(
          'MISSING_COLUMNS',
          `the header (line ${line}) is not valid CSV: ${record.reason}`,
        );
      }
      dataRecords += 1;
      yield { kind: 'invalid', line, reason: `malformed CSV: ${record.reason}`, value: record.value };
      continue;
    }

    const { fields } = record;
    if (columns === undefined) {
      columns = matchHeader(fields);
      placeholders = new PlaceholderCheck(columns);
      continue;
    }
    dataRecords += 1;
    if (csv.encoding !== 'windows-1252') {
      const undecodable = fields.find((field) => field.includes(REPLACEMENT_CHARACTER));
      if (undecodable !== undefined) {
        const reason = csv.encoding === 'utf-8' ? NOT_UTF8 : NOT_UTF16;
        yield { kind: 'invalid', line, reason, value: undecodable.slice(0, 200) };
        continue;
      }
    }
    const check = checkRow(fields, columns);
    if (!check.ok) {
      yield { kind: 'invalid', line, reason: check.reason, value: check.value };
      continue;
    }
    const placeholder = placeholders?.unknownIn(check.row.subject, check.row.content);
    if (placeholder !== undefined) {
      yield {
        kind: 'invalid',
        line,
        reason: unknownPlaceholderReason(placeholder, columns),
        value: `{{${placeholder}}}`,
        placeholder,
      };
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
  yield { kind: 'format', encoding: csv.encoding, delimiter: csv.delimiter };
}

/**
 * Why a row holding U+FFFD is refused: the file was read as UTF-8 (its first non-ASCII bytes were
 * UTF-8) but bytes further on are not, or the file already held the replacement character.
 */
export const NOT_UTF8 =
  'row has bytes that are not valid UTF-8 (shown as \uFFFD) although the file was read as UTF-8: save the file in one encoding';

/** Why a row of a UTF-16 file holding U+FFFD is refused: an unpaired surrogate, or an odd byte. */
export const NOT_UTF16 =
  'row has bytes that are not valid UTF-16 (shown as \uFFFD) although the file was read as UTF-16: save the file in one encoding';

export function unknownPlaceholderReason(placeholder: string, columns: CampaignColumns): string {
  const names = columns.variables.map((v) => v.name);
  const known =
    names.length > 0
      ? `personalisation columns: ${names.join(', ')}`
      : 'the file has no personalisation columns';
  return `placeholder {{${placeholder}}} names no column (${known})`;
}
