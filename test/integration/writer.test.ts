import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchIdOfKey, uploadKeyOf } from '../../lambdas/contract/upload-object.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { createWriterHandler, type WriterDeps } from '../../lambdas/writer/handler.js';
import { sqsRecordOf } from '../../local/sqs-event-source.js';
import { type FunctionClients, freshClients, startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { injectCrash } from '../helpers/sdk-crash.js';
import {
  drainQueue,
  FULL_WRITER_TIME,
  receiveSqsEvent,
  senderDepsFor,
  sesClientFor,
  storesOf,
  writerDepsFor,
} from '../helpers/send-pipeline.js';

let aws: TestAws;
let stores: ReturnType<typeof storesOf>;

beforeAll(async () => {
  aws = await startTestAws();
  stores = storesOf(aws);
});
afterAll(async () => aws?.stop());

/** A CSV of `rows` distinct addresses under `tag` (so that each test's mails are its own). */
const csvOf = (tag: string, rows: number) =>
  [
    'email,subject,content,name',
    ...Array.from({ length: rows }, (_, i) => `${tag}-${i}@example.com,Hi {{name}},Body ${i % 3},N${i}`),
  ].join('\n');

const addressesOf = (tag: string, rows: number) =>
  Array.from({ length: rows }, (_, i) => `${tag}-${i}@example.com`);

/** PUTs a file as an upload URL would, and gives the write queue message S3's event would be. */
async function uploadFile(
  batchId: string,
  csv: string,
  metadata: Record<string, string> = {},
): Promise<SQSEvent> {
  const event = await aws.s3.putObject(uploadKeyOf(batchId), csv, metadata);
  return {
    Records: [
      sqsRecordOf(
        { MessageId: randomUUID(), Body: JSON.stringify(event) },
        'arn:aws:sqs:us-east-1:000000000000:write',
      ),
    ],
  };
}

/** Every message on the send queue: each send as many times as it was enqueued. */
const drainSendQueue = () => drainQueue(aws);

/** Runs the writer on the write queue's messages (continuations) until the batch is READY or FAILED. */
async function writeUntilFinished(deps: WriterDeps, batchId: string, first: SQSEvent): Promise<number> {
  const writer = createWriterHandler(deps);
  let invocations = 0;
  let event = first;
  for (;;) {
    invocations += 1;
    const result = await writer(event, FULL_WRITER_TIME);
    expect(result.batchItemFailures).toEqual([]);
    const state = (await stores.writers.get(batchId))?.state;
    if (state === 'READY' || state === 'FAILED') return invocations;
    event = await receiveSqsEvent(aws, aws.queues.writeQueueUrl, 1);
    if (event.Records.length === 0)
      throw new Error(`batch ${batchId} is ${state} with no continuation queued`);
  }
}

/** Sends the queued messages through the real sender, as the SQS event source would, 10 at a time. */
async function sendAll(records: SQSEvent['Records']): Promise<void> {
  const sender = createSenderHandler(senderDepsFor(aws, sesClientFor(aws)));
  for (let i = 0; i < records.length; i += 10) {
    const result = await sender({ Records: records.slice(i, i + 10) }, FULL_WRITER_TIME as never);
    expect(result?.batchItemFailures ?? []).toEqual([]);
  }
}

/** The mails the SES emulator received for these addresses, by address. */
async function mailsTo(addresses: string[]): Promise<Map<string, number>> {
  const wanted = new Set(addresses);
  const counts = new Map<string, number>();
  for (const mail of await aws.sentMails()) {
    for (const to of mail.destination.to) {
      if (wanted.has(to)) counts.set(to, (counts.get(to) ?? 0) + 1);
    }
  }
  return counts;
}

describe('the writer', () => {
  it('writes a large file as the batch its key names: sends, their rows, their messages and the report', async () => {
    const batchId = randomUUID();
    const csv = `${csvOf('big', 3)}\nbad-address,Hi,Body,x\nbig-0@example.com,Hi,Again,y`;
    const event = await uploadFile(batchId, csv, { 'file-name': encodeURIComponent('big list.csv') });
    await writeUntilFinished(writerDepsFor(aws, { chunkRows: 2 }), batchId, event);

    const ids = addressesOf('big', 3).map((email) => sendIdFor(batchId, email));
    const sends = await stores.sends.getSends(ids);
    expect(sends.map((s) => [s.email, s.status, s.chunk, s.subject]).sort()).toEqual([
      ['big-0@example.com', 'QUEUED', 0, 'Hi {{name}}'],
      ['big-1@example.com', 'QUEUED', 0, 'Hi {{name}}'],
      ['big-2@example.com', 'QUEUED', 1, 'Hi {{name}}'],
    ]);
    expect((await stores.rows.get(batchId, 0))?.rows.map((r) => [r.email, r.line, r.variables])).toEqual([
      ['big-0@example.com', 2, { name: 'N0' }],
      ['big-1@example.com', 3, { name: 'N1' }],
    ]);
    const messages = await drainSendQueue();
    expect(messages.map((m) => JSON.parse(m.body)).sort((a, b) => a.sendId.localeCompare(b.sendId))).toEqual(
      sends
        .map((s) => ({ sendId: s.sendId, createdAt: s.createdAt, batchId, chunk: s.chunk }))
        .sort((a, b) => a.sendId.localeCompare(b.sendId)),
    );
    const batch = await stores.batches.getBatch(batchId);
    expect(batch).toMatchObject({
      batchId,
      fileName: 'big list.csv',
      received: 5,
      accepted: 3,
      duplicates: 1,
      invalid: 1,
      duplicatesList: [{ line: 6, email: 'big-0@example.com', firstLine: 2 }],
    });
    expect(batch?.errors?.[0]).toMatchObject({ line: 5, value: 'bad-address' });
    expect(await stores.writers.get(batchId)).toMatchObject({
      state: 'READY',
      runs: 1,
      rowsWritten: 3,
      chunksDone: 2,
    });
  });

  it('keeps the batch record the upload API wrote: its upload time and its report', async () => {
    const batchId = randomUUID();
    const createdAt = '2026-12-01T10:00:00.000Z';
    await stores.batches.createBatch(
      {
        batchId,
        createdAt,
        received: 2,
        accepted: 2,
        duplicates: 0,
        invalid: 0,
        encoding: 'utf-8',
        errors: [],
        duplicatesList: [],
        truncated: false,
      },
      2_000_000_000,
    );
    const event = await uploadFile(batchId, csvOf('api', 2));
    await writeUntilFinished(writerDepsFor(aws), batchId, event);
    const sends = await stores.sends.getSends(addressesOf('api', 2).map((e) => sendIdFor(batchId, e)));
    expect(sends.map((s) => s.createdAt)).toEqual([createdAt, createdAt]);
    expect(await stores.writers.get(batchId)).toMatchObject({ state: 'READY', createdAt });
    await drainSendQueue();
  });

  it('writes nothing when the same event comes again', async () => {
    const batchId = randomUUID();
    const event = await uploadFile(batchId, csvOf('again', 30));
    await writeUntilFinished(writerDepsFor(aws, { chunkRows: 10 }), batchId, event);
    expect(await drainSendQueue()).toHaveLength(30);

    const result = await createWriterHandler(writerDepsFor(aws))(event, FULL_WRITER_TIME);
    expect(result.batchItemFailures).toEqual([]);
    expect(await drainSendQueue()).toEqual([]);
    expect(await stores.writers.get(batchId)).toMatchObject({ state: 'READY', runs: 1 });
  });

  it('leaves a file alone while another invocation holds its lease', async () => {
    const batchId = randomUUID();
    const claim = await stores.writers.claim(
      batchId,
      { bucket: aws.s3.bucket, key: uploadKeyOf(batchId), createdAt: new Date().toISOString() },
      new Date(),
      60_000,
      2_000_000_000,
    );
    expect(claim.kind).toBe('fresh');
    const event = await uploadFile(batchId, csvOf('busy', 5));
    const result = await createWriterHandler(writerDepsFor(aws))(event, FULL_WRITER_TIME);
    expect(result.batchItemFailures).toEqual([]);
    expect(await drainSendQueue()).toEqual([]);
    expect(await stores.batches.getBatch(batchId)).toBeUndefined();
  });

  it('gives exactly the result of one run when forced through a continuation after every chunk', {
    timeout: 120_000,
  }, async () => {
    const rows = 47;
    const oneRun = randomUUID();
    const manyRuns = randomUUID();
    const csv = csvOf('same', rows);
    await writeUntilFinished(writerDepsFor(aws, { chunkRows: 5 }), oneRun, await uploadFile(oneRun, csv));
    const oneRunMessages = await drainSendQueue();
    // A budget of 0 ms: every invocation writes one chunk and hands over.
    const invocations = await writeUntilFinished(
      writerDepsFor(aws, { chunkRows: 5, budgetMs: 0 }),
      manyRuns,
      await uploadFile(manyRuns, csv),
    );
    const manyRunsMessages = await drainSendQueue();
    expect(invocations).toBe(10);

    const shape = async (batchId: string, messages: SQSEvent['Records']) => {
      const ids = addressesOf('same', rows).map((email) => sendIdFor(batchId, email));
      const sends = await stores.sends.getSends(ids);
      const chunks = await Promise.all(Array.from({ length: 10 }, (_, i) => stores.rows.get(batchId, i)));
      const batch = await stores.batches.getBatch(batchId);
      const writer = await stores.writers.get(batchId);
      return {
        sends: sends
          .map((s) => ({ email: s.email, status: s.status, chunk: s.chunk, subject: s.subject }))
          .sort((a, b) => a.email.localeCompare(b.email)),
        chunks: chunks.map((c) => ({
          contents: c?.contents,
          rows: c?.rows.map(({ sendId: _id, ...row }) => row),
        })),
        // Each send exactly once on the queue.
        messages: messages.map((m) => JSON.parse(m.body).chunk as number).sort((a, b) => a - b),
        report: { ...batch, batchId: undefined, createdAt: undefined },
        writer: { state: writer?.state, rowsWritten: writer?.rowsWritten, chunksDone: writer?.chunksDone },
      };
    };
    expect(await shape(manyRuns, manyRunsMessages)).toEqual(await shape(oneRun, oneRunMessages));
    expect(manyRunsMessages).toHaveLength(rows);
    expect(await stores.writers.get(manyRuns)).toMatchObject({ runs: 10 });
  });

  it('records a file refused as a whole as FAILED with its reason, and queues nothing', async () => {
    const batchId = randomUUID();
    await writeUntilFinished(
      writerDepsFor(aws),
      batchId,
      await uploadFile(batchId, 'email,content\na@example.com,Hi'),
    );
    expect(await drainSendQueue()).toEqual([]);
    expect(await stores.writers.get(batchId)).toMatchObject({ state: 'FAILED', problem: 'MISSING_COLUMNS' });
  });

  it('records a file with no sendable row as FAILED, with its report on the batch', async () => {
    const batchId = randomUUID();
    await writeUntilFinished(
      writerDepsFor(aws),
      batchId,
      await uploadFile(batchId, 'email,subject,content\nnope,Hi,Body'),
    );
    expect(await drainSendQueue()).toEqual([]);
    expect(await stores.writers.get(batchId)).toMatchObject({ state: 'FAILED', problem: 'NOTHING_ACCEPTED' });
    expect(await stores.batches.getBatch(batchId)).toMatchObject({ received: 1, accepted: 0, invalid: 1 });
  });

  it('records a file that is no longer in the bucket as FAILED FILE_NOT_FOUND, and takes it off the unfinished list', async () => {
    const batchId = randomUUID();
    const event = await uploadFile(batchId, 'email,subject,content\ngone@example.com,Hi,Body');
    await aws.s3.client.send(new DeleteObjectCommand({ Bucket: aws.s3.bucket, Key: uploadKeyOf(batchId) }));
    await writeUntilFinished(writerDepsFor(aws), batchId, event);
    expect(await stores.writers.get(batchId)).toMatchObject({ state: 'FAILED', problem: 'FILE_NOT_FOUND' });
    expect((await stores.writers.listOpen()).map((open) => open.batchId)).not.toContain(batchId);
    expect(await drainSendQueue()).toEqual([]);
  });

  it('refuses a file larger than the largest taken, unread', async () => {
    const batchId = randomUUID();
    await writeUntilFinished(
      writerDepsFor(aws, { maxFileBytes: 100 }),
      batchId,
      await uploadFile(batchId, csvOf('large', 10)),
    );
    expect(await stores.writers.get(batchId)).toMatchObject({ state: 'FAILED', problem: 'FILE_TOO_LARGE' });
    expect(await drainSendQueue()).toEqual([]);
  });

  it('ignores objects outside uploads/<batch id>.csv', async () => {
    const event = await aws.s3.putObject('other/file.csv', csvOf('other', 2));
    const message = {
      Records: [sqsRecordOf({ MessageId: randomUUID(), Body: JSON.stringify(event) }, 'arn')],
    };
    const result = await createWriterHandler(writerDepsFor(aws))(message, FULL_WRITER_TIME);
    expect(result.batchItemFailures).toEqual([]);
    expect(await drainSendQueue()).toEqual([]);
    expect(batchIdOfKey('uploads/not-a-uuid.csv')).toBeUndefined();
  });
});

/**
 * Where a crash can cut a chunk short. Each crash is injected by SDK middleware on the writer's own
 * clients: the call at that point never returns, and the invocation is gone, lease still held.
 */
const CRASHES: {
  name: string;
  crash: (clients: FunctionClients, batchId: string) => { reached: Promise<void> };
}[] = [
  {
    name: 'after its rows are stored, before any send is written',
    crash: ({ s3 }) =>
      injectCrash(s3, {
        command: 'PutObjectCommand',
        when: 'after',
        call: 2,
        matches: (input) => String(input.Key).startsWith('rows/'),
      }),
  },
  {
    name: 'mid-chunk: some of its sends written, not all',
    crash: ({ documents }) =>
      injectCrash(documents, { command: 'BatchWriteItemCommand', when: 'after', call: 3 }),
  },
  {
    name: 'mid-enqueue: some of its sends on the queue, not all',
    crash: ({ sqs }) => injectCrash(sqs, { command: 'SendMessageBatchCommand', when: 'after', call: 3 }),
  },
  {
    name: 'after every send of the chunk is enqueued, before its checkpoint',
    crash: ({ documents }, batchId) =>
      injectCrash(documents, {
        command: 'UpdateItemCommand',
        when: 'before',
        call: 2,
        matches: (input) => JSON.stringify(input.Key ?? {}).includes(`WRITER#${batchId}`),
      }),
  },
];

describe('a writer that crashes', () => {
  it.each(CRASHES)(
    '$name resumes on the retry, loses no send and mails no address twice',
    async ({ crash }) => {
      const tag = `crash-${randomUUID().slice(0, 8)}`;
      const rows = 60;
      const batchId = randomUUID();
      const event = await uploadFile(batchId, csvOf(tag, rows));

      const clients = freshClients(aws);
      const crashed = crash(clients, batchId);
      // 20-row chunks: the second chunk is the one cut short. The invocation never returns.
      void createWriterHandler(writerDepsFor(aws, { chunkRows: 20 }, clients))(event, {
        getRemainingTimeInMillis: () => 180_000,
      });
      await crashed.reached;

      // SQS hands the file out again once its visibility timeout is over; by then the crashed lease is too.
      const later = new Date(Date.now() + 5 * 60_000);
      await writeUntilFinished(writerDepsFor(aws, { chunkRows: 20, clock: () => later }), batchId, event);
      clients.destroy();

      const ids = addressesOf(tag, rows).map((email) => sendIdFor(batchId, email));
      const sends = await stores.sends.getSends(ids);
      expect(sends).toHaveLength(rows);
      expect(await stores.writers.get(batchId)).toMatchObject({ state: 'READY', rowsWritten: rows, runs: 2 });
      const messages = await drainSendQueue();
      // Every send is on the queue, some of the cut chunk's twice: the claim turns the second away.
      expect(new Set(messages.map((m) => JSON.parse(m.body).sendId))).toEqual(new Set(ids));
      await sendAll(messages);
      const mails = await mailsTo(addressesOf(tag, rows));
      expect([...mails.values()].filter((count) => count !== 1)).toEqual([]);
      expect(mails.size).toBe(rows);
    },
  );
});
