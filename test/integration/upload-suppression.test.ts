import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadKeyOf } from '../../lambdas/contract/upload-object.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SuppressionReason } from '../../lambdas/core/domain/suppression.js';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import { IdempotencyStore } from '../../lambdas/core/store/idempotency-store.js';
import { createIngestHandler } from '../../lambdas/upload-api/handler.js';
import { createWriterHandler, type WriterDeps } from '../../lambdas/writer/handler.js';
import { sqsRecordOf } from '../../local/sqs-event-source.js';
import { createTestKey } from '../helpers/api-keys.js';
import { freshClients, startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { httpApiEvent } from '../helpers/http-api-event.js';
import { injectCrash } from '../helpers/sdk-crash.js';
import {
  acceptDepsFor,
  countsOf,
  drainQueue,
  FULL_WRITER_TIME,
  receiveSqsEvent,
  storesOf,
  uploadEventFor,
  writerDepsFor,
} from '../helpers/send-pipeline.js';

/**
 * Uploads and the suppression list: an upload reports the addresses on the list (their line and the
 * list's reason) and no send is made for them, by the direct upload and by the writer of a large file,
 * whatever the list says by the time each chunk is written.
 */

let aws: TestAws;
let stores: ReturnType<typeof storesOf>;
let upload: ReturnType<typeof createIngestHandler>;
let key: string;

beforeAll(async () => {
  aws = await startTestAws();
  stores = storesOf(aws);
  key = await createTestKey(aws, ['upload']);
  upload = createIngestHandler({
    ...acceptDepsFor(aws),
    newBatchId: randomUUID,
    maxBodyBytes: 1024 * 1024,
    apiKeys: new ApiKeyCheck(new ApiKeyStore(aws.clients.documents, aws.tableName), () => new Date()),
    idempotency: new IdempotencyStore(aws.clients.documents, aws.tableName, {
      leaseSeconds: 60,
      ttlSeconds: 3600,
    }),
  });
});
afterAll(async () => aws?.stop());

/** Addresses of their own for each test: the tests share the table and its suppression list. */
const addressesOf = (tag: string, rows: number) =>
  Array.from({ length: rows }, (_, i) => `${tag}-${i}@example.com`);

const csvTo = (addresses: readonly string[]) =>
  ['email,subject,content', ...addresses.map((email, i) => `${email},Hi,Body ${i}`)].join('\n');

async function suppress(addresses: readonly string[], reason: SuppressionReason = 'BOUNCED') {
  for (const email of addresses) {
    await stores.suppressions.put({ email, reason, addedAt: new Date().toISOString() });
  }
}

async function uploadCsv(csv: string, query?: Record<string, string>) {
  const result = (await upload(
    httpApiEvent({
      method: 'POST',
      path: '/campaigns/upload',
      headers: { 'x-api-key': key, 'content-type': 'text/csv' },
      body: csv,
      ...(query ? { query } : {}),
    }),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
}

/** PUTs a file as an upload URL would (a large file: no batch record before the writer). */
async function putLargeFile(batchId: string, csv: string): Promise<SQSEvent> {
  const event = await aws.s3.putObject(uploadKeyOf(batchId), csv);
  return {
    Records: [
      sqsRecordOf({ MessageId: randomUUID(), Body: JSON.stringify(event) }, 'arn:aws:sqs:us-east-1:0:write'),
    ],
  };
}

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
    if (event.Records.length === 0) throw new Error(`batch ${batchId} is ${state} with no continuation`);
  }
}

/** The addresses of the sends the send queue holds for the batch (each message once). */
async function queuedAddresses(batchId: string, addresses: readonly string[]): Promise<string[]> {
  const byId = new Map(addresses.map((email) => [sendIdFor(batchId, email), email]));
  const messages = await drainQueue(aws);
  return messages
    .map((m) => JSON.parse(m.body) as { sendId: string; batchId: string })
    .filter((m) => m.batchId === batchId)
    .map((m) => byId.get(m.sendId) ?? m.sendId)
    .sort();
}

const sendsOf = async (batchId: string, addresses: readonly string[]) =>
  (await stores.sends.getSends(addresses.map((email) => sendIdFor(batchId, email))))
    .map((s) => s.email)
    .sort();

describe('a direct upload', () => {
  it('reports the suppressed addresses with their line and reason, and makes no send and no message for them', async () => {
    const all = addressesOf(`direct-${randomUUID().slice(0, 8)}`, 6);
    const [a0, a1, a2, a3, a4, a5] = all as [string, string, string, string, string, string];
    await suppress([a1], 'BOUNCED');
    await suppress([a4], 'COMPLAINED');
    const csv = `${csvTo(all)}\nnot-an-address,Hi,Body\n${a2.toUpperCase()},Hi,Again\n`;
    const answer = await uploadCsv(csv);
    expect(answer.status).toBe(202);
    const report = {
      received: 8,
      accepted: 4,
      duplicates: 1,
      invalid: 1,
      suppressed: 2,
      suppressedList: [
        { line: 3, email: a1, reason: 'BOUNCED' },
        { line: 6, email: a4, reason: 'COMPLAINED' },
      ],
    };
    expect(answer.body).toMatchObject(report);
    const batchId = String(answer.body.batchId);
    expect(await stores.batches.getBatch(batchId)).toMatchObject({ ...report, truncated: false });

    await writeUntilFinished(writerDepsFor(aws, { chunkRows: 4 }), batchId, uploadEventFor(aws, batchId));
    expect(await sendsOf(batchId, all)).toEqual([a0, a2, a3, a5].sort());
    expect(await queuedAddresses(batchId, all)).toEqual([a0, a2, a3, a5].sort());
    // Every accepted row is in its chunk, suppressed or not: the chunks are the same on every run.
    expect((await stores.rows.get(batchId, 0))?.rows.map((r) => r.email)).toEqual([a0, a1, a2, a3]);
    expect(await stores.writers.get(batchId)).toMatchObject({
      state: 'READY',
      rowsWritten: 4,
      rowsSuppressed: 2,
    });
    expect((await countsOf(aws, batchId)).QUEUED).toBe(4);
    // The writer found what the upload did: the report stands as answered.
    expect(await stores.batches.getBatch(batchId)).toMatchObject(report);
  });

  it('answers 422 when every row is invalid, a duplicate or suppressed, and creates nothing', async () => {
    const all = addressesOf(`all-${randomUUID().slice(0, 8)}`, 2);
    await suppress(all, 'UNSUBSCRIBED');
    const answer = await uploadCsv(csvTo(all));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      error: 'no row of the file can be sent; nothing was queued',
      received: 2,
      accepted: 0,
      suppressed: 2,
      suppressedList: all.map((email, i) => ({ line: i + 2, email, reason: 'UNSUBSCRIBED' })),
    });
    expect(answer.body.batchId).toBeUndefined();
  });

  it('reports suppressed addresses the same way in a dry run', async () => {
    const all = addressesOf(`dry-${randomUUID().slice(0, 8)}`, 3);
    await suppress([all[1] ?? ''], 'MANUAL');
    const answer = await uploadCsv(csvTo(all), { dryRun: 'true' });
    expect(answer.body).toMatchObject({
      dryRun: true,
      accepted: 2,
      suppressed: 1,
      suppressedList: [{ line: 3, email: all[1], reason: 'MANUAL' }],
    });
    const batchId = String(answer.body.batchId);
    await writeUntilFinished(writerDepsFor(aws), batchId, uploadEventFor(aws, batchId));
    expect(await sendsOf(batchId, all)).toEqual([all[0], all[2]].sort());
    expect(await queuedAddresses(batchId, all)).toEqual([all[0], all[2]].sort());
  });

  it('skips an address suppressed between the answer and its chunk, and the batch report says so', async () => {
    const all = addressesOf(`late-${randomUUID().slice(0, 8)}`, 5);
    await suppress([all[0] ?? '']);
    const answer = await uploadCsv(csvTo(all));
    expect(answer.body).toMatchObject({ received: 5, accepted: 4, suppressed: 1 });
    const batchId = String(answer.body.batchId);
    // Between the answer and the writer: one more address is suppressed, and one is taken off the list.
    await suppress([all[3] ?? ''], 'COMPLAINED');
    await stores.suppressions.remove(all[0] ?? '');

    await writeUntilFinished(writerDepsFor(aws, { chunkRows: 2 }), batchId, uploadEventFor(aws, batchId));
    const sent = [all[0], all[1], all[2], all[4]].sort();
    expect(await sendsOf(batchId, all)).toEqual(sent);
    expect(await queuedAddresses(batchId, all)).toEqual(sent);
    const batch = await stores.batches.getBatch(batchId);
    expect(batch).toMatchObject({
      received: 5,
      accepted: 4,
      duplicates: 0,
      invalid: 0,
      suppressed: 1,
      suppressedList: [{ line: 5, email: all[3], reason: 'COMPLAINED' }],
    });
    const { received = 0, accepted = 0, duplicates = 0, invalid = 0, suppressed = 0 } = batch ?? {};
    expect(received).toBe(accepted + duplicates + invalid + suppressed);
    expect(await stores.writers.get(batchId)).toMatchObject({ rowsWritten: 4, rowsSuppressed: 1 });
  });
});

describe('the writer of a large file', () => {
  it('reports and lists the suppressed rows and makes no send for them, the same in one run as through a continuation per chunk', {
    timeout: 120_000,
  }, async () => {
    const all = addressesOf(`large-${randomUUID().slice(0, 8)}`, 23);
    const suppressed = all.filter((_, i) => i % 3 === 1);
    await suppress(suppressed, 'BOUNCED');
    const csv = csvTo(all);
    const shape = async (batchId: string) => {
      const { createdAt: _at, batchId: _id, ...batch } = (await stores.batches.getBatch(batchId)) ?? {};
      const writer = await stores.writers.get(batchId);
      return {
        batch,
        sends: await sendsOf(batchId, all),
        queued: await queuedAddresses(batchId, all),
        writer: {
          state: writer?.state,
          chunksDone: writer?.chunksDone,
          rowsWritten: writer?.rowsWritten,
          rowsSuppressed: writer?.rowsSuppressed,
        },
      };
    };
    const oneRun = randomUUID();
    expect(
      await writeUntilFinished(writerDepsFor(aws, { chunkRows: 5 }), oneRun, await putLargeFile(oneRun, csv)),
    ).toBe(1);
    const once = await shape(oneRun);
    const manyRuns = randomUUID();
    // A budget of 0 ms: every invocation writes one chunk and hands over.
    const invocations = await writeUntilFinished(
      writerDepsFor(aws, { chunkRows: 5, budgetMs: 0 }),
      manyRuns,
      await putLargeFile(manyRuns, csv),
    );
    expect(invocations).toBe(5);
    expect(await shape(manyRuns)).toEqual(once);

    const kept = all.filter((email) => !suppressed.includes(email)).sort();
    expect(once.sends).toEqual(kept);
    expect(once.queued).toEqual(kept);
    expect(once.batch).toMatchObject({
      received: 23,
      accepted: 15,
      suppressed: 8,
      suppressedList: all
        .map((email, i) => ({ line: i + 2, email, reason: 'BOUNCED' }))
        .filter(({ email }) => suppressed.includes(email)),
      truncated: false,
    });
    expect(once.writer).toEqual({ state: 'READY', chunksDone: 5, rowsWritten: 15, rowsSuppressed: 8 });
    expect((await countsOf(aws, manyRuns)).QUEUED).toBe(15);
    expect(await stores.writers.get(manyRuns)).toMatchObject({ runs: 5 });
  });

  it('keeps the first 100 suppressed rows on the batch record and counts them all', {
    timeout: 120_000,
  }, async () => {
    const all = addressesOf(`capped-${randomUUID().slice(0, 8)}`, 130);
    const suppressed = all.slice(0, 120);
    await suppress(suppressed, 'COMPLAINED');
    const batchId = randomUUID();
    await writeUntilFinished(
      writerDepsFor(aws, { chunkRows: 25, budgetMs: 0 }),
      batchId,
      await putLargeFile(batchId, csvTo(all)),
    );
    const batch = await stores.batches.getBatch(batchId);
    expect(batch).toMatchObject({ received: 130, accepted: 10, suppressed: 120, truncated: true });
    expect(batch?.suppressedList?.map((row) => row.email)).toEqual(suppressed.slice(0, 100));
    expect(await sendsOf(batchId, all)).toEqual(all.slice(120).sort());
    expect(await queuedAddresses(batchId, all)).toEqual(all.slice(120).sort());
  });

  it('makes a batch of no send when every address is suppressed, finished at once', async () => {
    const all = addressesOf(`none-${randomUUID().slice(0, 8)}`, 3);
    await suppress(all);
    const batchId = randomUUID();
    await writeUntilFinished(writerDepsFor(aws), batchId, await putLargeFile(batchId, csvTo(all)));
    expect(await stores.batches.getBatch(batchId)).toMatchObject({ received: 3, accepted: 0, suppressed: 3 });
    expect(await stores.writers.get(batchId)).toMatchObject({
      state: 'READY',
      rowsWritten: 0,
      rowsSuppressed: 3,
    });
    expect(await queuedAddresses(batchId, all)).toEqual([]);
    expect(await stores.progress.progress(batchId)).toMatchObject({ finished: true });
  });
});

describe('a writer that crashes in a chunk with suppressed rows', () => {
  it('resumes without counting them twice; a send written before its address was suppressed stands', {
    timeout: 60_000,
  }, async () => {
    const all = addressesOf(`crash-${randomUUID().slice(0, 8)}`, 40);
    // In the second chunk (rows 20 to 39): two suppressed before the upload.
    const early = [all[22] ?? '', all[31] ?? ''];
    await suppress(early);
    const batchId = randomUUID();
    const event = await putLargeFile(batchId, csvTo(all));

    // The second chunk's sends are written and enqueued, then the invocation dies before its checkpoint.
    const clients = freshClients(aws);
    // The writer state's updates: its claim (1), the first chunk's checkpoint (2), the second's (3).
    const crashed = injectCrash(clients.documents, {
      command: 'UpdateItemCommand',
      when: 'before',
      call: 3,
      matches: (input) => /"sk":(\{"S":)?"WRITER"/.test(JSON.stringify(input.Key ?? {})),
    });
    void createWriterHandler(writerDepsFor(aws, { chunkRows: 20 }, clients))(event, {
      getRemainingTimeInMillis: () => 180_000,
    });
    await crashed.reached;
    // While it was down, an address whose send the crashed run wrote is suppressed: the resumed chunk
    // leaves that send as it is, and counts it as written, not as suppressed.
    const late = all[25] ?? '';
    await suppress([late], 'COMPLAINED');

    const later = new Date(Date.now() + 5 * 60_000);
    await writeUntilFinished(writerDepsFor(aws, { chunkRows: 20, clock: () => later }), batchId, event);
    clients.destroy();

    const kept = all.filter((email) => !early.includes(email)).sort();
    expect(await sendsOf(batchId, all)).toEqual(kept);
    expect(await stores.writers.get(batchId)).toMatchObject({
      state: 'READY',
      runs: 2,
      rowsWritten: 38,
      rowsSuppressed: 2,
    });
    const batch = await stores.batches.getBatch(batchId);
    expect(batch).toMatchObject({
      received: 40,
      accepted: 38,
      suppressed: 2,
      suppressedList: [
        { line: 24, email: all[22], reason: 'BOUNCED' },
        { line: 33, email: all[31], reason: 'BOUNCED' },
      ],
    });
    // Its message is on the queue again with the rest of the chunk (the sender checks the list itself).
    expect(new Set(await queuedAddresses(batchId, all))).toEqual(new Set(kept));
    expect((await countsOf(aws, batchId)).QUEUED).toBe(38);
  });
});
