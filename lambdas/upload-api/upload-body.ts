import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { LARGE_UPLOAD_PATH, routeKeyOf } from '../contract/api-routes.js';
import { dryRunFrom } from '../core/http/flag-parameter.js';
import { HttpError } from '../core/http/http-error.js';

export interface UploadedFile {
  fileName?: string;
  content: AsyncIterable<Buffer>;
  /** SHA-256 (hex) of the file's bytes: what an Idempotency-Key's retry must match. */
  sha256: string;
  /** `?dryRun=true` or a multipart field `dryRun`: rehearse the campaign without calling SES. */
  dryRun: boolean;
}

export interface UploadRequest {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
  /** The query string's parameters, as API Gateway gives them. */
  query?: Record<string, string | undefined>;
}

/** Where a file too large for this endpoint goes instead (pre-signed S3 upload). */
export const LARGE_FILE_ROUTE = routeKeyOf({ method: 'POST', path: LARGE_UPLOAD_PATH });

const CSV_TYPES = [
  'text/csv',
  'application/csv',
  'text/plain',
  'application/vnd.ms-excel',
  'text/comma-separated-values',
];
const FILE_PART_TYPES = [...CSV_TYPES, 'application/octet-stream', ''];

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function unsupported(got: string): HttpError {
  return new HttpError(
    415,
    `unsupported content type "${got || '(none)'}": send the CSV as multipart/form-data in a field named "file", or as a text/csv body`,
  );
}

/**
 * A form without a file in the field `file` (`curl -F list=@list.csv`, or only text fields): the body
 * is not "multipart with a CSV file", so 415 as for any body that carries no CSV, naming the field.
 */
function noFileField(): HttpError {
  return new HttpError(
    415,
    'the multipart/form-data body has no file in a field named "file": send the CSV as that field (curl -F file=@list.csv)',
  );
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Finds the CSV in an upload request: the `file` field of a multipart/form-data body (what
 * `curl -F file=@list.csv` and Swagger UI send), or the whole body when it is sent as text/csv.
 */
export async function uploadedFile(request: UploadRequest, maxBytes: number): Promise<UploadedFile> {
  const contentType = request.headers['content-type'];
  const mediaType = mediaTypeOf(contentType);
  const body = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length > maxBytes) {
    throw new HttpError(
      413,
      `the upload is ${body.length} bytes; this endpoint takes at most ${maxBytes} bytes. ` +
        `For a larger file, ask ${LARGE_FILE_ROUTE} for an upload URL and PUT the file there.`,
      { maxBytes, largeFileUpload: LARGE_FILE_ROUTE },
    );
  }
  const queryDryRun = dryRunFrom(request.query?.dryRun, 'query parameter');
  if (mediaType === 'multipart/form-data') {
    const form = await scanMultipart(body, contentType ?? '');
    const content = await fileFromMultipart(body, contentType ?? '');
    return {
      ...(form.fileName ? { fileName: form.fileName } : {}),
      content,
      sha256: form.sha256,
      dryRun: queryDryRun || dryRunFrom(form.dryRun, 'form field'),
    };
  }
  if (CSV_TYPES.includes(mediaType)) {
    return { content: Readable.from([body]), sha256: sha256(body), dryRun: queryDryRun };
  }
  throw unsupported(mediaType);
}

function malformed(error: unknown): HttpError {
  return new HttpError(
    400,
    `malformed multipart/form-data: ${error instanceof Error ? error.message : String(error)}`,
  );
}

function multipartParser(body: Buffer, contentType: string): busboy.Busboy {
  try {
    return busboy({ headers: { 'content-type': contentType }, limits: { fileSize: body.length + 1 } });
  } catch (error) {
    throw malformed(error);
  }
}

/**
 * A first pass over the form (in memory already: API Gateway hands the body whole): the `file` part's
 * name, type and hash and the `dryRun` field, wherever they stand in the form, before any row is read.
 */
function scanMultipart(
  body: Buffer,
  contentType: string,
): Promise<{ fileName?: string; sha256: string; dryRun?: string }> {
  return new Promise((resolve, reject) => {
    const parser = multipartParser(body, contentType);
    let file: { fileName?: string; sha256: string } | undefined;
    let refused: HttpError | undefined;
    let dryRun: string | undefined;
    parser.on('field', (name, value) => {
      if (name === 'dryRun') dryRun = value;
    });
    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || file !== undefined || refused !== undefined) {
        stream.resume();
        return;
      }
      const partType = mediaTypeOf(info.mimeType);
      const looksLikeCsv = /\.(csv|txt)$/i.test(info.filename ?? '');
      if (!FILE_PART_TYPES.includes(partType) && !looksLikeCsv) {
        refused = unsupported(partType);
        stream.resume();
        return;
      }
      const hash = createHash('sha256');
      const found: { fileName?: string; sha256: string } = {
        ...(info.filename ? { fileName: info.filename } : {}),
        sha256: '',
      };
      file = found;
      stream.on('data', (chunk: Buffer) => hash.update(chunk));
      stream.on('end', () => {
        found.sha256 = hash.digest('hex');
      });
    });
    parser.on('error', (error: unknown) => reject(malformed(error)));
    parser.on('close', () => {
      if (refused) reject(refused);
      else if (file === undefined) reject(noFileField());
      else resolve({ ...file, ...(dryRun === undefined ? {} : { dryRun }) });
    });
    parser.end(body);
  });
}

/** The second pass: the `file` part as a stream, read as the rows are consumed. */
function fileFromMultipart(body: Buffer, contentType: string): Promise<AsyncIterable<Buffer>> {
  return new Promise((resolve, reject) => {
    const parser = multipartParser(body, contentType);
    let found = false;
    parser.on('file', (field, stream) => {
      if (field !== 'file' || found) {
        stream.resume();
        return;
      }
      found = true;
      resolve(stream);
    });
    parser.on('error', (error: unknown) => reject(malformed(error)));
    parser.on('close', () => {
      if (!found) reject(noFileField());
    });
    parser.end(body);
  });
}
