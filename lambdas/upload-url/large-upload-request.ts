import { dryRunFrom } from '../core/http/flag-parameter.js';
import { HttpError } from '../core/http/http-error.js';

/** What a client asks POST /campaigns/uploads for: a URL to PUT a file of exactly `size` bytes to. */
export interface LargeUploadRequest {
  fileName?: string;
  /** The file's length in bytes, signed into the URL: S3 refuses a PUT of any other length. */
  size: number;
  dryRun: boolean;
}

export interface LargeUploadHttpRequest {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
  query: Record<string, string | undefined>;
}

export const MAX_FILE_NAME = 200;

const FIELDS = ['fileName', 'size', 'dryRun'] as const;
type Field = (typeof FIELDS)[number];

const EXAMPLE = '{"fileName": "list.csv", "size": 123456789}';

/** JSON, and what `curl -d '{…}'` sends by default (it labels any -d body as a form). */
const JSON_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', ''];

/** A value and where it came from, for messages that say where the wrong value is. */
interface Given {
  value: unknown;
  /** `body field` or `query parameter`. */
  source: string;
  name: Field;
}

const whereOf = (given: Given) => `${given.source} ${given.name}`;

function bodyFields(request: LargeUploadHttpRequest): Record<string, unknown> {
  const text = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  if (text.trim() === '') return {};
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!JSON_TYPES.includes(mediaType) && !mediaType.endsWith('+json')) {
    // Most likely the file itself, sent here instead of to the upload URL.
    throw new HttpError(
      415,
      `unsupported content type "${mediaType}": this route takes a JSON object describing the file, ` +
        `such as ${EXAMPLE}; PUT the file itself to the uploadUrl of the answer`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new HttpError(400, `the body is not valid JSON (${why}); send an object such as ${EXAMPLE}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, `the body must be a JSON object such as ${EXAMPLE}`);
  }
  const unknown = Object.keys(parsed).filter((name) => !(FIELDS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new HttpError(
      400,
      `unknown field(s) in the body: ${unknown.join(', ')}; the fields are ${FIELDS.join(', ')}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** Each field from the JSON body or, as before the body existed, from the query string; not both. */
function fieldsOf(request: LargeUploadHttpRequest): Partial<Record<Field, Given>> {
  const body = bodyFields(request);
  const fields: Partial<Record<Field, Given>> = {};
  for (const name of FIELDS) {
    const inBody = body[name];
    const inQuery = request.query[name];
    if (inBody !== undefined && inQuery !== undefined) {
      throw new HttpError(400, `${name} is given both in the body and as a query parameter; give it once`);
    }
    if (inBody !== undefined) fields[name] = { value: inBody, source: 'body field', name };
    else if (inQuery !== undefined) fields[name] = { value: inQuery, source: 'query parameter', name };
  }
  return fields;
}

const shown = (value: unknown) => JSON.stringify(value)?.slice(0, 50) ?? String(value);

function sizeOf(given: Given | undefined, maxFileBytes: number): number {
  if (given === undefined) {
    throw new HttpError(
      400,
      `size is required: the file's length in bytes, e.g. ${EXAMPLE}; the upload URL is signed for exactly that length`,
      { problem: 'SIZE_REQUIRED' },
    );
  }
  const { value } = given;
  const size =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new HttpError(
      400,
      `${whereOf(given)} must be the file's length in bytes, at least 1; got ${shown(value)}`,
      {
        problem: 'INVALID_SIZE',
      },
    );
  }
  if (size > maxFileBytes) {
    throw new HttpError(
      413,
      `the file is ${size} bytes; the largest file this API takes is ${maxFileBytes} bytes (${humanBytes(maxFileBytes)})`,
      { problem: 'FILE_TOO_LARGE', maxBytes: maxFileBytes },
    );
  }
  return size;
}

function fileNameOf(given: Given | undefined): string | undefined {
  if (given === undefined) return undefined;
  if (typeof given.value !== 'string') {
    throw new HttpError(400, `${whereOf(given)} must be a string, got ${shown(given.value)}`);
  }
  const fileName = given.value.trim();
  if (fileName.length > MAX_FILE_NAME) {
    throw new HttpError(400, `${whereOf(given)} is longer than ${MAX_FILE_NAME} characters`);
  }
  return fileName === '' ? undefined : fileName;
}

function dryRunOf(given: Given | undefined): boolean {
  if (given === undefined) return false;
  if (typeof given.value === 'boolean') return given.value;
  if (typeof given.value !== 'string') {
    throw new HttpError(400, `${whereOf(given)} must be true or false, got ${shown(given.value)}`);
  }
  return dryRunFrom(given.value, given.source);
}

/** `1 GiB`, `512 MiB`: the limit as a person reads it, beside the exact number of bytes. */
export function humanBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * Reads POST /campaigns/uploads: a JSON body `{ fileName?, size, dryRun? }` (or the same names as
 * query parameters). `size` is required, so that the URL can be signed for that length, and at most
 * `maxFileBytes` (413 above it).
 */
export function largeUploadRequestOf(
  request: LargeUploadHttpRequest,
  maxFileBytes: number,
): LargeUploadRequest {
  const fields = fieldsOf(request);
  const size = sizeOf(fields.size, maxFileBytes);
  const fileName = fileNameOf(fields.fileName);
  return { ...(fileName ? { fileName } : {}), size, dryRun: dryRunOf(fields.dryRun) };
}
