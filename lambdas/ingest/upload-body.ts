import { Readable } from 'node:stream';
import busboy from 'busboy';
import { HttpError } from '../http/http-error.js';

export interface UploadedFile {
  fileName?: string;
  content: AsyncIterable<Buffer>;
}

export interface UploadRequest {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
}

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
      `the upload is ${body.length} bytes; this endpoint takes at most ${maxBytes} bytes`,
      {
        maxBytes,
      },
    );
  }
  if (mediaType === 'multipart/form-data') return fileFromMultipart(body, contentType ?? '', maxBytes);
  if (CSV_TYPES.includes(mediaType)) return { content: Readable.from([body]) };
  throw unsupported(mediaType);
}

function fileFromMultipart(body: Buffer, contentType: string, maxBytes: number): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fileSize: maxBytes } });
    } catch (error) {
      reject(
        new HttpError(
          400,
          `malformed multipart/form-data: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
      return;
    }
    let found = false;
    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || found) {
        stream.resume();
        return;
      }
      found = true;
      const partType = mediaTypeOf(info.mimeType);
      const looksLikeCsv = /\.(csv|txt)$/i.test(info.filename ?? '');
      if (!FILE_PART_TYPES.includes(partType) && !looksLikeCsv) {
        stream.resume();
        reject(unsupported(partType));
        return;
      }
      resolve({ ...(info.filename ? { fileName: info.filename } : {}), content: stream });
    });
    parser.on('error', (error: unknown) => {
      reject(
        new HttpError(
          400,
          `malformed multipart/form-data: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    });
    parser.on('close', () => {
      if (!found)
        reject(new HttpError(400, 'the multipart/form-data body has no file in a field named "file"'));
    });
    parser.end(body);
  });
}
