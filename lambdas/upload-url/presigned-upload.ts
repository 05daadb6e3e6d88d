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
import type { WriterStore } from '../core/store/writer-store.js';

export interface LargeUploadDeps {
  s3: S3Client;
  bucketName: string;
  /** Lifetime of the URL. */
  urlSeconds: number;
  /** Where the file is noted as expected (the writer list), before the URL is given out. */
  writers: Pick<WriterStore, 'register'>;
  /** How long the batch's items are kept. */
  retentionSeconds: number;
  clock: () => Date;
  newBatchId: () => string;
}

/**
 * A pre-signed PUT for `uploads/<batchId>.csv` of exactly `size` bytes. Content type, length and
 * metadata are signed headers, so S3 refuses a PUT with another content type or of another length
 * (403 SignatureDoesNotMatch): the size checked when the URL was given out is the size stored.
 *
 * The file is registered on the writer list, due by the URL's expiry: the writer takes it up from S3's
 * event when it arrives; if that event is lost, the sweeper (or a local restart's recovery) finds it on
 * the list once it is due; a file never PUT ends FAILED FILE_NOT_FOUND after that. The batch itself
 * comes into being with the writer's first chunk.
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
  const expiresAt = new Date(now.getTime() + deps.urlSeconds * 1000);
  await deps.writers.register(
    batchId,
    { bucket: deps.bucketName, key: uploadKeyOf(batchId), createdAt: now.toISOString() },
    now,
    Math.floor(now.getTime() / 1000) + deps.retentionSeconds,
    { fileDueBy: expiresAt.getTime() },
  );
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
    expiresAt: expiresAt.toISOString(),
  };
}
