import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchPaceStore,
  PACE_LOOKAHEAD_WINDOWS,
  paceWindowOf,
} from '../../lambdas/core/store/batch-pace-store.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());

const T0 = Date.UTC(2026, 11, 3, 10, 0, 0);
/** Sends per window of `lengthMs` from slot times. */
function perWindow(slots: number[], lengthMs: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const at of slots)
    counts.set(Math.floor(at / lengthMs), (counts.get(Math.floor(at / lengthMs)) ?? 0) + 1);
  return counts;
}

describe('a batch’s own pace', () => {
  it('counts in seconds above one send per second, and in longer windows of one send below', () => {
    expect(paceWindowOf(5)).toEqual({ lengthMs: 1000, capacity: 5 });
    expect(paceWindowOf(2.5)).toEqual({ lengthMs: 1000, capacity: 2 });
    expect(paceWindowOf(0.5)).toEqual({ lengthMs: 2000, capacity: 1 });
  });

  it('gives no window more than its capacity however many senders take slots at once, spread over the window', async () => {
    // Four containers (each its own store, as on Lambda) take 40 slots at 5 per second.
    const senders = Array.from({ length: 4 }, () => new BatchPaceStore(aws.clients.documents, aws.tableName));
    const slots = (
      await Promise.all(
        senders.map(async (store) => {
          const taken: number[] = [];
          for (let i = 0; i < 10; i++) {
            const at = await store.take('paced', 5, T0);
            if (at !== undefined) taken.push(at);
          }
          return taken;
        }),
      )
    ).flat();
    expect(slots).toHaveLength(40);
    const counts = perWindow(slots, 1000);
    expect(Math.max(...counts.values())).toBe(5);
    expect(counts.size).toBe(8);
    // Within a window, 200 ms apart: no burst.
    const first = slots.filter((at) => at < T0 + 1000).sort((a, b) => a - b);
    expect(first).toEqual([T0, T0 + 200, T0 + 400, T0 + 600, T0 + 800]);
  });

  it('never gives a slot before now, and none at all once every window ahead is full', async () => {
    const store = new BatchPaceStore(aws.clients.documents, aws.tableName);
    const now = T0 + 10_500;
    const taken: (number | undefined)[] = [];
    for (let i = 0; i < PACE_LOOKAHEAD_WINDOWS + 1; i++) taken.push(await store.take('slow', 1, now));
    expect(taken[0]).toBe(now);
    expect(taken.slice(1, PACE_LOOKAHEAD_WINDOWS)).toEqual(
      Array.from({ length: PACE_LOOKAHEAD_WINDOWS - 1 }, (_, i) => T0 + 11_000 + i * 1000),
    );
    expect(taken[PACE_LOOKAHEAD_WINDOWS]).toBeUndefined();
  });

  it('keeps the batches apart', async () => {
    const store = new BatchPaceStore(aws.clients.documents, aws.tableName);
    expect(await store.take('one', 1, T0)).toBe(T0);
    expect(await store.take('two', 1, T0)).toBe(T0);
  });
});
