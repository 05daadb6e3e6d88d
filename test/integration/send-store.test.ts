import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { countsOf } from '../helpers/send-pipeline.js';
import { pendingSend as pendingSendOf } from '../helpers/send-records.js';

let aws: TestAws;
let store: SendStore;

beforeAll(async () => {
  aws = await startTestAws();
  store = new SendStore(aws.clients.documents, aws.tableName);
});
afterAll(() => aws.stop());

const createdAt = '2026-11-20T10:00:00.000Z';

const pendingSend = (batchId: string, email: string) => pendingSendOf(batchId, email, { createdAt });

const refOf = (s: SendRecord) => ({ sendId: s.sendId, createdAt: s.createdAt });

describe('SendStore against DynamoDB (dynalite)', () => {
  it('writes sends in batches of 25 and reads them back', async () => {
    const sends = Array.from({ length: 60 }, (_, i) => pendingSend('batch-a', `user${i}@example.com`));
    await store.putNewSends(sends);
    const one = await store.getSend(sends[42]?.sendId ?? '');
    expect(one).toMatchObject({ email: 'user42@example.com', status: 'PENDING', batchId: 'batch-a' });
    expect(await countsOf(aws, 'batch-a')).toEqual({
      PENDING: 60,
      QUEUED: 0,
      SENDING: 0,
      SENT: 0,
      ERROR: 0,
    });
  });

  it('lets one claim through and refuses a second while the lease is live', async () => {
    const send = pendingSend('batch-b', 'claim@example.com');
    await store.putNewSends([send]);
    const now = new Date();
    const first = await store.claim(refOf(send), 'lease-1', now, 60_000);
    const second = await store.claim(refOf(send), 'lease-2', now, 60_000);
    expect(first).toMatchObject({ status: 'SENDING', attempts: 1, leaseId: 'lease-1' });
    expect(second).toBeUndefined();
  });

  it('lets a send be claimed again once its lease has run out', async () => {
    const send = pendingSend('batch-c', 'expired@example.com');
    await store.putNewSends([send]);
    const start = new Date('2026-11-20T10:00:00Z');
    await store.claim(refOf(send), 'lease-1', start, 1_000);
    const later = new Date(start.getTime() + 5_000);
    const again = await store.claim(refOf(send), 'lease-2', later, 1_000);
    expect(again).toMatchObject({ leaseId: 'lease-2', attempts: 2 });
    expect(await store.markSent(refOf(send), 'lease-1', 'ses-1', later)).toBe(false);
    expect(await store.markSent(refOf(send), 'lease-2', 'ses-2', later)).toBe(true);
    expect(await store.getSend(send.sendId)).toMatchObject({ status: 'SENT', sesMessageId: 'ses-2' });
  });

  it('never moves a SENT send backwards', async () => {
    const send = pendingSend('batch-d', 'final@example.com');
    await store.putNewSends([send]);
    const now = new Date();
    await store.claim(refOf(send), 'lease', now, 60_000);
    await store.markSent(refOf(send), 'lease', 'ses', now);
    await store.markQueued([refOf(send)], now);
    expect(
      await store.claim(refOf(send), 'other', new Date(now.getTime() + 3_600_000), 60_000),
    ).toBeUndefined();
    expect(await store.markError(refOf(send), { code: 'X', message: 'late' }, now)).toBe(false);
    expect((await store.getSend(send.sendId))?.status).toBe('SENT');
    expect(await countsOf(aws, 'batch-d')).toMatchObject({ SENT: 1, PENDING: 0, QUEUED: 0 });
  });

  it('refuses a claim whose createdAt does not match the stored send', async () => {
    const send = pendingSend('batch-e', 'forged@example.com');
    await store.putNewSends([send]);
    expect(
      await store.claim({ sendId: send.sendId, createdAt: 'forged' }, 'l', new Date(), 1000),
    ).toBeUndefined();
  });
});
