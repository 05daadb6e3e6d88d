import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_SHARDS } from '../../lambdas/contract/table-schema.js';
import { RETRIES_EXHAUSTED } from '../../lambdas/core/domain/retries-exhausted.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import { sendKey, shardOf } from '../../lambdas/core/store/item-keys.js';
import { SendReader } from '../../lambdas/core/store/send-reader.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { tableClient } from '../../lambdas/core/store/table-client.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { RETENTION_SECONDS } from '../helpers/send-pipeline.js';
import { queuedSend as queuedSendOf, refOf } from '../helpers/send-records.js';

let aws: TestAws;
let store: SendStore;
/** DynamoDB requests the store made, by command name (counted by middleware on its own client). */
const requests = new Map<string, number>();
let closeClient: () => void;

beforeAll(async () => {
  aws = await startTestAws();
  const client = tableClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: aws.emulators.endpoints.dynamodb,
  });
  client.raw.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? 'unknown';
      requests.set(name, (requests.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  closeClient = () => client.raw.destroy();
  store = new SendStore(client.documents, aws.tableName);
});
afterAll(async () => {
  closeClient();
  await aws.stop();
});

const createdAt = '2026-11-20T10:00:00.000Z';
/** What the writer gives a send of a batch uploaded at `createdAt`. */
const expiresAt = Math.floor(Date.parse(createdAt) / 1000) + RETENTION_SECONDS;

const queuedSend = (batchId: string, email: string) => queuedSendOf(batchId, email, { createdAt });

/** The stored item of a send, key and index attributes included. */
async function itemOf(send: SendRecord): Promise<Record<string, unknown> | undefined> {
  const out = await aws.clients.documents.send(
    new GetCommand({ TableName: aws.tableName, Key: sendKey(send.sendId) }),
  );
  return out.Item;
}

/** The indexed status a send is filed under in batch_index: the first part of its sort key. */
async function filedUnder(send: SendRecord): Promise<string> {
  return String((await itemOf(send))?.batchSort).split('#')[0] ?? '';
}

describe('SendStore against DynamoDB (dynalite)', () => {
  it('writes new sends QUEUED, 25 per request, with their expiry, and reads them back by key', async () => {
    const sends = Array.from({ length: 60 }, (_, i) => queuedSend('batch-a', `user${i}@example.com`));
    const before = requests.get('BatchWriteItemCommand') ?? 0;
    await store.putNewSends(sends, expiresAt);
    expect((requests.get('BatchWriteItemCommand') ?? 0) - before).toBe(3);

    expect(await store.getSend(sends[42]?.sendId ?? '')).toEqual(sends[42]);
    const ids = sends.map((s) => s.sendId);
    const read = await store.getSends([...ids, ...ids.slice(0, 10), 'f'.repeat(32)]);
    expect(read.map((s) => s.sendId).sort()).toEqual([...ids].sort());
    expect(read.every((s) => s.status === 'QUEUED')).toBe(true);
    expect((await itemOf(sends[0] as SendRecord))?.expiresAt).toBe(expiresAt);
  });

  it('files each new send in its shard of the batch index among the open sends, where pages find it', async () => {
    const sends = Array.from({ length: 20 }, (_, i) => queuedSend('batch-index', `i${i}@example.com`));
    await store.putNewSends(sends, expiresAt);
    for (const send of sends) {
      expect(await itemOf(send)).toMatchObject({
        batchPart: `S#batch-index#${shardOf(send.sendId, BATCH_SHARDS)}`,
        batchSort: `OPEN#${createdAt}#${send.sendId}`,
      });
    }
    const reader = new SendReader(aws.clients.documents, aws.tableName);
    const queued = await reader.page({ batchId: 'batch-index', status: 'QUEUED' }, 100);
    expect(queued.sends.map((s) => s.sendId)).toEqual(
      sends
        .map((s) => s.sendId)
        .sort()
        .reverse(),
    );
    expect((await reader.page({ batchId: 'batch-index', status: 'SENT' }, 100)).sends).toEqual([]);
  });

  it('writes again only the sends that do not exist yet, leaving a SENT one as it is', async () => {
    const [sent, queued, missing] = ['sent', 'queued', 'missing'].map((n) =>
      queuedSend('batch-resume', `${n}@example.com`),
    ) as [SendRecord, SendRecord, SendRecord];
    await store.putNewSends([sent, queued], expiresAt);
    const now = new Date();
    await store.claim(refOf(sent), 'lease', now, 60_000);
    await store.markSent(refOf(sent), 'lease', 'ses-1', now);

    const written = await store.putSendsIfAbsent([sent, queued, missing], expiresAt);
    expect(written).toEqual([missing]);
    expect(await store.getSend(sent.sendId)).toMatchObject({ status: 'SENT', sesMessageId: 'ses-1' });
    expect(await store.getSend(missing.sendId)).toEqual(missing);
  });

  it('lets one claim through and refuses a second while the lease is live', async () => {
    const send = queuedSend('batch-b', 'claim@example.com');
    await store.putNewSends([send], expiresAt);
    const now = new Date();
    const first = await store.claim(refOf(send), 'lease-1', now, 60_000);
    const second = await store.claim(refOf(send), 'lease-2', now, 60_000);
    expect(first).toMatchObject({
      from: 'QUEUED',
      send: { status: 'SENDING', attempts: 1, leaseId: 'lease-1', leaseUntil: now.getTime() + 60_000 },
    });
    expect(second).toBeUndefined();
    expect(await store.getSend(send.sendId)).toMatchObject(first?.send ?? {});
  });

  it('writes only the send item on a claim: its index entry stays among the open sends', async () => {
    const send = queuedSend('batch-claim-index', 'index@example.com');
    await store.putNewSends([send], expiresAt);
    await store.claim(refOf(send), 'lease', new Date(), 60_000);
    expect(await itemOf(send)).toMatchObject({
      status: 'SENDING',
      batchSort: `OPEN#${createdAt}#${send.sendId}`,
    });
  });

  it('lets a send be claimed again once its lease has run out, and only the last claim settle it', async () => {
    const send = queuedSend('batch-c', 'expired@example.com');
    await store.putNewSends([send], expiresAt);
    const start = new Date('2026-11-20T10:00:00Z');
    await store.claim(refOf(send), 'lease-1', start, 1_000);
    const later = new Date(start.getTime() + 5_000);
    const again = await store.claim(refOf(send), 'lease-2', later, 1_000);
    expect(again).toMatchObject({ from: 'SENDING', send: { leaseId: 'lease-2', attempts: 2 } });
    expect(await store.markSent(refOf(send), 'lease-1', 'ses-1', later)).toBeUndefined();
    expect(await store.markSent(refOf(send), 'lease-2', 'ses-2', later)).toEqual({ from: 'SENDING' });
    expect(await store.getSend(send.sendId)).toMatchObject({ status: 'SENT', sesMessageId: 'ses-2' });
    expect(await filedUnder(send)).toBe('SENT');
  });

  it('lets the next delivery claim at once a send its holder released after a transient failure', async () => {
    const send = queuedSend('batch-release', 'release@example.com');
    await store.putNewSends([send], expiresAt);
    const now = new Date();
    await store.claim(refOf(send), 'lease-1', now, 60_000);
    const throttled = { code: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' };
    // Only the holder's release counts: another's leaves the lease live.
    await store.releaseClaim(refOf(send), 'lease-other', throttled, now);
    expect(await store.claim(refOf(send), 'lease-2', now, 60_000)).toBeUndefined();

    await store.releaseClaim(refOf(send), 'lease-1', throttled, now);
    expect(await store.getSend(send.sendId)).toMatchObject({
      status: 'SENDING',
      errorCode: 'TooManyRequestsException',
    });
    expect(await store.claim(refOf(send), 'lease-2', now, 60_000)).toMatchObject({ from: 'SENDING' });
    await store.markSent(refOf(send), 'lease-2', 'ses', now);
    // The transient error is history once SES accepted.
    expect(await store.getSend(send.sendId)).not.toHaveProperty('errorCode');
  });

  it('never moves a SENT send backwards', async () => {
    const send = queuedSend('batch-d', 'final@example.com');
    await store.putNewSends([send], expiresAt);
    const now = new Date();
    await store.claim(refOf(send), 'lease', now, 60_000);
    await store.markSent(refOf(send), 'lease', 'ses', now);
    expect(
      await store.claim(refOf(send), 'other', new Date(now.getTime() + 3_600_000), 60_000),
    ).toBeUndefined();
    expect(await store.markError(refOf(send), { code: 'X', message: 'late' }, now)).toBeUndefined();
    expect(await store.markRequeued(refOf(send), now)).toBe(false);
    expect(await store.getSend(send.sendId)).toMatchObject({ status: 'SENT', sesMessageId: 'ses' });
    expect(await filedUnder(send)).toBe('SENT');
  });

  it('moves an open send to ERROR for anyone without a lease, and for the claim holder only with one', async () => {
    const [queued, claimed] = ['queued', 'claimed'].map((n) =>
      queuedSend('batch-error', `${n}@example.com`),
    ) as [SendRecord, SendRecord];
    await store.putNewSends([queued, claimed], expiresAt);
    const now = new Date();
    const long = { code: 'MessageRejected', message: 'x'.repeat(1000) };
    expect(await store.markError(refOf(queued), long, now)).toEqual({ from: 'QUEUED' });
    expect((await store.getSend(queued.sendId))?.errorMessage).toHaveLength(300);
    expect(await filedUnder(queued)).toBe('ERROR');

    await store.claim(refOf(claimed), 'lease-1', now, 60_000);
    expect(await store.markError(refOf(claimed), long, now, 'lease-2')).toBeUndefined();
    expect(await store.markError(refOf(claimed), long, now, 'lease-1')).toEqual({ from: 'SENDING' });
    expect(await store.getSend(claimed.sendId)).toMatchObject({
      status: 'ERROR',
      errorCode: 'MessageRejected',
    });
  });

  it('claims again a send given up as retries exhausted (a redrive), filing it among the open sends again', async () => {
    const send = queuedSend('batch-redrive', 'redrive@example.com');
    await store.putNewSends([send], expiresAt);
    const now = new Date();
    await store.claim(refOf(send), 'lease-1', now, 60_000);
    await store.markError(refOf(send), RETRIES_EXHAUSTED, now);
    expect(await filedUnder(send)).toBe('ERROR');

    const redriven = await store.claim(refOf(send), 'lease-2', now, 60_000);
    expect(redriven).toMatchObject({
      from: 'ERROR',
      send: { status: 'SENDING', attempts: 2, leaseId: 'lease-2' },
    });
    expect(await filedUnder(send)).toBe('OPEN');
    expect(await store.markSent(refOf(send), 'lease-2', 'ses', now)).toEqual({ from: 'SENDING' });
    expect(await filedUnder(send)).toBe('SENT');
  });

  it('never claims again a send rejected for good', async () => {
    const send = queuedSend('batch-rejected', 'rejected@example.com');
    await store.putNewSends([send], expiresAt);
    const now = new Date();
    await store.claim(refOf(send), 'lease', now, 60_000);
    await store.markError(refOf(send), { code: 'MessageRejected', message: 'not verified' }, now, 'lease');
    expect(
      await store.claim(refOf(send), 'lease-2', new Date(now.getTime() + 3_600_000), 60_000),
    ).toBeUndefined();
    expect(await store.getSend(send.sendId)).toMatchObject({ status: 'ERROR', errorCode: 'MessageRejected' });
  });

  it('notes when an open send was put back on the queue, without changing its status', async () => {
    const send = queuedSend('batch-requeued', 'requeued@example.com');
    await store.putNewSends([send], expiresAt);
    const now = new Date('2026-12-03T10:00:00.000Z');
    expect(await store.markRequeued(refOf(send), now)).toBe(true);
    expect(await store.getSend(send.sendId)).toMatchObject({
      status: 'QUEUED',
      requeuedAt: now.toISOString(),
    });
  });

  it('refuses a claim whose createdAt does not match the stored send', async () => {
    const send = queuedSend('batch-e', 'forged@example.com');
    await store.putNewSends([send], expiresAt);
    expect(await store.claim({ ...refOf(send), createdAt: 'forged' }, 'l', new Date(), 1000)).toBeUndefined();
    expect((await store.getSend(send.sendId))?.status).toBe('QUEUED');
  });
});

describe('cancelling a send', () => {
  const at = new Date('2026-11-20T10:05:00.000Z');

  it('ends a QUEUED send CANCELLED, filed under CANCELLED in the index, once', async () => {
    const send = queuedSend('cancel-1', 'a@example.com');
    await store.putNewSends([send], expiresAt);
    expect(await store.markCancelled(refOf(send), at)).toEqual({ from: 'QUEUED' });
    expect(await store.markCancelled(refOf(send), at)).toBeUndefined();
    expect((await store.getSend(send.sendId))?.status).toBe('CANCELLED');
    expect(await filedUnder(send)).toBe('CANCELLED');
    // Nothing claims it afterwards.
    expect(await store.claim(refOf(send), 'late', at, 60_000)).toBeUndefined();
  });

  it('leaves a send whose sender holds a live claim to that sender, and takes it from its holder or once the lease ran out', async () => {
    const send = queuedSend('cancel-2', 'b@example.com');
    await store.putNewSends([send], expiresAt);
    await store.claim(refOf(send), 'holder', at, 60_000);
    expect(await store.markCancelled(refOf(send), new Date(at.getTime() + 1_000))).toBeUndefined();
    expect(
      await store.markCancelled(refOf(send), new Date(at.getTime() + 1_000), 'someone-else'),
    ).toBeUndefined();
    expect(await store.markCancelled(refOf(send), new Date(at.getTime() + 1_000), 'holder')).toEqual({
      from: 'SENDING',
    });

    const expired = queuedSend('cancel-2', 'c@example.com');
    await store.putNewSends([expired], expiresAt);
    await store.claim(refOf(expired), 'crashed', at, 60_000);
    expect(await store.markCancelled(refOf(expired), new Date(at.getTime() + 61_000))).toEqual({
      from: 'SENDING',
    });
  });

  it('never cancels a send SES has', async () => {
    const send = queuedSend('cancel-3', 'd@example.com');
    await store.putNewSends([send], expiresAt);
    await store.claim(refOf(send), 'lease', at, 60_000);
    await store.markSent(refOf(send), 'lease', 'ses-1', at);
    expect(await store.markCancelled(refOf(send), new Date(at.getTime() + 120_000), 'lease')).toBeUndefined();
    expect((await store.getSend(send.sendId))?.status).toBe('SENT');
  });
});
