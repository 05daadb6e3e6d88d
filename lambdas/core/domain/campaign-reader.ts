import { pipeline, Readable } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
import { type CampaignDelimiter, detectDelimiter, type HeaderScan } from './campaign-delimiter.js';
import { CampaignDecoder, type CampaignEncoding, REPLACEMENT_CHARACTER } from './campaign-encoding.js';
import { CampaignFileError } from './campaign-file-error.js';
import { type CampaignColumns, matchHeader } from './campaign-header.js';
import { PlaceholderCheck } from './campaign-placeholders.js';
import { type CampaignRow, checkRow } from './campaign-row.js';
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

/**
 * Longest record csv-parse holds while looking for its end (characters). Far above what a row can
 * legitimately hold (a DynamoDB item is at most 400 KB): reaching it almost always means an open quote.
 */
export const MAX_RECORD_SIZE = 1_000_000;

/** A record csv-parse parsed (`info: true`). */
interface Parsed {
  record: string[];
  info: { lines: number };
}

/** A record csv-parse skipped: its error, the line it found it on, and its raw text up to the error. */
interface Skipped {
  error: CsvError;
  lines: number;
  raw: string;
}

const DELIMITER_NAMES: Record<CampaignDelimiter, string> = {
  ',': 'a comma',
  ';': 'a semicolon',
  '\t': 'a tab',
};

const malformed = (delimiter: CampaignDelimiter): Record<string, string> => ({
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double its quotes)',
  CSV_INVALID_CLOSING_QUOTE: `a closing quote is not followed by ${DELIMITER_NAMES[delimiter]} or a line break`,
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed before the end of the file',
});

/** Line breaks as csv-parse counts them inside a record: every CR and every LF. */
const countedBreaks = (text: string) => text.match(/[\r\n]/g)?.length ?? 0;
const crlfs = (text: string) => text.split('\r\n').length - 1;
const withoutLeadingBreaks = (text: string) => text.replace(/^[\r\n]+/, '');
/** What a report shows of a broken record: the start of its first line. */
const firstLineOf = (raw: string) => (withoutLeadingBreaks(raw).split(/[\r\n]/, 1)[0] ?? '').slice(0, 200);

/**
 * Turns csv-parse's line numbers into the line each record starts on. csv-parse reports the line a
 * record ends on (or an error was found on) and counts every CR and every LF inside quotes, so a CRLF
 * inside a quoted field counts as two lines (between records, as one) and every later number is one too
 * high per such CRLF. A skipped record is only visible up to its last error: a CRLF inside quotes after
 * that goes uncounted and the records after it are reported that many lines too far down.
 */
class StartLines {
  /** CRLFs inside quotes read so far, each counted twice by csv-parse. */
  private doubled = 0;
  private skipped = { start: 0, doubledBefore: 0 };

  ofRecord(endLine: number, fields: string[]): number {
    // Joined with a comma so that a CR ending one field and an LF starting the next are not a CRLF.
    const text = fields.join(',');
    const start = endLine - countedBreaks(text) - this.doubled;
    this.doubled += crlfs(text);
    return start;
  }

  /** `again` for a further error of the record skipped last: one record can raise several. */
  ofSkipped(errorLine: number, raw: string): { line: number; again: boolean } {
    // The raw text starts with the breaks of the blank lines before the record, if any; csv-parse counts
    // a break when it reads the next character, so a break that ends the text is not counted yet.
    const text = withoutLeadingBreaks(raw);
    const start = errorLine - countedBreaks(text.replace(/[\r\n]$/, ''));
    const again = start === this.skipped.start;
    if (!again) this.skipped = { start, doubledBefore: this.doubled };
    this.doubled = this.skipped.doubledBefore + crlfs(text);
    return { line: start - this.skipped.doubledBefore, again };
  }
}

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
  const decoder = new CampaignDecoder();
  const text = decoder.decode(source)[Symbol.asyncIterator]();
  // The delimiter comes from the header line, so text is held until that line is complete.
  let head = '';
  let ended = false;
  let scan: HeaderScan = { done: false };
  while (!scan.done) {
    const next = await text.next();
    if (next.done) ended = true;
    else head += next.value;
    scan = detectDelimiter(head, ended);
  }
  const { delimiter } = scan;
  // Excel's `sep=;` line: its line break stays, so csv-parse skips it as blank and still counts it.
  if (scan.separatorLine !== undefined) head = head.slice(scan.separatorLine);
  async function* all() {
    try {
      if (head !== '') yield head;
      head = '';
      if (ended) return;
      for (let next = await text.next(); !next.done; next = await text.next()) yield next.value;
    } finally {
      await text.return(undefined);
    }
  }

  const parser = parse({
    bom: true,
    delimiter,
    info: true,
    raw: true,
    max_record_size: MAX_RECORD_SIZE,
    // Explicit, so that a file mixing line endings still splits on each of them.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // Called synchronously while csv-parse parses: pushing into its output keeps file order.
    on_skip: (error, raw) => {
      if (error !== undefined)
        parser.push({ error, lines: parser.info.lines, raw: raw ?? '' } satisfies Skipped);
      return undefined;
    },
  });
  // A failure of the source or the parser reaches the loop below through the parser's iterator.
  pipeline(Readable.from(all()), parser, () => {});
  const MALFORMED = malformed(delimiter);

  let columns: CampaignColumns | undefined;
  let placeholders: PlaceholderCheck | undefined;
  let dataRecords = 0;
  const dedupe = new RecipientDedupe();
  const startLines = new StartLines();
  for await (const item of parser as AsyncIterable<Parsed | Skipped>) {
    if ('error' in item) {
      const { line, again } = startLines.ofSkipped(item.lines, item.raw);
      // Checked before `again`: csv-parse loses its place after this error, so reading must stop here.
      // The rows before it stand; the answer says where reading stopped rather than failing them too.
      if (item.error.code === 'CSV_MAX_RECORD_SIZE') {
        const tooLong = `longer than ${MAX_RECORD_SIZE} characters (is a quote left open?)`;
        if (columns === undefined) {
          throw new CampaignFileError('RECORD_TOO_LONG', `the header (line ${line}) is ${tooLong}`);
        }
        dataRecords += 1;
        yield {
          kind: 'invalid',
          line,
          reason: `record is ${tooLong}; the rest of the file was not read`,
          value: firstLineOf(item.raw),
        };
        break;
      }
      if (again) continue;
      const reason = MALFORMED[item.error.code] ?? item.error.message;
      if (columns === undefined) {
        throw new CampaignFileError(
          'MISSING_COLUMNS',
          `the header (line ${line}) is not valid CSV: ${reason}`,
        );
      }
      dataRecords += 1;
      yield { kind: 'invalid', line, reason: `malformed CSV: ${reason}`, value: firstLineOf(item.raw) };
      continue;
    }

    const fields = item.record;
    const line = startLines.ofRecord(item.info.lines, fields);
    // A line of empty fields (`,,` as spreadsheets export) is as blank as an empty line.
    if (fields.every((field) => field.trim() === '')) continue;
    if (columns === undefined) {
      columns = matchHeader(fields);
      placeholders = new PlaceholderCheck(columns);
      continue;
    }
    dataRecords += 1;
    if (decoder.encoding !== 'windows-1252') {
      const undecodable = fields.find((field) => field.includes(REPLACEMENT_CHARACTER));
      if (undecodable !== undefined) {
        const reason = decoder.encoding === 'utf-8' ? NOT_UTF8 : NOT_UTF16;
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
  yield { kind: 'format', encoding: decoder.encoding, delimiter };
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
