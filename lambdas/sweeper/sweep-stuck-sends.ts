import type { SweeperConfig } from '../core/config/function-config.js';
import { RETRIES_EXHAUSTED } from '../core/domain/retries-exhausted.js';
import type { SendStatus } from '../core/domain/send-status.js';
import type { SendQueue } from '../core/queue/send-queue.js';
import type { SendStore, StuckSend } from '../core/store/send-store.js';

export interface SweepDeps {
  store: SendStore;
  queue: SendQueue;
  clock: () => Date;
}

export type SweepSettings = Pick<
  SweeperConfig,
  'pendingAfterSeconds' | 'queuedAfterSeconds' | 'sendingAfterSeconds' | 'maxAttempts' | 'maxPerRun'
>;

export interface SweepResult {
  requeued: Record<'PENDING' | 'QUEUED' | 'SENDING', number>;
  exhausted: number;
}

/**
 * Puts back on the queue the sends that a crash or a lost message left behind: PENDING sends never
 * enqueued, QUEUED sends whose message is gone, SENDING sends whose claim ran out with no redelivery.
 * Enqueueing twice is harmless (the sender's claim lets one delivery through), so the sweeper errs on
 * the side of enqueueing. A send that used up its attempts is moved to ERROR instead.
 */
export async function sweepStuckSends(deps: SweepDeps, settings: SweepSettings): Promise<SweepResult> {
  const result: SweepResult = { requeued: { PENDING: 0, QUEUED: 0, SENDING: 0 }, exhausted: 0 };
  const thresholds: [SendStatus & keyof SweepResult['requeued'], number][] = [
    ['PENDING', settings.pendingAfterSeconds],
    ['QUEUED', settings.queuedAfterSeconds],
    ['SENDING', settings.sendingAfterSeconds],
  ];
  for (const [status, afterSeconds] of thresholds) {
    const now = deps.clock();
    const cutoff = new Date(now.getTime() - afterSeconds * 1000);
    const stuck = await deps.store.findStuck(status, cutoff, now, settings.maxPerRun);
    const exhausted = stuck.filter((s) => s.attempts >= settings.maxAttempts);
    const retryable = stuck.filter((s) => s.attempts < settings.maxAttempts);
    for (const send of exhausted) {
      if (await deps.store.markError(send, RETRIES_EXHAUSTED, now)) result.exhausted += 1;
    }
    await deps.queue.enqueue(retryable.map(refOf));
    for (const send of retryable) {
      if (await deps.store.markRequeued(refOf(send), status, deps.clock())) result.requeued[status] += 1;
    }
  }
  return result;
}

const refOf = ({ sendId, createdAt }: StuckSend) => ({ sendId, createdAt });
