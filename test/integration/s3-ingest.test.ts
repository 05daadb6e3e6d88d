import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchIdOfKey, uploadKeyOf } from '../../lambdas/contract/upload-object.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRef } from '../../lambdas/core/domain/send-record.js';
import { SendQueue } from '../../lambdas/core/queue/send-queue.js';
import { UploadClaims } from '../../lambdas/core/store/upload-claims.js';
import { createS3IngestHandler } from '../../lambdas/ingest-s3/handler.js';
import { startTestAws, type TestAws, type TestS3 } from '../helpers/aws-emulators.js';
import { countsOf, storesOf } from '../helpers/send-pipeline.js';

let aws: TestAws;
let s3: TestS3;
let stores: ReturnType<typeof storesOf>;
let claims: UploadClaims;

beforeAll(async () => {
  const started = await startTestAws({ s3: true });
  aws = started;
  s3 = started.s3;
  stores = storesOf(aws);
  claims = new UploadClaims(aws.clients.documents, aws.tableName);
});
afterAll(async () => aws?.stop());

/**
 * The real SendQueue (SQS emulator), recording every send it enqueues. After `failAfter` enqueue
 * calls it throws instead: fault injection for a crash mid-file, which no emulator can produce.
 */
class RecordingQueue extends SendQueue {
  readonly enqueued: string[] = [];
  calls = 0;
  constructor(private readonly failAfter = Number.POSITIVE_INFINITY) {
    super(aws.clients.sqs, aws.queues.queueUrl);
  }
  override async enqueue(refs: SendRef[]): Promise<void> {
    this.calls += 1;
    if (this.calls > this.failAfter) throw new Error('simulated crash while enqueuing');
    this.enqueued.push(...refs.map((r) => r.sendId));
    await super.enqueue(refs);
  }
}

/**
 * PUTs the CSV into the s3rver bucket as `key` (metadata as the upload URL signs them: `file-name`,
 * `dry-run`) and gives the object-created event s3rver emitted for it, as S3 would invoke the function.
 */
const upload = (key: string, csv: string, metadata: Record<string, string> = {}): Promise<S3Event> =>
  s3.putObject(key, csv, metadata);

const context = { getRemainingTimeInMillis: () => 60_000 };

const csvOf = (rows: number) =>
  ['email,subject,content', ...Array.from({ length: rows }, (_, i) => `r${i}@example.com,Hi,Body ${i}`)].join(
    '\n',
  );

/** The handler, reading objects from s3rver through an S3 client built with the project's options. */
const handlerWith = (queue: SendQueue) =>
  createS3IngestHandler({
    s3: s3.client,
    sends: stores.sends,
    contents: stores.contents,
    batches: stores.batches,
    queue,
    claims,
    clock: () => new Date(),
    chunkRows: 25,
    maxFileBytes: 1024 ** 3,
  });

const newBatchId = () => crypto.randomUUID();

describe('the S3 ingest of a large upload', () => {
  it('ingests the object as the batch its key names and stores the report with the batch', async () => {
    const batchId = newBatchId();
    const queue = new RecordingQueue();
    const csv = `${csvOf(3)}\nbad-address,Hi,Body\nr0@example.com,Hi,Again`;
    const event = await upload(uploadKeyOf(batchId), csv, {
      'file-name': encodeURIComponent('big list.csv'),
    });
    await handlerWith(queue)(event, context);
    expect(queue.enqueued.sort()).toEqual(
      [0, 1, 2].map((i) => sendIdFor(batchId, `r${i}@example.com`)).sort(),
    );
    const batch = await stores.batches.getBatch(batchId);
    expect(batch).toMatchObject({
      batchId,
      fileName: 'big list.csv',
      received: 5,
      accepted: 3,
      duplicates: 1,
      invalid: 1,
      duplicatesList: [{ line: 6, email: 'r0@example.com', firstLine: 2 }],
    });
    expect(batch?.errors?.[0]).toMatchObject({ line: 5, value: 'bad-address' });
    expect(await claims.get(batchId)).toMatchObject({ state: 'DONE', runs: 1 });
  });

  it('enqueues nothing when S3 delivers the same event again', async () => {
    const batchId = newBatchId();
    const event = await upload(uploadKeyOf(batchId), csvOf(30));
    const first = new RecordingQueue();
    await handlerWith(first)(event, context);
    expect(first.enqueued).toHaveLength(30);
    const before = await countsOf(aws, batchId);

    const second = new RecordingQueue();
    await handlerWith(second)(event, context);
    expect(second.calls).toBe(0);
    expect(await countsOf(aws, batchId)).toEqual(before);
    expect(await claims.get(batchId)).toMatchObject({ state: 'DONE', runs: 1 });
  });

  it('leaves a file alone while another invocation holds its claim', async () => {
    const batchId = newBatchId();
    expect(await claims.claim(batchId, new Date(), 60_000)).toBe('fresh');
    const event = await upload(uploadKeyOf(batchId), csvOf(5));
    const queue = new RecordingQueue();
    await handlerWith(queue)(event, context);
    expect(queue.calls).toBe(0);
    expect(await stores.batches.getBatch(batchId)).toBeUndefined();
  });

  it('resumes a file after a simulated crash mid-file (injected by the queue) without enqueuing any send a second time', async () => {
    const batchId = newBatchId();
    const rows = 80; // four chunks of 25
    const event = await upload(uploadKeyOf(batchId), csvOf(rows));
    const crashing = new RecordingQueue(2);
    await expect(handlerWith(crashing)(event, context)).rejects.toThrow(/simulated crash/);
    expect(crashing.enqueued).toHaveLength(50);
    // The claim was released at once, so Lambda's retry takes over.
    const retry = new RecordingQueue();
    await handlerWith(retry)(event, context);

    const all = Array.from({ length: rows }, (_, i) => sendIdFor(batchId, `r${i}@example.com`));
    // Never the same send twice on the queue.
    expect(new Set([...crashing.enqueued, ...retry.enqueued]).size).toBe(
      crashing.enqueued.length + retry.enqueued.length,
    );
    // The third chunk was written but its enqueue crashed: left PENDING for the sweeper, not re-enqueued.
    expect(retry.enqueued.sort()).toEqual(all.slice(75).sort());
    // Every row is stored once: the enqueued ones QUEUED, the crashed chunk's PENDING.
    const statuses = await Promise.all(
      all.map(async (sendId) => (await stores.sends.getSend(sendId))?.status),
    );
    expect(statuses).toEqual(all.map((_, i) => (i >= 50 && i < 75 ? 'PENDING' : 'QUEUED')));
    expect(await stores.batches.getBatch(batchId)).toMatchObject({ received: rows, accepted: rows });
    expect(await claims.get(batchId)).toMatchObject({ state: 'DONE', runs: 2 });
  });

  it('records a file refused as a whole as FAILED with its reason, and queues nothing', async () => {
    const batchId = newBatchId();
    const event = await upload(uploadKeyOf(batchId), 'email,content\na@example.com,Hi');
    const queue = new RecordingQueue();
    await handlerWith(queue)(event, context);
    expect(queue.calls).toBe(0);
    expect(await claims.get(batchId)).toMatchObject({ state: 'FAILED', problem: 'MISSING_COLUMNS' });
  });

  it('records a file with no sendable row as FAILED, with its report on the batch', async () => {
    const batchId = newBatchId();
    const event = await upload(uploadKeyOf(batchId), 'email,subject,content\nnope,Hi,Body');
    const queue = new RecordingQueue();
    await handlerWith(queue)(event, context);
    expect(queue.calls).toBe(0);
    expect(await claims.get(batchId)).toMatchObject({ state: 'FAILED', problem: 'NOTHING_ACCEPTED' });
    expect(await stores.batches.getBatch(batchId)).toMatchObject({ received: 1, accepted: 0, invalid: 1 });
  });

  it('ignores objects outside uploads/<batch id>.csv', async () => {
    const event = await upload('other/file.csv', csvOf(2));
    const queue = new RecordingQueue();
    await handlerWith(queue)(event, context);
    expect(queue.calls).toBe(0);
    expect(batchIdOfKey('uploads/not-a-uuid.csv')).toBeUndefined();
    expect(batchIdOfKey(uploadKeyOf('8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e'))).toBe(
      '8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e',
    );
  });
});
