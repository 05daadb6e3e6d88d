import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  decodeFileName,
  encodeFileName,
  UPLOAD_CONTENT_TYPE,
  UPLOAD_METADATA,
  uploadKeyOf,
} from '../../contract/upload-object.js';

/** What travels with a campaign file in its object metadata. */
export interface FileOptions {
  fileName?: string;
  dryRun: boolean;
}

/** A campaign file opened for reading: its bytes as a stream, never held whole. */
export interface OpenedFile extends FileOptions {
  body: Readable;
  size: number;
}

/**
 * The campaign files in S3 (`uploads/<batchId>.csv`): the upload API stores a file there before it
 * answers, a client PUTs a large one through a pre-signed URL, and the writer reads them back.
 */
export class CampaignFiles {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async put(batchId: string, bytes: Buffer, options: FileOptions): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: uploadKeyOf(batchId),
        Body: bytes,
        ContentType: UPLOAD_CONTENT_TYPE,
        Metadata: {
          ...(options.fileName ? { [UPLOAD_METADATA.fileName]: encodeFileName(options.fileName) } : {}),
          ...(options.dryRun ? { [UPLOAD_METADATA.dryRun]: 'true' } : {}),
        },
      }),
    );
  }

  /** The stored file, or undefined when the bucket holds none under `key`. */
  async open(key: string, bucket = this.bucket): Promise<OpenedFile | undefined> {
    let found: GetObjectCommandOutput;
    try {
      found = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
    const fileName = decodeFileName(found.Metadata?.[UPLOAD_METADATA.fileName]);
    return {
      // In Node.js the Body is the HTTP response stream itself: read chunk by chunk.
      body: found.Body as Readable,
      size: found.ContentLength ?? 0,
      ...(fileName ? { fileName } : {}),
      dryRun: found.Metadata?.[UPLOAD_METADATA.dryRun] === 'true',
    };
  }

  /** Whether a batch's file was stored: a batch record may not exist yet while the writer is on its way. */
  async exists(batchId: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: uploadKeyOf(batchId) }));
      return true;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (error as Error).name === 'NotFound') return false;
      throw error;
    }
  }
}
