/**
 * How a campaign file travels through S3: the key it is stored under (which names its batch) and the
 * object metadata that carries its options. The upload API stores a file there before answering, the
 * upload-url function signs URLs for these keys and headers, the writer reads them back, and the stack
 * scopes the bucket's notification and permissions to the prefix.
 */

/** Where uploaded campaign files go in the bucket; the S3 trigger listens on this prefix only. */
export const UPLOAD_KEY_PREFIX = 'uploads/';
export const UPLOAD_KEY_SUFFIX = '.csv';
export const UPLOAD_CONTENT_TYPE = 'text/csv';

/** Object metadata (`x-amz-meta-<name>` on the PUT, signed) that the S3 ingest reads back. */
export const UPLOAD_METADATA = { fileName: 'file-name', dryRun: 'dry-run' } as const;
export const FILE_NAME_HEADER = `x-amz-meta-${UPLOAD_METADATA.fileName}`;
export const DRY_RUN_HEADER = `x-amz-meta-${UPLOAD_METADATA.dryRun}`;

const BATCH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const uploadKeyOf = (batchId: string): string => `${UPLOAD_KEY_PREFIX}${batchId}${UPLOAD_KEY_SUFFIX}`;

/** The batch id an upload key was issued for, or undefined for any other key. */
export function batchIdOfKey(key: string): string | undefined {
  if (!key.startsWith(UPLOAD_KEY_PREFIX) || !key.endsWith(UPLOAD_KEY_SUFFIX)) return undefined;
  const batchId = key.slice(UPLOAD_KEY_PREFIX.length, -UPLOAD_KEY_SUFFIX.length);
  return BATCH_ID.test(batchId) ? batchId : undefined;
}

/**
 * Where the writer keeps each chunk of a batch's rows: what the sender mails (subject, content,
 * personalisation) and GraphQL shows, written once, read by key.
 */
export const ROWS_KEY_PREFIX = 'rows/';
export const rowsKeyOf = (batchId: string, chunk: number): string =>
  `${ROWS_KEY_PREFIX}${batchId}/${String(chunk).padStart(6, '0')}.json`;

/** Metadata values travel as HTTP headers: ASCII only, so the name is percent-encoded. */
export const encodeFileName = (name: string): string => encodeURIComponent(name);

export function decodeFileName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
