import type { z } from 'zod';
import {
  type FileTooLarge,
  type LargeUploadRequest,
  LargeUploadRequestSchema,
  MAX_FILE_NAME,
} from '../contract/api-schemas.js';
import { dryRunRefusal, flagValueOf } from '../core/http/flag-parameter.js';
import { HttpError } from '../core/http/http-error.js';
import { type JsonBodyRequest, jsonBodyOf } from '../core/http/json-body.js';

export interface LargeUploadHttpRequest extends JsonBodyRequest {
  query: Record<string, string | undefined>;
}

/** The fields of the request schema, in its order. */
const FIELDS = Object.keys(LargeUploadRequestSchema.shape) as Field[];
type Field = keyof LargeUploadRequest;

const EXAMPLE = '{"fileName": "list.csv", "size": 123456789}';

/** A value and where it came from, for messages that say where the wrong value is. */
interface Given {
  value: unknown;
  /** `body field` or `query parameter`. */
  source: string;
  name: Field;
}

const whereOf = (given: Given) => `${given.source} ${given.name}`;

/** Each field from the JSON body or, as before the body existed, from the query string; not both. */
function fieldsOf(request: LargeUploadHttpRequest): Partial<Record<Field, Given>> {
  const body = jsonBodyOf(request, {
    fields: FIELDS,
    example: EXAMPLE,
    // All may be given as query parameters instead.
    optional: true,
    // Most likely the file itself, sent here instead of to the upload URL.
    unsupportedHint: 'PUT the file itself to the uploadUrl of the answer',
  });
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

/**
 * What the schema is given for each field: the value itself, or its text form read as the schema's
 * type (a query parameter is always text, and a JSON client may quote a number): `"2048"` for size,
 * `true`/`yes`/`1`/… for dryRun (flagValueOf). A file name is trimmed, and a blank one is none.
 */
function candidateOf(given: Given | undefined): unknown {
  if (given === undefined) return undefined;
  const { value, name } = given;
  if (typeof value !== 'string') return value;
  switch (name) {
    case 'size':
      return /^\d+$/.test(value) ? Number(value) : value;
    case 'dryRun':
      return flagValueOf(value) ?? value;
    case 'fileName':
      return value.trim() === '' ? undefined : value.trim();
  }
}

const shown = (value: unknown) => JSON.stringify(value)?.slice(0, 50) ?? String(value);

/** The message of the first thing wrong with `field`, in words that name where the value came from. */
function refusalOf(
  field: Field,
  given: Given | undefined,
  issues: z.core.$ZodIssue[],
): HttpError | undefined {
  const issue = issues.find((candidate) => candidate.path[0] === field);
  if (issue === undefined) return undefined;
  if (given === undefined) {
    // Only size is required.
    return new HttpError(
      400,
      `size is required: the file's length in bytes, e.g. ${EXAMPLE}; the upload URL is signed for exactly that length`,
      { problem: 'SIZE_REQUIRED' },
    );
  }
  switch (field) {
    case 'size':
      return new HttpError(
        400,
        `${whereOf(given)} must be the file's length in bytes, at least 1; got ${shown(given.value)}`,
        { problem: 'INVALID_SIZE' },
      );
    case 'fileName':
      return new HttpError(
        400,
        issue.code === 'too_big'
          ? `${whereOf(given)} is longer than ${MAX_FILE_NAME} characters`
          : `${whereOf(given)} must be a string, got ${shown(given.value)}`,
      );
    case 'dryRun':
      return typeof given.value === 'string'
        ? dryRunRefusal(given.value, given.source)
        : new HttpError(400, `${whereOf(given)} must be true or false, got ${shown(given.value)}`);
  }
}

/** The 413 of a size above the largest file taken. */
export function fileTooLarge(size: number, maxFileBytes: number): HttpError {
  const details: Omit<FileTooLarge, 'error'> = { problem: 'FILE_TOO_LARGE', maxBytes: maxFileBytes };
  return new HttpError(
    413,
    `the file is ${size} bytes; the largest file this API takes is ${maxFileBytes} bytes (${humanBytes(maxFileBytes)})`,
    details,
  );
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
 * Reads POST /campaigns/uploads with LargeUploadRequestSchema: a JSON body `{ fileName?, size, dryRun? }`
 * (or the same names as query parameters). `size` is required, so that the URL can be signed for that
 * length, and at most `maxFileBytes` (413 above it). What is wrong is told in the order size, the
 * size limit, fileName, dryRun, naming the field and where it was given.
 */
export function largeUploadRequestOf(
  request: LargeUploadHttpRequest,
  maxFileBytes: number,
): LargeUploadRequest & { dryRun: boolean } {
  const fields = fieldsOf(request);
  const candidate = Object.fromEntries(
    FIELDS.map((name) => [name, candidateOf(fields[name])]).filter(([, value]) => value !== undefined),
  );
  const parsed = LargeUploadRequestSchema.safeParse(candidate);
  const issues = parsed.success ? [] : parsed.error.issues;
  const sizeRefusal = refusalOf('size', fields.size, issues);
  if (sizeRefusal) throw sizeRefusal;
  const size = LargeUploadRequestSchema.shape.size.parse(candidate.size);
  if (size > maxFileBytes) throw fileTooLarge(size, maxFileBytes);
  for (const name of ['fileName', 'dryRun'] as const) {
    const refusal = refusalOf(name, fields[name], issues);
    if (refusal) throw refusal;
  }
  if (!parsed.success) throw parsed.error;
  const { fileName, dryRun = false } = parsed.data;
  return { ...(fileName ? { fileName } : {}), size, dryRun };
}
