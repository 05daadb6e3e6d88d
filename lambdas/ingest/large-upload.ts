import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ApiKeyCheck, requireApiKey } from '../auth/api-key-check.js';
import { jsonErrors } from '../http/json-errors.js';
import { jsonResponse } from '../http/json-response.js';
import { logger } from '../observability/logger.js';
import { largeUploadRequestOf } from './large-upload-request.js';

/** Where uploaded campaign files go in the bucket; the S3 trigger listens on this prefix only. */
export const UPLOAD_KEY_PREFIX = 'uploads/';
export const UPLOAD_KEY_SUFFIX = '.csv';
export const UPLOAD_CONTENT_TYPE = 'text/csv';

/** Object metadata the PUT must carry (signed), read back by the S3 ingest. */
export const FILE_NAME_HEADER = 'x-amz-meta-file-name';
export const DRY_RUN_HEADER = 'x-amz-meta-dry-run';

const BATCH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const uploadKeyOf = (batchId: string): string => `${UPLOAD_KEY_PREFIX}${batchId}${UPLOAD_KEY_SUFFIX}`;

/** The batch id an upload key was issued for, or undefined for any other key. */
export function batchIdOfKey(key: string): string | undefined {
  if (!key.startsWith(UPLOAD_KEY_PREFIX) || !key.endsWith(UPLOAD_KEY_SUFFIX)) return undefined;
  const batchId = key.slice(UPLOAD_KEY_PREFIX.length, -UPLOAD_KEY_SUFFIX.length);
  return BATCH_ID.test(batchId) ? batchId : undefined;
}

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

export interface LargeUpload {
  batchId: string;
  uploadUrl: string;
  method: 'PUT';
  /** Headers the PUT must send exactly as given: they are signed. */
  headers: Record<string, string>;
  expiresAt: string;
}

export interface LargeUploadDeps {
  s3: S3Client;
  bucketName: string;
  /** Lifetime of the URL. */
  urlSeconds: number;
  clock: () => Date;
  newBatchId: () => string;
}

/**
 * A pre-signed PUT for `uploads/<batchId>.csv` of exactly `size` bytes. Content type, length and
 * metadata are signed headers, so S3 refuses a PUT with another content type or of another length
 * (403 SignatureDoesNotMatch): the size checked when the URL was given out is the size stored. Nothing
 * is written: the batch comes into being when the file arrives and is read (s3-ingest-handler.ts).
 */
export async function createLargeUpload(
  deps: LargeUploadDeps,
  options: { size: number; fileName?: string; dryRun?: boolean },
): Promise<LargeUpload> {
  const batchId = deps.newBatchId();
  const headers: Record<string, string> = {
    'content-type': UPLOAD_CONTENT_TYPE,
    'content-length': String(options.size),
    ...(options.fileName ? { [FILE_NAME_HEADER]: encodeFileName(options.fileName) } : {}),
    ...(options.dryRun ? { [DRY_RUN_HEADER]: 'true' } : {}),
  };
  const now = deps.clock();
  const command = new PutObjectCommand({
    Bucket: deps.bucketName,
    Key: uploadKeyOf(batchId),
    ContentType: UPLOAD_CONTENT_TYPE,
    ContentLength: options.size,
    Metadata: {
      ...(options.fileName ? { 'file-name': encodeFileName(options.fileName) } : {}),
      ...(options.dryRun ? { 'dry-run': 'true' } : {}),
    },
  });
  const uploadUrl = await getSignedUrl(deps.s3, command, {
    expiresIn: deps.urlSeconds,
    signingDate: now,
    signableHeaders: new Set(Object.keys(headers)),
    // Kept as headers (the presigner would move x-amz-* into the query string): the client sends them.
    unhoistableHeaders: new Set(Object.keys(headers).filter((name) => name.startsWith('x-amz-'))),
  });
  return {
    batchId,
    uploadUrl,
    method: 'PUT',
    headers,
    expiresAt: new Date(now.getTime() + deps.urlSeconds * 1000).toISOString(),
  };
}

export interface UploadUrlHandlerDeps extends LargeUploadDeps {
  apiKeys: ApiKeyCheck;
  /** The largest file a URL is given out for (MAX_LARGE_UPLOAD_BYTES). */
  maxFileBytes: number;
}

/**
 * POST /campaigns/uploads `{ fileName?, size, dryRun? }`: a batch id and a pre-signed URL to PUT a
 * large CSV of that size to (large-upload-request.ts reads the request).
 */
export function createUploadUrlHandler(deps: UploadUrlHandlerDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(jsonErrors())
    .use(requireApiKey(deps.apiKeys, 'upload'))
    .handler(async (event) => {
      const request = largeUploadRequestOf(
        {
          headers: event.headers ?? {},
          ...(event.body === undefined ? {} : { body: event.body }),
          isBase64Encoded: event.isBase64Encoded,
          query: event.queryStringParameters ?? {},
        },
        deps.maxFileBytes,
      );
      const upload = await createLargeUpload(deps, request);
      logger.info('large upload URL issued', {
        batchId: upload.batchId,
        size: request.size,
        expiresAt: upload.expiresAt,
      });
      return jsonResponse(201, upload, { 'cache-control': 'no-store' });
    });
}
