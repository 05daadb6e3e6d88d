import { createHash } from 'node:crypto';
import { LARGE_UPLOAD_PATH, routeKeyOf } from '../contract/api-routes.js';
import { type CsvBodyRequest, csvBodyOf } from '../core/http/csv-body.js';
import { flagFrom } from '../core/http/flag-parameter.js';
import { HttpError } from '../core/http/http-error.js';

export { MAX_FORM_PARTS } from '../core/http/csv-body.js';

export interface UploadedFile {
  fileName?: string;
  /**
   * The file's bytes as the CSV reader reads them (API Gateway hands the body whole, 10 MB at most):
   * what is stored for the writer. A file declared UTF-16 without a byte order mark has one added
   * (csvBytes), so that the writer, which reads the stored bytes alone, reads it the same way.
   */
  bytes: Buffer;
  /** SHA-256 (hex) of the file as sent: what an Idempotency-Key's retry must match, and a repeated file. */
  sha256: string;
  /** `?dryRun=true` or a multipart field `dryRun`: rehearse the campaign without calling SES. */
  dryRun: boolean;
  /** `?allowDuplicate=true` or a multipart field: the same file as a recent batch is meant to go again. */
  allowDuplicate: boolean;
}

/** The flags an upload takes, as query parameters or form fields. */
const FLAGS = ['dryRun', 'allowDuplicate'] as const;
type FlagName = (typeof FLAGS)[number];

export interface UploadRequest extends CsvBodyRequest {
  /** The query string's parameters, as API Gateway gives them. */
  query?: Record<string, string | undefined>;
}

/** Where a file too large for this endpoint goes instead (pre-signed S3 upload). */
export const LARGE_FILE_ROUTE = routeKeyOf({ method: 'POST', path: LARGE_UPLOAD_PATH });

/** The 413 of a body above `maxBytes`, pointing to the large-file path. */
export function uploadTooLarge(maxBytes: number, size?: number): HttpError {
  return new HttpError(
    413,
    `the upload is ${size === undefined ? `more than ${maxBytes}` : size} bytes; this endpoint takes at most ${maxBytes} bytes. ` +
      `For a larger file, ask ${LARGE_FILE_ROUTE} for an upload URL and PUT the file there.`,
    { maxBytes, largeFileUpload: LARGE_FILE_ROUTE },
  );
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Finds the campaign in an upload request (core/http/csv-body.ts: the `file` field of a form, or a
 * text/csv body) with its flags: query parameters, or fields of the form.
 */
export async function uploadedFile(request: UploadRequest, maxBytes: number): Promise<UploadedFile> {
  const body = await csvBodyOf(request, {
    maxBytes,
    tooLarge: uploadTooLarge,
    fieldNames: FLAGS,
    formHolds: 'an upload needs the file and its flags (dryRun, allowDuplicate)',
  });
  const queryFlag = (name: FlagName) => flagFrom(name, request.query?.[name], 'query parameter');
  const flag = (name: FlagName) =>
    body.form ? queryFlag(name) || flagFrom(name, body.fields[name], 'form field') : queryFlag(name);
  return {
    ...(body.fileName ? { fileName: body.fileName } : {}),
    bytes: body.bytes,
    sha256: sha256(body.sent),
    dryRun: flag('dryRun'),
    allowDuplicate: flag('allowDuplicate'),
  };
}
