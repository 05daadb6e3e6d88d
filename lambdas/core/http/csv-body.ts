import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { HttpError } from './http-error.js';

/**
 * A CSV file a person sends to the API (a campaign, a list of addresses to suppress): the `file` field of
 * a multipart/form-data body (what `curl -F file=@list.csv` and Swagger UI send), or the whole body sent
 * as text/csv. A Content-Encoding was undone before (content-encoding.ts); the file's own bytes are
 * checked here for what cannot be a CSV and for the charset it is declared in (csvBytes).
 */
export interface CsvBody {
  fileName?: string;
  /**
   * The file's bytes as the CSV reader reads them (API Gateway hands the body whole, 10 MB at most). A
   * file declared UTF-16 without a byte order mark has one added (csvBytes), so that a reader of the
   * stored bytes alone reads it the same way.
   */
  bytes: Buffer;
  /** The file's bytes as sent (what a retry is compared by). */
  sent: Buffer;
  /** Whether it came as a form, whose text fields are then in `fields`. */
  form: boolean;
  /** The form's text fields named in `fieldNames`, as sent. */
  fields: Record<string, string>;
}

export interface CsvBodyRequest {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
}

export interface CsvBodyOptions {
  /** The largest body taken, and its 413. */
  maxBytes: number;
  tooLarge: (maxBytes: number, size?: number) => HttpError;
  /** The text fields a form may carry with the file (the upload's flags): kept in `fields`. */
  fieldNames: readonly string[];
  /** What a form of this route holds, for the refusal of one with too many parts. */
  formHolds: string;
}

/**
 * Most parts a form may have: the file, its flags and whatever a form builder adds. Far more is no upload
 * form, and each part costs a little work however small.
 */
export const MAX_FORM_PARTS = 20;

const CSV_TYPES = [
  'text/csv',
  'application/csv',
  'text/plain',
  'application/vnd.ms-excel',
  'text/comma-separated-values',
];
const FILE_PART_TYPES = [...CSV_TYPES, 'application/octet-stream', ''];

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A parameter of a Content-Type (`charset`, `boundary`), unquoted; undefined when absent. */
function parameterOf(contentType: string | undefined, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(contentType ?? '');
  return match === null ? undefined : (match[1] ?? match[2] ?? '');
}

function unsupported(got: string): HttpError {
  return new HttpError(
    415,
    `unsupported content type "${got || '(none)'}": send the CSV as multipart/form-data in a field named "file", or as a text/csv body`,
    { problem: 'UNSUPPORTED_CONTENT_TYPE' },
  );
}

/**
 * A form without a file in the field `file` (`curl -F list=@list.csv`, or only text fields): the body
 * is not "multipart with a CSV file", so 415 as for any body that carries no CSV, naming the field.
 */
function noFileField(textField: boolean): HttpError {
  return new HttpError(
    415,
    textField
      ? 'the field "file" of the multipart/form-data body is a text field, not a file: send the CSV as a file (curl -F file=@list.csv)'
      : 'the multipart/form-data body has no file in a field named "file": send the CSV as that field (curl -F file=@list.csv)',
    { problem: 'NO_FILE_FIELD' },
  );
}

/**
 * Finds the CSV in a request: the `file` field of a multipart/form-data body, or the whole body when it
 * is sent as CSV; a 413 above `maxBytes`, a 415 for a body that carries no CSV, a 400 for a malformed form.
 */
export async function csvBodyOf(request: CsvBodyRequest, options: CsvBodyOptions): Promise<CsvBody> {
  const contentType = request.headers['content-type'];
  const mediaType = mediaTypeOf(contentType);
  const body = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length > options.maxBytes) throw options.tooLarge(options.maxBytes, body.length);
  if (mediaType === 'multipart/form-data') {
    const form = await readForm(body, contentType ?? '', options);
    return {
      ...(form.file.fileName ? { fileName: form.file.fileName } : {}),
      // busboy keeps a file part's charset to itself; browsers send none. The reader tells UTF-16 by
      // its byte order mark, or by the zero bytes of its ASCII header.
      bytes: csvBytes(form.file.bytes, undefined, 'the file'),
      sent: form.file.bytes,
      form: true,
      fields: form.fields,
    };
  }
  if (CSV_TYPES.includes(mediaType)) {
    return {
      bytes: csvBytes(body, parameterOf(contentType, 'charset'), 'the body'),
      sent: body,
      form: false,
      fields: {},
    };
  }
  throw unsupported(mediaType);
}

// ---------------------------------------------------------------------------------------------------
// The file's bytes

const UTF16_BOM = { le: Buffer.from([0xff, 0xfe]), be: Buffer.from([0xfe, 0xff]) };

/** Charsets the CSV reader tells apart by itself (campaign-encoding.ts): any of them is simply read. */
const SNIFFED_CHARSETS = [
  'utf-8',
  'utf8',
  'us-ascii',
  'ascii',
  'iso-8859-1',
  'latin1',
  'windows-1252',
  'cp1252',
];

function unsupportedCharset(charset: string): HttpError {
  return new HttpError(
    415,
    `charset "${charset.slice(0, 50)}" is not supported: save the CSV as UTF-8 (or UTF-16, or Windows-1252)`,
    { problem: 'UNSUPPORTED_CHARSET' },
  );
}

function notCsv(what: string, is: string, instead: string): HttpError {
  return new HttpError(415, `${what} is ${is}, not a CSV: ${instead}`, { problem: 'NOT_A_CSV_FILE' });
}

const startsWith = (bytes: Buffer, ...prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);

/**
 * The file's bytes as the CSV reader reads them, or a 415 for a file it would only misread: a
 * compressed file or a workbook (whose "columns" would be reported missing, with garbled names), a
 * charset it cannot decode. A file declared UTF-16 without a byte order mark gets one, so that the
 * reader, which decides the encoding from the bytes alone (as it must for S3 uploads), reads it so.
 */
function csvBytes(bytes: Buffer, declaredCharset: string | undefined, what: string): Buffer {
  if (startsWith(bytes, 0x1f, 0x8b)) {
    throw notCsv(
      what,
      'gzip-compressed',
      'send it uncompressed, or send the compressed body with Content-Encoding: gzip',
    );
  }
  if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04)) {
    throw notCsv(what, 'a ZIP archive (an Excel workbook?)', 'save it as CSV (UTF-8) and upload that');
  }
  if (startsWith(bytes, 0xff, 0xfe, 0x00, 0x00) || startsWith(bytes, 0x00, 0x00, 0xfe, 0xff)) {
    throw unsupportedCharset('utf-32');
  }
  const charset = declaredCharset?.trim().toLowerCase();
  if (charset === undefined || charset === '' || SNIFFED_CHARSETS.includes(charset)) return bytes;
  if (!['utf-16', 'utf-16le', 'utf-16be'].includes(charset)) throw unsupportedCharset(charset);
  if (startsWith(bytes, 0xff, 0xfe) || startsWith(bytes, 0xfe, 0xff)) return bytes;
  const order = charset === 'utf-16le' ? 'le' : charset === 'utf-16be' ? 'be' : byteOrderOf(bytes);
  return Buffer.concat([UTF16_BOM[order], bytes]);
}

/**
 * The byte order of UTF-16 text without a mark: a CSV starts with an ASCII header, whose characters
 * have their zero byte second in little-endian (what Windows writes) and first in big-endian.
 */
function byteOrderOf(bytes: Buffer): 'le' | 'be' {
  let zeroFirst = 0;
  let zeroSecond = 0;
  for (let i = 0; i + 1 < Math.min(bytes.length, 64); i += 2) {
    if (bytes[i] === 0 && bytes[i + 1] !== 0) zeroFirst += 1;
    if (bytes[i] !== 0 && bytes[i + 1] === 0) zeroSecond += 1;
  }
  return zeroFirst > zeroSecond ? 'be' : 'le';
}

// ---------------------------------------------------------------------------------------------------
// The multipart form

interface FilePart {
  fileName?: string;
  bytes: Buffer;
}

interface Form {
  file: FilePart;
  /** The text fields of `fieldNames` as sent. */
  fields: Record<string, string>;
}

function malformed(problem: string): HttpError {
  return new HttpError(400, `malformed multipart/form-data: ${problem}`, { problem: 'MALFORMED_MULTIPART' });
}

/** The delimiters of the form's parts, as busboy finds them: a CRLF (or the start), `--` and the boundary. */
function delimitersIn(body: Buffer, boundary: string): { parts: number; closed: boolean } {
  const text = Buffer.concat([Buffer.from('\r\n'), body]);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let parts = -1;
  for (let at = text.indexOf(delimiter); at !== -1; at = text.indexOf(delimiter, at + delimiter.length)) {
    if (text[at + delimiter.length] === 0x2d && text[at + delimiter.length + 1] === 0x2d) {
      return { parts: parts + 1, closed: true };
    }
    parts += 1;
  }
  return { parts: parts + 1, closed: false };
}

/**
 * Reads the whole form in one pass: API Gateway hands the body over whole (a few MB at most), so the
 * `file` part is kept in memory and every problem of the form, wherever it is, is known before the
 * first row is read. busboy parses; every error it raises, on the form or on a part's stream, is
 * handled here and becomes a 400 that says what is wrong, as no malformed body may crash the function.
 */
function readForm(body: Buffer, contentType: string, options: CsvBodyOptions): Promise<Form> {
  const boundary = parameterOf(contentType, 'boundary');
  if (!boundary) {
    throw malformed('the Content-Type has no boundary parameter (multipart/form-data; boundary=…)');
  }
  if (body.length === 0) throw malformed('the body is empty');
  const delimiters = delimitersIn(body, boundary);
  if (delimiters.parts === 0 && !delimiters.closed) {
    throw malformed(
      `the body has no part delimited by the boundary "${boundary.slice(0, 70)}" that the Content-Type names; send the body with the Content-Type its form was built with`,
    );
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      // busboy raises partsLimit when its count reaches the limit: one more than the parts allowed.
      limits: { fileSize: body.length + 1, parts: MAX_FORM_PARTS + 1 },
    });
  } catch (error) {
    throw malformed(error instanceof Error ? error.message : String(error));
  }

  return new Promise((resolve, reject) => {
    const files: (FilePart & { type: string })[] = [];
    let fileFields = 0;
    let textFileField = false;
    const fields: Record<string, string> = {};
    let seen = 0;
    let failed = false;
    const fail = (error: HttpError) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    const unnamed = () =>
      malformed(
        `part ${seen} has no name: every part needs a header Content-Disposition: form-data; name="…"`,
      );

    parser.on('field', (name: string | undefined, value: string) => {
      seen += 1;
      if (!name) fail(unnamed());
      else if (options.fieldNames.includes(name)) fields[name] = value;
      else if (name === 'file') textFileField = true;
    });
    parser.on('file', (name: string | undefined, stream: Readable, info: busboy.FileInfo) => {
      seen += 1;
      // A part's stream fails with the form (a body cut short inside it): the form's error says why.
      stream.on('error', () => {});
      if (!name) {
        fail(unnamed());
        stream.resume();
        return;
      }
      if (name !== 'file') {
        stream.resume();
        return;
      }
      fileFields += 1;
      const chunks: Buffer[] = [];
      const part: FilePart & { type: string } = {
        ...(info.filename ? { fileName: info.filename } : {}),
        type: mediaTypeOf(info.mimeType),
        bytes: Buffer.alloc(0),
      };
      files.push(part);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        part.bytes = Buffer.concat(chunks);
      });
    });
    parser.on('partsLimit', () =>
      fail(malformed(`the form has more than ${MAX_FORM_PARTS} parts; ${options.formHolds}`)),
    );
    parser.on('error', (error: unknown) => fail(malformed(describe(error, boundary, seen))));
    parser.on('close', () => {
      if (failed) return;
      if (seen < delimiters.parts) {
        fail(
          malformed(
            `${delimiters.parts - seen} of its ${delimiters.parts} parts ${delimiters.parts - seen === 1 ? 'has' : 'have'} no Content-Disposition: form-data header with a name`,
          ),
        );
        return;
      }
      if (fileFields > 1) {
        fail(
          new HttpError(
            400,
            `the form has ${fileFields} files in the field "file"; send one CSV per upload`,
            { problem: 'MULTIPLE_FILE_PARTS' },
          ),
        );
        return;
      }
      const [file] = files;
      if (file === undefined) {
        fail(noFileField(textFileField));
        return;
      }
      const looksLikeCsv = /\.(csv|txt|tsv)$/i.test(file.fileName ?? '');
      if (!FILE_PART_TYPES.includes(file.type) && !looksLikeCsv) {
        fail(unsupported(file.type));
        return;
      }
      resolve({ file, fields });
    });
    parser.end(body);
  });
}

/** busboy's terse messages, said in terms of what the client sent. */
function describe(error: unknown, boundary: string, seen: number): string {
  // `seen` counts the parts whose headers were read: a malformed header is the next one's.
  const message = error instanceof Error ? error.message : String(error);
  if (/^Unexpected end of (form|file)$/.test(message)) {
    return `the body ends before its closing boundary --${boundary.slice(0, 70)}--: it was cut short, or the closing boundary is missing`;
  }
  if (message === 'Malformed part header') {
    return `the headers of part ${seen + 1} are malformed or longer than 16 KB`;
  }
  return message;
}
