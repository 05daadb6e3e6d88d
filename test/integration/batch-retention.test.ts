import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadKeyOf } from '../../lambdas/contract/upload-object.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import {
  batchKey,
  counterKey,
  counterShardOf,
  sendKey,
  writerKey,
} from '../../lambdas/core/store/item-keys.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { sweepBatches } from '../../lambdas/sweeper/sweep-batches.js';
import { createWriterHandler } from '../../lambdas/writer/handler.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { ManualClock } from '../helpers/manual-clock.js';
import {
  csvOf,
  FULL_WRITER_TIME,
  ingestText,
  RETENTION_SECONDS,
  receiveAtLeast,
  senderDepsFor,
  sesClientFor,
  storesOf,
  uploadEventFor,
  writerDepsFor,
} from '../helpers/send-pipeline.js';
import { SWEEP_SETTINGS, sweeperDepsFor } from '../helpers/sweep-pipeline.js';

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());

/** The stored item under `key`, expiry and index attributes included (the stores' records leave them out). */
async function itemAt(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await aws.clients.documents.send(new GetCommand({ TableName: aws.tableName, Key: key }))).Item;
}

/** When the items of a batch uploaded at `createdAt` expire: DynamoDB's TTL, in epoch seconds. */
const expiryOf = (createdAt: string) => Math.floor(Date.parse(createdAt) / 1000) + RETENTION_SECONDS;

describe('retention', () => {
  it('gives every item of a finished batch its expiry, upload time + RETENTION_DAYS: sends, counters, batch record and writer state', async () => {
    const emails = Array.from({ length: 10 }, (_, i) => `kept${i}@example.com`);
    const report = await ingestText(
      aws,
      csvOf([['email', 'subject', 'content'], ...emails.map((e) => [e, 'S', 'C'])]),
      { chunkRows: 4 },
    );
    const handler = createSenderHandler(senderDepsFor(aws, sesClientFor(aws)));
    expect(await handler(await receiveAtLeast(aws, 'the ten messages', 10))).toEqual({
      batchItemFailures: [],
    });
    expect(
      await sweepBatches(
        sweeperDepsFor(aws, () => new Date()),
        SWEEP_SETTINGS,
      ),
    ).toMatchObject({ finished: 1 });
    expect((await storesOf(aws).progress.progress(report.batchId)).finished).toBe(true);

    const batch = await itemAt(batchKey(report.batchId));
    const createdAt = String(batch?.createdAt);
    const expected = expiryOf(createdAt);
    expect(batch?.expiresAt).toBe(expected);
    expect(await itemAt(writerKey(report.batchId))).toMatchObject({ createdAt, expiresAt: expected });
    const sendIds = emails.map((email) => sendIdFor(report.batchId, email));
    for (const sendId of sendIds) {
      expect(await itemAt(sendKey(sendId)), sendId).toMatchObject({
        status: 'SENT',
        createdAt,
        expiresAt: expected,
      });
    }
    // The counter shards the batch's sends moved, each with the batch's expiry.
    const shards = [...new Set(sendIds.map(counterShardOf))].sort();
    for (const shard of shards) {
      expect(await itemAt(counterKey(report.batchId, shard)), `shard ${shard}`).toMatchObject({
        expiresAt: expected,
      });
    }
  });

  it('dates a large file’s items by its upload time even when its first writer failed before its first chunk (fault injected in the chunk store)', async () => {
    // A large file: stored in S3 by a pre-signed PUT, no batch record until the writer's first chunk.
    const batchId = randomUUID();
    const emails = ['large1@example.com', 'large2@example.com'];
    await aws.s3.putObject(
      uploadKeyOf(batchId),
      csvOf([['email', 'subject', 'content'], ...emails.map((e) => [e, 'S', 'C'])]),
    );
    const clock = new ManualClock();
    const uploadedAt = clock.now().toISOString();
    // The first run takes the file, then fails storing its first chunk: the message comes back later.
    const { rows } = storesOf(aws);
    const failing = {
      put: async () => {
        throw new Error('injected: S3 unavailable');
      },
    };
    const first = createWriterHandler(writerDepsFor(aws, { clock: clock.now, chunks: failing }));
    const event = uploadEventFor(aws, batchId);
    expect((await first(event, FULL_WRITER_TIME)).batchItemFailures).toHaveLength(1);
    expect(await itemAt(batchKey(batchId))).toBeUndefined();

    // SQS hands the message out again once the first run's lease has run out, 20 minutes later.
    clock.advance(20 * 60_000);
    const second = createWriterHandler(writerDepsFor(aws, { clock: clock.now, chunks: rows }));
    expect(await second(event, FULL_WRITER_TIME)).toEqual({ batchItemFailures: [] });

    const expected = expiryOf(uploadedAt);
    expect(await itemAt(writerKey(batchId))).toMatchObject({
      state: 'READY',
      createdAt: uploadedAt,
      expiresAt: expected,
    });
    expect(await itemAt(batchKey(batchId))).toMatchObject({ createdAt: uploadedAt, expiresAt: expected });
    for (const email of emails) {
      expect(await itemAt(sendKey(sendIdFor(batchId, email))), email).toMatchObject({
        createdAt: uploadedAt,
        expiresAt: expected,
      });
    }
  });
});
