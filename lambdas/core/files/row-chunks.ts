import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { rowsKeyOf } from '../../contract/upload-object.js';
import type { RowChunk } from '../domain/row-chunk.js';

/**
 * The chunks of a batch's rows in S3 (`rows/<batchId>/<chunk>.json`): written once by the writer before
 * the chunk's sends exist, read by the sender (what to mail) and by GraphQL (a send's content). A chunk
 * is immutable, so readers cache it: a container reads each chunk it meets once.
 */
export class RowChunks {
  private readonly cache = new Map<string, Promise<RowChunk | undefined>>();

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    /** Chunks kept in memory (each at most 4 MB of rows); the least recently used goes first. */
    private readonly cacheEntries = 16,
  ) {}

  async put(chunk: RowChunk): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: rowsKeyOf(chunk.batchId, chunk.chunk),
        Body: JSON.stringify(chunk),
        ContentType: 'application/json',
      }),
    );
  }

  /** The chunk, or undefined when it is gone (expired with the batch's retention). */
  get(batchId: string, chunk: number): Promise<RowChunk | undefined> {
    const key = rowsKeyOf(batchId, chunk);
    let found = this.cache.get(key);
    if (found) {
      this.cache.delete(key);
      this.cache.set(key, found);
      return found;
    }
    found = this.read(key);
    // A failed read is tried again by the next caller rather than cached.
    found.catch(() => this.cache.delete(key));
    this.cache.set(key, found);
    if (this.cache.size > this.cacheEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    return found;
  }

  private async read(key: string): Promise<RowChunk | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse(await (out.Body?.transformToString('utf8') ?? Promise.resolve('null'))) as RowChunk;
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}
