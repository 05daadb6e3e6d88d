import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import { sendRefFromBody } from '../../lambdas/core/queue/send-queue.js';
import { type SweepSettings, sweepStuckSends } from '../../lambdas/sweeper/sweep-stuck-sends.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { receiveSqsEvent, storesOf } from '../helpers/send-pipeline.js';
import { pendingSend } from '../helpers/send-records.js';

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());

const settings: SweepSettings = {
  pendingAfterSeconds: 60,
  queuedAfterSeconds: 600,
  sendingAfterSeconds: 60,
  maxAttempts: 3,
  maxPerRun: 100,
};

const t0 = new Date('2026-11-20T10:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

const send = (batchId: string, email: string) => pendingSend(batchId, email, { createdAt: t0.toISOString() });

async function queuedSendIds(): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const event = await receiveSqsEvent(aws);
    if (event.Records.length === 0) return ids.sort();
    for (const r of event.Records) ids.push(sendRefFromBody(r.body)?.sendId ?? 'unreadable');
  }
}

describe('sweeper', () => {
  it('enqueues only the sends a crash left behind, and never a finished one', async () => {
    const { sends: store, queue } = storesOf(aws);
    const pending = send('sweep-1', 'pending@example.com');
    const expiredClaim = send('sweep-1', 'expired@example.com');
    const liveClaim = send('sweep-1', 'live@example.com');
    const sent = send('sweep-1', 'sent@example.com');
    const exhausted = send('sweep-1', 'exhausted@example.com');
    await store.putNewSends([pending, expiredClaim, liveClaim, sent, exhausted]);
    const ref = (s: SendRecord) => ({ sendId: s.sendId, createdAt: s.createdAt });
    await store.claim(ref(expiredClaim), 'l1', at(1), 10_000);
    await store.claim(ref(liveClaim), 'l2', at(1), 3_600_000);
    await store.claim(ref(sent), 'l3', at(1), 10_000);
    await store.markSent(ref(sent), 'l3', 'ses-1', at(2));
    for (let i = 0; i < 3; i++) await store.claim(ref(exhausted), `x${i}`, at(i * 20), 10_000);

    const result = await sweepStuckSends({ store, queue, clock: () => at(300) }, settings);

    expect(result).toEqual({ requeued: { PENDING: 1, QUEUED: 0, SENDING: 1 }, exhausted: 1 });
    expect(await queuedSendIds()).toEqual([pending.sendId, expiredClaim.sendId].sort());
    expect((await store.getSend(pending.sendId))?.status).toBe('QUEUED');
    expect(await store.getSend(exhausted.sendId)).toMatchObject({
      status: 'ERROR',
      errorMessage: 'retries exhausted',
    });
    expect((await store.getSend(sent.sendId))?.status).toBe('SENT');
  });

  it('does not sweep a send again before its threshold has passed once more', async () => {
    const { sends: store, queue } = storesOf(aws);
    const pending = send('sweep-2', 'again@example.com');
    await store.putNewSends([pending]);
    await sweepStuckSends({ store, queue, clock: () => at(120) }, settings);
    await queuedSendIds();
    const soon = await sweepStuckSends({ store, queue, clock: () => at(180) }, settings);
    expect(soon.requeued).toEqual({ PENDING: 0, QUEUED: 0, SENDING: 0 });
    const later = await sweepStuckSends({ store, queue, clock: () => at(120 + 601) }, settings);
    expect(later.requeued.QUEUED).toBe(1);
    expect(await queuedSendIds()).toContain(pending.sendId);
  });

  it('leaves sends younger than the threshold alone', async () => {
    const { sends: store, queue } = storesOf(aws);
    await store.putNewSends([send('sweep-3', 'young@example.com')]);
    const result = await sweepStuckSends({ store, queue, clock: () => at(30) }, settings);
    expect(result.requeued.PENDING).toBe(0);
    expect(await queuedSendIds()).toEqual([]);
  });
});
