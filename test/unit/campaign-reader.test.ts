import { createReadStream, readFileSync } from 'node:fs';
import { getDefaultHighWaterMark } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES } from '../../lambdas/core/domain/campaign-encoding.js';
import { CampaignFileError } from '../../lambdas/core/domain/campaign-file-error.js';
import {
  type CampaignEntry,
  MAX_RECORD_SIZE,
  NOT_UTF8,
  NOT_UTF16,
  readCampaign,
} from '../../lambdas/core/domain/campaign-reader.js';
import { fillPlaceholders } from '../../lambdas/core/domain/email-body.js';

type Source = Parameters<typeof readCampaign>[0];
/** The entries of the records; the closing `format` entry is checked by its own tests. */
type RowEntry = Exclude<CampaignEntry, { kind: 'format' }>;

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);

async function readAll(source: Source): Promise<RowEntry[]> {
  const entries: RowEntry[] = [];
  for await (const entry of readCampaign(source)) if (entry.kind !== 'format') entries.push(entry);
  return entries;
}

/** Reads a fixture as the upload handler does: a Node stream of Buffers. */
const readFixture = (name: string) => readAll(createReadStream(fixture(name)));

const readText = (text: string) => readAll([Buffer.from(text)]);

/** The same bytes, one Buffer per byte: every record, quote, CRLF and UTF-8 character split across chunks. */
const byteByByte = (bytes: Buffer) => [...bytes].map((byte) => Buffer.from([byte]));

async function fileErrorOf(source: Source, entries: RowEntry[] = []): Promise<CampaignFileError> {
  try {
    for await (const entry of readCampaign(source)) if (entry.kind !== 'format') entries.push(entry);
  } catch (error) {
    if (error instanceof CampaignFileError) return error;
    throw error;
  }
  throw new Error('expected a CampaignFileError, but the file was read to the end');
}

const accepted = (
  line: number,
  email: string,
  subject: string,
  content: string,
  variables: Record<string, string> = {},
): RowEntry => ({ kind: 'accepted', line, row: { email, subject, content, variables } });

const STRAY_QUOTE =
  'malformed CSV: a quote inside an unquoted field (quote the whole field and double its quotes)';
const UNCLOSED_QUOTE = 'malformed CSV: a quoted field is not closed before the end of the file';

describe('reading the header', () => {
  it('matches column names case-insensitively and by alias, keeping other columns as variables', async () => {
    expect(await readFixture('aliases.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hola {{First_Name}}', 'Cuerpo', { First_Name: 'Ana' }),
    ]);
  });

  it('refuses a file whose header lacks required columns, naming them and their accepted names', async () => {
    const error = await fileErrorOf(createReadStream(fixture('missing-columns.csv')));
    expect(error.problem).toBe('MISSING_COLUMNS');
    expect(error.message).toBe(
      'missing required column(s): subject (subject, asunto); content (content, body, html, contenido)',
    );
  });

  it('reads a ;-separated file, keeping a semicolon inside quotes', async () => {
    expect(await readFixture('semicolon.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hello', 'First row'),
      accepted(3, 'ben@example.com', 'Hello', 'Second; with a semicolon'),
    ]);
  });

  it('drops a UTF-8 byte order mark before the first column name', async () => {
    expect(await readFixture('bom.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hello', 'First row'),
      accepted(3, 'ben@example.com', 'Hello', 'Second row'),
    ]);
  });

  it('drops a byte order mark that arrives split over several chunks', async () => {
    const entries = await readAll(byteByByte(readFileSync(fixture('bom.csv'))));
    expect(entries.map((entry) => entry.kind)).toEqual(['accepted', 'accepted']);
  });

  it('refuses a header that is not valid CSV', async () => {
    const error = await fileErrorOf([Buffer.from('email,sub"ject,content\nana@example.com,Hello,Hi\n')]);
    expect(error.problem).toBe('MISSING_COLUMNS');
    expect(error.message).toBe(
      'the header (line 1) is not valid CSV: a quote inside an unquoted field (quote the whole field and double its quotes)',
    );
  });
});

describe('refusing a file as a whole', () => {
  it('refuses an empty file', async () => {
    const error = await fileErrorOf(createReadStream(fixture('empty.csv')));
    expect(error.problem).toBe('EMPTY_FILE');
    expect(error.message).toBe('the file is empty: expected a header line');
  });

  it('refuses a file of blank lines as empty', async () => {
    const error = await fileErrorOf([Buffer.from('\n\r\n  \n,,\n')]);
    expect(error.problem).toBe('EMPTY_FILE');
  });

  it('refuses a file with a header and no data rows', async () => {
    const error = await fileErrorOf(createReadStream(fixture('header-only.csv')));
    expect(error.problem).toBe('NO_DATA_ROWS');
    expect(error.message).toBe('the file has a header but no data rows');
  });

  it('refuses a header followed only by blank lines as having no data rows', async () => {
    const error = await fileErrorOf([Buffer.from('email,subject,content\n\n\r\n\n')]);
    expect(error.problem).toBe('NO_DATA_ROWS');
  });

  it('stops at a record longer than the limit, reporting its line, after the rows before it', async () => {
    const huge = 'x'.repeat(MAX_RECORD_SIZE + 1);
    const entries = await readAll([
      Buffer.from('email,subject,content\nana@example.com,Hello,Fine\n\n'),
      Buffer.from(`ben@example.com,Hello,"${huge}"\ncarla@example.com,Hello,Never read\n`),
    ]);
    expect(entries).toEqual([
      accepted(2, 'ana@example.com', 'Hello', 'Fine'),
      {
        kind: 'invalid',
        line: 4,
        reason:
          'record is longer than 1000000 characters (is a quote left open?); the rest of the file was not read',
        value: `ben@example.com,Hello,"${'x'.repeat(177)}`,
      },
    ]);
  });

  it('stops at a record over the limit even when an earlier error of that record was reported', async () => {
    const entries = await readAll([
      Buffer.from('email,subject,content\r\nana@example.com,"A\r\nB",Fine\r\n'),
      Buffer.from(
        `ben@example.com,He"llo,"${'x'.repeat(MAX_RECORD_SIZE)}"\r\ncarla@example.com,Hi,Never read\r\n`,
      ),
    ]);
    expect(entries.map((e) => [e.kind, e.line, 'reason' in e ? e.reason : ''])).toEqual([
      ['invalid', 2, 'subject contains a line break'],
      ['invalid', 4, STRAY_QUOTE],
      [
        'invalid',
        4,
        'record is longer than 1000000 characters (is a quote left open?); the rest of the file was not read',
      ],
    ]);
  });

  it('refuses a header longer than the limit as a file error', async () => {
    // Across chunks, as a stream delivers it: the limit bounds what csv-parse holds between chunks.
    const half = 'x'.repeat(MAX_RECORD_SIZE / 2 + 1);
    const error = await fileErrorOf([Buffer.from(`"${half}`), Buffer.from(`${half}"\n`)]);
    expect(error.problem).toBe('RECORD_TOO_LONG');
    expect(error.message).toBe(
      'the header (line 1) is longer than 1000000 characters (is a quote left open?)',
    );
  });
});

describe('counting lines', () => {
  it('gives each record of a CRLF file the line it starts on, counting a CRLF inside quotes once', async () => {
    expect(await readFixture('crlf.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hello', 'First row'),
      accepted(4, 'ben@example.com', 'Hello', 'Two\r\nlines'),
      accepted(6, 'carla@example.com', 'Hello', 'Last row'),
    ]);
  });

  it('keeps quoted line breaks, commas and doubled quotes, and numbers the records after them', async () => {
    expect(await readFixture('quoted-newlines.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hello, Ana', 'Line one\nline two, with a comma\n\nline four'),
      accepted(6, 'ben@example.com', 'The "best" offer', '<p>Say "hi"</p>'),
      accepted(7, 'carla@example.com', 'Plain', 'multi\nline'),
    ]);
  });

  it('numbers records correctly after several CRLFs inside one quoted field', async () => {
    const entries = await readText(
      'email,subject,content\r\nana@example.com,Hi,"one\r\ntwo\r\n\r\nfour"\r\nben@example.com,Hi,After\r\n',
    );
    expect(entries).toEqual([
      accepted(2, 'ana@example.com', 'Hi', 'one\r\ntwo\r\n\r\nfour'),
      accepted(6, 'ben@example.com', 'Hi', 'After'),
    ]);
  });

  it('skips blank lines, whitespace-only lines and lines of empty fields without counting them as rows', async () => {
    expect(await readFixture('blank-lines.csv')).toEqual([
      accepted(4, 'ana@example.com', 'Hello', 'First'),
      accepted(8, 'ben@example.com', 'Hello', 'Second'),
    ]);
  });

  it('splits records on whichever line ending each line uses', async () => {
    expect(
      await readText(
        'email,subject,content\nana@example.com,Hi,A\r\nben@example.com,Hi,"B"\rcarla@example.com,Hi,C',
      ),
    ).toEqual([
      accepted(2, 'ana@example.com', 'Hi', 'A'),
      accepted(3, 'ben@example.com', 'Hi', 'B'),
      accepted(4, 'carla@example.com', 'Hi', 'C'),
    ]);
  });

  it('reads the same entries whatever the chunk boundaries', async () => {
    for (const name of ['crlf.csv', 'quoted-newlines.csv', 'header-injection.csv', 'malformed-quote.csv']) {
      const bytes = readFileSync(fixture(name));
      expect(await readAll(byteByByte(bytes))).toEqual(await readAll([bytes]));
    }
  });

  it('decodes a multi-byte character split across chunks', async () => {
    const entries = await readAll(
      byteByByte(Buffer.from('email,subject,content\nana@example.com,Olá,Ünïcödé €\n')),
    );
    expect(entries).toEqual([accepted(2, 'ana@example.com', 'Olá', 'Ünïcödé €')]);
  });

  it('accepts string chunks as well as Buffers', async () => {
    expect(await readAll(['email,subject,con', 'tent\nana@example.com,Hi,Hello\n'])).toEqual([
      accepted(2, 'ana@example.com', 'Hi', 'Hello'),
    ]);
  });
});

describe('checking rows', () => {
  it('reports rows with too many or too few fields, bad addresses and empty content, and reads on', async () => {
    expect(await readFixture('broken-rows.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hello', 'Fine'),
      {
        kind: 'invalid',
        line: 3,
        reason: 'row has 4 field(s) but the header has 3',
        value: 'ben@example.com,Hello,Too,many',
      },
      {
        kind: 'invalid',
        line: 4,
        reason: 'row has 2 field(s) but the header has 3',
        value: 'carla@example.com,Too few',
      },
      { kind: 'invalid', line: 5, reason: 'email is not of the form local@domain', value: 'not-an-email' },
      { kind: 'invalid', line: 6, reason: 'content is empty', value: '' },
      accepted(7, 'dan@example.com', 'Hello', 'Fine again'),
    ]);
  });

  it('rejects a row whose subject contains a line break, whether CRLF or LF', async () => {
    expect(await readFixture('header-injection.csv')).toEqual([
      {
        kind: 'invalid',
        line: 2,
        reason: 'subject contains a line break',
        value: 'Hello\r\nBcc: victim@example.net',
      },
      {
        kind: 'invalid',
        line: 4,
        reason: 'subject contains a line break',
        value: 'Hello\nBcc: victim@example.net',
      },
      accepted(6, 'carla@example.com', 'Hello', 'Clean'),
    ]);
  });

  it('rejects a row whose subject is empty or blank', async () => {
    expect(await readText('email,subject,content\nana@example.com,,Hi\nben@example.com,"  ",Hi\n')).toEqual([
      { kind: 'invalid', line: 2, reason: 'subject is empty', value: '' },
      { kind: 'invalid', line: 3, reason: 'subject is empty', value: '' },
    ]);
  });

  it('rejects a row whose content is only whitespace', async () => {
    expect(await readText('email,subject,content\nana@example.com,Hi," \n "\n')).toEqual([
      { kind: 'invalid', line: 2, reason: 'content is empty', value: ' \n ' },
    ]);
  });

  it('reports an address seen before, however cased or padded, with the line that first had it', async () => {
    expect(await readFixture('duplicates.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hello', 'First'),
      accepted(3, 'ben@example.com', 'Hello', 'Second'),
      { kind: 'duplicate', line: 4, email: 'ana@example.com', firstLine: 2 },
      { kind: 'duplicate', line: 5, email: 'ana@example.com', firstLine: 2 },
      { kind: 'duplicate', line: 6, email: 'ben@example.com', firstLine: 3 },
    ]);
  });

  it('does not count a rejected row as the first sighting of its address', async () => {
    expect(await readText('email,subject,content\nana@example.com,,Hi\nANA@example.com,Hi,Hello\n')).toEqual([
      { kind: 'invalid', line: 2, reason: 'subject is empty', value: '' },
      accepted(3, 'ana@example.com', 'Hi', 'Hello'),
    ]);
  });
});

describe('recovering from malformed CSV', () => {
  it('reports a quote inside an unquoted field at its line and reads the rows after it', async () => {
    expect(await readFixture('malformed-quote.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hello', 'Fine'),
      { kind: 'invalid', line: 3, reason: STRAY_QUOTE, value: 'ben@example.com,He"' },
      accepted(4, 'carla@example.com', 'Hello', 'Still read'),
    ]);
  });

  it('reports a record with several stray quotes once', async () => {
    const entries = await readText(
      'email,subject,content\nana@example.com,"He"llo "you",5" x"\nben@example.com,Hi,Ok\n',
    );
    expect(entries).toEqual([
      {
        kind: 'invalid',
        line: 2,
        reason: 'malformed CSV: a closing quote is not followed by a comma or a line break',
        value: 'ana@example.com,"He"',
      },
      accepted(3, 'ben@example.com', 'Hi', 'Ok'),
    ]);
  });

  it('reports consecutive malformed records each at its own line, across blank lines and CRLFs', async () => {
    const entries = await readText(
      'email,subject,content\r\nana@example.com,He"y,x\r\n\r\nben@example.com,"Two\r\nlines",5" tall\r\n' +
        'carla@example.com,Hi,"A\r\nB"\r\ndan@example.com,Hi,Ok\r\n',
    );
    expect(entries).toEqual([
      { kind: 'invalid', line: 2, reason: STRAY_QUOTE, value: 'ana@example.com,He"' },
      { kind: 'invalid', line: 4, reason: STRAY_QUOTE, value: 'ben@example.com,"Two' },
      accepted(6, 'carla@example.com', 'Hi', 'A\r\nB'),
      accepted(8, 'dan@example.com', 'Hi', 'Ok'),
    ]);
  });

  it('takes the lines after a closing quote followed by text into that invalid record, up to the next closing quote', async () => {
    const entries = await readText(
      'email,subject,content\nana@example.com,"Hi"x,Fine\nben@example.com,Hello,"Quoted"\ncarla@example.com,Hello,Read\n',
    );
    expect(entries).toEqual([
      {
        kind: 'invalid',
        line: 2,
        reason: 'malformed CSV: a closing quote is not followed by a comma or a line break',
        value: 'ana@example.com,"Hi"',
      },
      accepted(4, 'carla@example.com', 'Hello', 'Read'),
    ]);
  });

  it('reports a quote left open at the line where its record starts, after the rows before it', async () => {
    // The open quote takes in the rest of the file, so carla and dan are part of ben's record.
    const invalid: RowEntry = {
      kind: 'invalid',
      line: 3,
      reason: UNCLOSED_QUOTE,
      value: 'ben@example.com,Hello,"This quote is never closed',
    };
    expect(await readFixture('unclosed-quote.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hello', 'Fine'),
      invalid,
    ]);
    const crlf = readFileSync(fixture('unclosed-quote.csv'), 'utf8').replaceAll('\n', '\r\n');
    expect(await readText(`${crlf}\r\n`)).toEqual([accepted(2, 'ana@example.com', 'Hello', 'Fine'), invalid]);
  });
});

describe('reading a stream', () => {
  it('passes on an error of the source', async () => {
    async function* failing() {
      yield Buffer.from('email,subject,content\nana@example.com,Hi,Hello\n');
      throw new Error('connection reset');
    }
    await expect(readAll(failing())).rejects.toThrow('connection reset');
  });

  it('stops reading the source when the consumer stops', async () => {
    let bytesRead = 0;
    function* rows() {
      yield Buffer.from('email,subject,content\n');
      for (let i = 0; i < 100_000; i++) {
        const row = Buffer.from(`user${i}@example.com,Hi,Hello\n`);
        bytesRead += row.length;
        yield row;
      }
    }
    for await (const entry of readCampaign(rows())) {
      expect(entry).toEqual(accepted(2, 'user0@example.com', 'Hi', 'Hello'));
      break;
    }
    // What is read ahead is what the streams buffer, a few times their default size (16 KiB on Node 20,
    // 64 KiB since Node 22), not the 3 MB of the source.
    expect(bytesRead).toBeLessThan(4 * getDefaultHighWaterMark(false));
  });
});

describe('detecting the encoding and the delimiter', () => {
  const formatOf = async (source: Source) => {
    let format: CampaignEntry | undefined;
    for await (const entry of readCampaign(source)) if (entry.kind === 'format') format = entry;
    return format;
  };

  it('reads a Windows-1252 file with ; and CRLF, its accents and € intact, and says so', async () => {
    expect(await readFixture('windows-1252.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Oferta para {{nombre}}', 'Año nuevo, café y crème brûlée €', {
        nombre: 'Ángela',
      }),
      accepted(3, 'ben@example.com', 'Señor {{nombre}}', 'Niño', { nombre: 'José' }),
    ]);
    expect(await formatOf(createReadStream(fixture('windows-1252.csv')))).toEqual({
      kind: 'format',
      encoding: 'windows-1252',
      delimiter: ';',
    });
  });

  it('detects Windows-1252 whatever the chunk boundaries', async () => {
    const bytes = readFileSync(fixture('windows-1252.csv'));
    expect(await readAll(byteByByte(bytes))).toEqual(await readAll([bytes]));
    expect(await formatOf(byteByByte(bytes))).toMatchObject({ encoding: 'windows-1252' });
  });

  it('reads an Excel export: BOM, ; delimiter, aliases in other case, a quoted CRLF and a line of ;;;', async () => {
    expect(await readFixture('excel-semicolon-bom.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hola; {{Nombre}}', 'Línea 1\r\nLínea 2', { Nombre: 'Ana' }),
      accepted(5, 'ben@example.com', 'Hola {{nombre}}', 'Fin', { Nombre: 'Benjamín' }),
    ]);
    expect(await formatOf(createReadStream(fixture('excel-semicolon-bom.csv')))).toEqual({
      kind: 'format',
      encoding: 'utf-8',
      delimiter: ';',
    });
  });

  it("takes the delimiter from Excel's sep= first line, reads the header after it, and counts it as line 1", async () => {
    expect(await readFixture('excel-sep-line.csv')).toEqual([
      accepted(3, 'ana@example.com', 'Hola, {{first_name}}', 'Precio: 5,00 €\r\nIVA incluido', {
        first_name: 'Ana',
      }),
      { kind: 'invalid', line: 5, reason: 'email is not of the form local@domain', value: 'not-an-address' },
      accepted(6, 'ben@example.com', 'Hola, {{first_name}}', 'Sin precio', { first_name: 'Ben' }),
    ]);
    const bytes = readFileSync(fixture('excel-sep-line.csv'));
    expect(await readAll(byteByByte(bytes))).toEqual(await readAll([bytes]));
    expect(await formatOf([bytes])).toMatchObject({ delimiter: ';' });
  });

  it('lets a sep= line decide where counting the header would pick another delimiter', async () => {
    // Three of each in the header: counting alone would pick the comma.
    const csv = 'sep=;\nemail;subject;content;first,middle,last,name\nana@example.com;Hi;Hello;Ana\n';
    expect(await formatOf([Buffer.from(csv)])).toMatchObject({ delimiter: ';' });
    expect(await readText(csv)).toEqual([
      accepted(3, 'ana@example.com', 'Hi', 'Hello', { 'first,middle,last,name': 'Ana' }),
    ]);
  });

  it('reads a sep= line after a BOM, in capitals, quoted or padded with its delimiter', async () => {
    for (const first of ['\uFEFFsep=\t', 'SEP=\t', '"sep=\t"', 'sep=\t\t\t']) {
      const csv = `${first}\r\nemail\tsubject\tcontent\r\nana@example.com\tHi, you\tHello\r\n`;
      expect([first, await readText(csv)]).toEqual([
        first,
        [accepted(3, 'ana@example.com', 'Hi, you', 'Hello')],
      ]);
    }
  });

  it('refuses a sep= line declaring a delimiter it does not read, naming it, or with text after it', async () => {
    const pipe = await fileErrorOf([Buffer.from('sep=|\nemail|subject|content\na@example.com|Hi|Hello\n')]);
    expect(pipe).toMatchObject({ problem: 'INVALID_SEPARATOR_LINE', details: { line: 1 } });
    expect(pipe.message).toBe(
      'line 1 ("sep=|") declares the delimiter "|"; a campaign file is separated by a comma, a semicolon or a tab',
    );
    expect((await fileErrorOf([Buffer.from('sep=\nemail,subject,content\n')])).message).toMatch(
      /^line 1 \("sep="\) declares no delimiter/,
    );
    expect((await fileErrorOf([Buffer.from('sep=;email\nemail;subject;content\n')])).message).toBe(
      'line 1 ("sep=;email") is not a separator line: expected sep= and the delimiter alone, such as sep=;',
    );
  });

  it('reads a file of nothing but a sep= line as empty', async () => {
    expect(await fileErrorOf([Buffer.from('sep=;\r\n')])).toMatchObject({ problem: 'EMPTY_FILE' });
  });

  it('reads a tab-separated file, keeping commas and semicolons inside fields', async () => {
    expect(await readFixture('tab.csv')).toEqual([
      accepted(2, 'ana@example.com', 'Hello {{first_name}}', 'Tabs, commas; and semicolons', {
        first_name: 'Ana',
      }),
      accepted(3, 'ben@example.com', 'Hello {{first_name}}', 'Second', { first_name: 'Ben' }),
    ]);
    expect(await formatOf(createReadStream(fixture('tab.csv')))).toMatchObject({ delimiter: '\t' });
  });

  it('counts delimiters outside quotes only, after blank lines', async () => {
    const csv = '\n,,\n"a;b;c;d",email,subject,content\nx,ana@example.com,Hi,Hello\n';
    expect(await formatOf([Buffer.from(csv)])).toMatchObject({ delimiter: ',' });
    expect(await readText(csv)).toEqual([accepted(4, 'ana@example.com', 'Hi', 'Hello', { 'a;b;c;d': 'x' })]);
  });

  it('reports UTF-8 for a file of ASCII only', async () => {
    expect(await formatOf(createReadStream(fixture('crlf.csv')))).toEqual({
      kind: 'format',
      encoding: 'utf-8',
      delimiter: ',',
    });
  });

  it('detects Windows-1252 from accents that first appear far into the file', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `user${i}@example.com,Hi,Hello\n`).join('');
    const bytes = Buffer.concat([
      Buffer.from(`email,subject,content\n${rows}`),
      Buffer.from('late@example.com,Hi,Caf\xe9\n', 'latin1'),
    ]);
    const entries = await readAll([bytes.subarray(0, 1000), bytes.subarray(1000)]);
    expect(entries.at(-1)).toEqual(accepted(3002, 'late@example.com', 'Hi', 'Café'));
    expect(await formatOf([bytes])).toMatchObject({ encoding: 'windows-1252' });
  });

  it('rejects a row whose bytes are not UTF-8 when the file was read as UTF-8 from earlier bytes', async () => {
    // The first non-ASCII bytes are UTF-8; the invalid byte comes more than SNIFF_BYTES later.
    const filler = Array.from({ length: 3000 }, (_, i) => `user${i}@example.com,Olá,Hello\n`).join('');
    const bytes = Buffer.concat([
      Buffer.from(`email,subject,content\n${filler}`),
      Buffer.from('late@example.com,Hi,Caf\xe9\nlast@example.com,Hi,Fine\n', 'latin1'),
    ]);
    expect(bytes.length).toBeGreaterThan(SNIFF_BYTES);
    const entries = await readAll([bytes]);
    expect(entries.slice(-2)).toEqual([
      { kind: 'invalid', line: 3002, reason: NOT_UTF8, value: 'Caf\uFFFD' },
      accepted(3003, 'last@example.com', 'Hi', 'Fine'),
    ]);
    expect(await formatOf([bytes])).toMatchObject({ encoding: 'utf-8' });
  });

  it('names the delimiter in the reason for a closing quote followed by text', async () => {
    expect(await readText('email;subject;content\nana@example.com;"Hi"x;Fine\n')).toEqual([
      {
        kind: 'invalid',
        line: 2,
        reason: 'malformed CSV: a closing quote is not followed by a semicolon or a line break',
        value: 'ana@example.com;"Hi"',
      },
    ]);
  });
});

describe('checking placeholders', () => {
  it('rejects a row whose {{placeholder}} names no personalisation column, naming it and the columns', async () => {
    expect(await readFixture('unknown-placeholder.csv')).toEqual([
      {
        kind: 'invalid',
        line: 2,
        reason: 'placeholder {{firstname}} names no column (personalisation columns: first_name)',
        value: '{{firstname}}',
        placeholder: 'firstname',
      },
    ]);
  });

  it('matches placeholder names case-insensitively and with spaces inside the braces, as the sender fills them', async () => {
    const csv =
      'email,subject,content,First_Name\nana@example.com,Hi {{ first_name }},Hello {{FIRST_NAME}},Ana\n';
    const entries = await readText(csv);
    expect(entries.map((e) => e.kind)).toEqual(['accepted']);
    const row = (entries[0] as Extract<RowEntry, { kind: 'accepted' }>).row;
    expect(fillPlaceholders(row.content, row.variables)).toBe('Hello Ana');
  });

  it('rejects {{email}}: a required column is no personalisation variable', async () => {
    const entries = await readText('email,subject,content\nana@example.com,Hi {{email}},Hello\n');
    expect(entries).toMatchObject([
      {
        kind: 'invalid',
        placeholder: 'email',
        reason: expect.stringContaining('the file has no personalisation columns'),
      },
    ]);
  });
});

describe('reading UTF-16 and control characters', () => {
  const CSV = 'email;subject;content\nana@example.com;Olá €;Línea\tuno\n';
  const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();
  const entriesAndFormat = async (source: Source) => {
    const entries: CampaignEntry[] = [];
    for await (const entry of readCampaign(source)) entries.push(entry);
    return entries;
  };
  const expected = (encoding: string) => [
    accepted(2, 'ana@example.com', 'Olá €', 'Línea\tuno'),
    { kind: 'format', encoding, delimiter: ';' },
  ];

  it('reads UTF-16 with a byte order mark, little- or big-endian, whatever the chunk boundaries', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(CSV)]);
    expect(await entriesAndFormat([le])).toEqual(expected('utf-16le'));
    expect(await entriesAndFormat(byteByByte(le))).toEqual(expected('utf-16le'));
    expect(await entriesAndFormat([be])).toEqual(expected('utf-16be'));
    expect(await entriesAndFormat(byteByByte(be))).toEqual(expected('utf-16be'));
  });

  it('reads UTF-16 without a byte order mark from the zero bytes of its ASCII header', async () => {
    expect(await entriesAndFormat([Buffer.from(CSV, 'utf16le')])).toEqual(expected('utf-16le'));
    expect(await entriesAndFormat(byteByByte(utf16be(CSV)))).toEqual(expected('utf-16be'));
  });

  it('rejects a UTF-16 row holding an unpaired surrogate, with its line', async () => {
    const text = `email,subject,content\na@example.com,Hi,Body\nb@example.com,Hi,Bad \ud800x\n`;
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(await readAll([bytes])).toEqual([
      accepted(2, 'a@example.com', 'Hi', 'Body'),
      { kind: 'invalid', line: 3, reason: NOT_UTF16, value: 'Bad \uFFFDx' },
    ]);
  });

  it('rejects a row with a NUL in any column at its line, and reads on', async () => {
    const text = 'email,subject,content\na@example.com,Hi\u0000,Body\nb@example.com,Hi,Body\n';
    expect(await readText(text)).toEqual([
      {
        kind: 'invalid',
        line: 2,
        reason: 'subject contains the control character U+0000',
        value: 'Hi\u2400',
      },
      accepted(3, 'b@example.com', 'Hi', 'Body'),
    ]);
  });
});
