import { pipeline, Readable } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
import { type CampaignDelimiter, detectDelimiter, type HeaderScan } from './campaign-delimiter.js';
import { CampaignDecoder, type CampaignEncoding } from './campaign-encoding.js';

/**
 * One record of a CSV file as the readers of campaigns and of address lists see it: its fields, or why
 * it could not be parsed. `line` is where the record starts (the first line is 1).
 */
export type CsvRecord =
  | { kind: 'fields'; line: number; fields: string[] }
  | {
      kind: 'malformed';
      line: number;
      /** What is wrong, in words: "a quoted field is not closed before the end of the file". */
      reason: string;
      /** The start of the record's first line, at most 200 characters. */
      value: string;
      /** The record outgrew MAX_RECORD_SIZE: nothing after it is read. */
      tooLong: boolean;
    };

/**
 * Longest record csv-parse holds while looking for its end (characters). Far above what a row can
 * legitimately hold (a DynamoDB item is at most 400 KB): reaching it almost always means an open quote.
 */
export const MAX_RECORD_SIZE = 1_000_000;

/** What the reason of a record over MAX_RECORD_SIZE says it is. */
export const TOO_LONG = `longer than ${MAX_RECORD_SIZE} characters (is a quote left open?)`;

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
 * Reads a CSV file as a stream of records, the same way for every file a person hands over (a campaign,
 * a list of addresses to suppress): the encoding (UTF-8, with or without BOM, Windows-1252 or UTF-16)
 * decided from the bytes as they arrive (campaign-encoding.ts), the delimiter (`,` `;` or tab) from
 * Excel's `sep=;` first line when there is one, else from the first line (campaign-delimiter.ts), any
 * line ending, blank lines skipped (a line of empty fields too), and each record's starting line. A
 * malformed record is reported at its first line and reading goes on with the next; one that outgrows
 * MAX_RECORD_SIZE ends the reading (csv-parse cannot resume after it). A `sep=` line is line 1.
 * `encoding` and `delimiter` are known once the records are read (the encoding may be decided late).
 */
export class CsvRecords {
  private readonly decoder = new CampaignDecoder();
  private chosen: CampaignDelimiter = ',';

  /** 'utf-8' until the bytes say otherwise; final once every record was read. */
  get encoding(): CampaignEncoding {
    return this.decoder.encoding;
  }

  /** Known once the first record was read. */
  get delimiter(): CampaignDelimiter {
    return this.chosen;
  }

  /** Throws CampaignFileError for a `sep=` line declaring a delimiter this reader does not take. */
  async *read(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<CsvRecord> {
    const text = this.decoder.decode(source)[Symbol.asyncIterator]();
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
    this.chosen = delimiter;
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
    const startLines = new StartLines();
    for await (const item of parser as AsyncIterable<Parsed | Skipped>) {
      if ('error' in item) {
        const { line, again } = startLines.ofSkipped(item.lines, item.raw);
        // Checked before `again`: csv-parse loses its place after this error, so reading must stop here.
        if (item.error.code === 'CSV_MAX_RECORD_SIZE') {
          yield { kind: 'malformed', line, reason: TOO_LONG, value: firstLineOf(item.raw), tooLong: true };
          return;
        }
        if (again) continue;
        const reason = MALFORMED[item.error.code] ?? item.error.message;
        yield { kind: 'malformed', line, reason, value: firstLineOf(item.raw), tooLong: false };
        continue;
      }
      const fields = item.record;
      const line = startLines.ofRecord(item.info.lines, fields);
      // A line of empty fields (`,,` as spreadsheets export) is as blank as an empty line.
      if (fields.every((field) => field.trim() === '')) continue;
      yield { kind: 'fields', line, fields };
    }
  }
}
