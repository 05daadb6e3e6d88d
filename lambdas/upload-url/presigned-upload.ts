import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { LargeUpload } from '../contract/api-schemas.js';
import {
  DRY_RUN_HEADER,
  encodeFileName,
  FILE_NAME_HEADER,
  UPLOAD_CONTENT_TYPE,
  UPLOAD_METADATA,
  uploadKeyOf,
} from '../contract/upload-object.js';

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
 * is written: the batch comes into being when the file arrives and is read (lambdas/ingest-s3).
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
      ...(options.fileName ? { [UPLOAD_METADATA.fileName]: encodeFileName(options.fileName) } : {}),
      ...(options.dryRun ? { [UPLOAD_METADATA.dryRun]: 'true' } : {}),
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
