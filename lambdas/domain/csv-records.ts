/**
 * A streaming RFC 4180 reader that knows where each record starts and recovers from broken ones.
 *
 * csv-parse (used before) counts a CRLF inside a quoted field as two lines, reports a skipped record at
 * the line where the error was found rather than where the record starts, reports skipped records out
 * of file order, and lets one unclosed quote swallow every row after it. A campaign file must not lose
 * good rows because of one bad row, so a malformed record is reported at its first line and reading
 * resumes at the line after that.
 */

export type CsvRecord =
  | { kind: 'record'; line: number; fields: string[] }
  | { kind: 'malformed'; line: number; reason: string; text: string };

/**
 * Longest record kept while looking for its end (characters). Far above what a row can legitimately
 * hold (a DynamoDB item is at most 400 KB); past it the record is taken to have an unclosed quote.
 */
export const MAX_RECORD_LENGTH = 1_000_000;

/** Characters of a malformed record's first line kept in its report. */
const REPORTED_TEXT_LENGTH = 200;

type State = 'start' | 'unquoted' | 'quoted' | 'quote' | 'skip';

class CsvScanner {
  /** Unread text, from the start of the current record on (kept so that a broken record can be re-read). */
  private text = '';
  private pos = 0;
  private recordStart = 0;
  private recordLine = 1;
  /** Line of the character at `pos`, once that character has been counted. */
  private line = 1;
  private prevCR = false;
  private state: State = 'start';
  private fields: string[] = [];
  private field = '';
  private fieldStart = 0;
  private quotedAny = false;
  /** Set by fail(): `pos` was moved back and must not be advanced past the character it now points at. */
  private rewound = false;
  private out: CsvRecord[] = [];

  constructor(private readonly maxRecordLength: number) {}

  push(chunk: string, end: boolean): CsvRecord[] {
    if (this.recordStart > 0) {
      this.text = this.text.slice(this.recordStart);
      this.pos -= this.recordStart;
      this.fieldStart -= this.recordStart;
      this.recordStart = 0;
    }
    this.text += chunk;
    this.scan();
    if (end) {
      while (this.state === 'quoted') {
        this.fail('a quoted field is not closed');
        this.rewound = false;
        this.scan();
      }
      if (this.state === 'unquoted') this.fields.push(this.text.slice(this.fieldStart, this.pos));
      else if (this.state === 'quote') this.fields.push(this.field);
      else if (this.state === 'start' && this.fields.length > 0) this.fields.push('');
      if (this.state !== 'skip') this.endRecord();
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  private scan(): void {
    while (this.pos < this.text.length) {
      this.step(this.text);
      if (this.rewound) this.rewound = false;
      else this.pos++;
    }
  }

  /** Takes the character at `pos`. */
  private step(text: string): void {
    if (this.state !== 'skip' && this.pos - this.recordStart >= this.maxRecordLength) {
      this.fail(`the record is longer than ${this.maxRecordLength} characters (is a quote left open?)`);
      return;
    }
    const c = text[this.pos];
    const crlfTail = c === '\n' && this.prevCR;
    this.prevCR = c === '\r';
    const lineBreak = c === '\r' || c === '\n';
    if (lineBreak && !crlfTail) this.line += 1;
    if (crlfTail && (this.state === 'start' || this.state === 'skip') && this.pos === this.recordStart) {
      // The second half of a CRLF that ended the previous record or line.
      this.recordStart = this.pos + 1;
      return;
    }
    switch (this.state) {
      case 'start':
        if (c === '"') {
          this.state = 'quoted';
          this.quotedAny = true;
          this.field = '';
          this.fieldStart = this.pos + 1;
        } else if (c === ',') {
          this.fields.push('');
        } else if (lineBreak) {
          if (this.fields.length > 0) this.fields.push('');
          this.endRecord();
        } else {
          this.state = 'unquoted';
          this.fieldStart = this.pos;
        }
        return;
      case 'unquoted':
        if (c === ',' || lineBreak) {
          this.fields.push(text.slice(this.fieldStart, this.pos));
          if (lineBreak) this.endRecord();
          else this.state = 'start';
        } else if (c === '"') {
          this.fail('a quote inside an unquoted field (quote the whole field and double its quotes)');
        }
        return;
      case 'quoted':
        if (c === '"') {
          this.field += text.slice(this.fieldStart, this.pos);
          this.state = 'quote';
        }
        return;
      case 'quote':
        if (c === '"') {
          this.field += '"';
          this.fieldStart = this.pos + 1;
          this.state = 'quoted';
        } else if (c === ',' || lineBreak) {
          this.fields.push(this.field);
          if (lineBreak) this.endRecord();
          else this.state = 'start';
        } else {
          this.fail(`a closing quote is followed by ${JSON.stringify(c)} instead of a comma or line break`);
        }
        return;
      case 'skip':
        this.recordStart = this.pos + 1;
        if (lineBreak) {
          this.state = 'start';
          this.recordLine = this.line;
        }
        return;
    }
  }

  /** Called on the line break (or end of input) that ends the current record. */
  private endRecord(): void {
    const fields = this.fields;
    const blank = !this.quotedAny && fields.every((f) => f.trim() === '');
    if (!blank) this.out.push({ kind: 'record', line: this.recordLine, fields });
    this.fields = [];
    this.quotedAny = false;
    this.state = 'start';
    this.recordStart = this.pos + 1;
    this.recordLine = this.line;
  }

  /**
   * Reports the current record as malformed at its first line and goes back to re-read from the line
   * after that one: a broken record costs its own line, never the rows that follow it.
   */
  private fail(reason: string): void {
    const text = this.text;
    let firstBreak = this.recordStart;
    while (firstBreak < this.pos && text[firstBreak] !== '\r' && text[firstBreak] !== '\n') firstBreak++;
    const shown = text.slice(this.recordStart, this.recordStart + REPORTED_TEXT_LENGTH);
    this.out.push({
      kind: 'malformed',
      line: this.recordLine,
      reason,
      text: shown.split(/[\r\n]/, 1)[0] ?? '',
    });
    this.fields = [];
    this.field = '';
    this.quotedAny = false;
    this.state = 'skip';
    // Nothing between the record's start and firstBreak is a line break: re-read from there, in 'skip'
    // state, which resumes at the next line.
    this.line = this.recordLine;
    this.prevCR = false;
    this.recordStart = firstBreak;
    this.pos = firstBreak;
    this.rewound = true;
  }
}

/**
 * Yields the records of a UTF-8 CSV (comma-separated, fields optionally quoted with `"`, quotes doubled
 * inside), each with the 1-based line where it starts. Accepts CRLF, LF or CR line breaks, drops a
 * leading byte order mark, and skips blank lines (and lines of empty unquoted fields) while counting
 * them. Chunks may split a record, a quoted field, a CRLF or a multi-byte character anywhere.
 */
export async function* csvRecords(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxRecordLength: number = MAX_RECORD_LENGTH,
): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8');
  const scanner = new CsvScanner(maxRecordLength);
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    yield* scanner.push(decoder.decode(bytes, { stream: true }), false);
  }
  yield* scanner.push(decoder.decode(), true);
}
