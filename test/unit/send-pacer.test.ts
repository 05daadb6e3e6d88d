import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../lambdas/sender/retry-backoff.js';
import { SendPacer } from '../../lambdas/sender/send-pacer.js';
import { SendRate } from '../../lambdas/sender/send-rate.js';

/** A clock that only moves when someone sleeps on it: no real timers, no flakiness. */
function fakeClock() {
  const clock = {
    t: 0,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

/** Times (ms) at which `n` successive acquires of one sender return. */
async function slotTimes(pacer: SendPacer, clock: ReturnType<typeof fakeClock>, rate: number, n: number) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    await pacer.acquire(rate);
    times.push(clock.t);
  }
  return times;
}

describe('send pacer', () => {
  it('spaces one sender’s calls at the rate divided by the senders sharing it', async () => {
    const clock = fakeClock();
    const pacer = new SendPacer(clock, { concurrency: 4 });
    const end = pacer.begin();
    // 20 sends/s shared by 4 senders: 5/s each, one every 200 ms.
    expect(await slotTimes(pacer, clock, 20, 4)).toEqual([0, 200, 400, 600]);
    end();
  });

  it('gives the whole rate to as many invocations as the concurrency when they share one process', async () => {
    const clock = fakeClock();
    const pacer = new SendPacer(clock, { concurrency: 4 });
    const ends = [pacer.begin(), pacer.begin(), pacer.begin(), pacer.begin()];
    expect(pacer.intervalMs(20)).toBe(50);
    // Four more invocations than the concurrency would not raise the rate above it.
    const extra = [pacer.begin(), pacer.begin()];
    expect(pacer.intervalMs(20)).toBe(50);
    for (const end of [...ends, ...extra]) end();
    expect(pacer.intervalMs(20)).toBe(200);
  });

  it('hands concurrent callers distinct slots one interval apart', async () => {
    const clock = fakeClock();
    const pacer = new SendPacer(clock, { concurrency: 1 });
    // Sleeps are recorded before any of them advances the clock: each caller waits for its own slot.
    const waits: number[] = [];
    const sleepy = { now: () => 0, sleep: async (ms: number) => void waits.push(ms) };
    const shared = new SendPacer(sleepy, { concurrency: 1 });
    await Promise.all([shared.acquire(10), shared.acquire(10), shared.acquire(10)]);
    expect(waits).toEqual([100, 200]);
    expect(await slotTimes(pacer, clock, 10, 2)).toEqual([0, 100]);
  });

  it('does not bank unused slots: after a pause the next call goes at once and the next one an interval later', async () => {
    const clock = fakeClock();
    const pacer = new SendPacer(clock, { concurrency: 1 });
    await pacer.acquire(10);
    clock.t += 5_000;
    expect(await slotTimes(pacer, clock, 10, 3)).toEqual([5_000, 5_100, 5_200]);
  });

  it('halves the rate on throttling, once per second, down to a floor, and restores it after the penalty', async () => {
    const clock = fakeClock();
    const pacer = new SendPacer(clock, { concurrency: 1, penaltyMs: 60_000, minFactor: 1 / 4 });
    pacer.throttled();
    pacer.throttled(); // the same burst: not a second halving
    expect(pacer.currentFactor()).toBe(0.5);
    expect(pacer.intervalMs(10)).toBe(200);
    clock.t += 1_000;
    pacer.throttled();
    clock.t += 1_000;
    pacer.throttled();
    expect(pacer.currentFactor()).toBe(0.25);
    clock.t += 59_999;
    expect(pacer.currentFactor()).toBe(0.25);
    clock.t += 1;
    expect(pacer.currentFactor()).toBe(1);
    expect(pacer.intervalMs(10)).toBe(100);
  });

  it('tells how long the next slot is away without taking it', async () => {
    const clock = fakeClock();
    const pacer = new SendPacer(clock, { concurrency: 2 });
    expect(pacer.waitMs()).toBe(0);
    await pacer.acquire(0.2);
    // 0.2 sends/s shared by 2 senders: one slot every 10 s.
    expect(pacer.waitMs()).toBe(10_000);
    expect(pacer.waitMs()).toBe(10_000);
    clock.t += 4_000;
    expect(pacer.waitMs()).toBe(6_000);
    expect(await slotTimes(pacer, clock, 0.2, 1)).toEqual([10_000]);
  });

  it('refuses a rate that is not positive', async () => {
    const pacer = new SendPacer(fakeClock(), { concurrency: 1 });
    await expect(pacer.acquire(0)).rejects.toThrow(RangeError);
  });
});

describe('send rate', () => {
  it('uses the configured rate without asking SES', async () => {
    let reads = 0;
    const rate = new SendRate({
      override: 7,
      fallback: 1,
      readAccountRate: async () => ++reads,
      now: () => 0,
    });
    expect(await rate.describe()).toEqual({ rate: 7, origin: 'configured' });
    expect(reads).toBe(0);
  });

  it('reads the account rate once, shares the read among concurrent callers, and reads again after the refresh time', async () => {
    let t = 0;
    let reads = 0;
    const rate = new SendRate({
      fallback: 1,
      readAccountRate: async () => {
        reads += 1;
        return reads === 1 ? 14 : 28;
      },
      now: () => t,
      refreshMs: 600_000,
    });
    expect(await Promise.all([rate.current(), rate.current(), rate.current()])).toEqual([14, 14, 14]);
    t = 599_999;
    expect(await rate.current()).toBe(14);
    expect(reads).toBe(1);
    t = 600_000;
    expect(await rate.describe()).toEqual({ rate: 28, origin: 'account' });
    expect(reads).toBe(2);
  });

  it('falls back to the default rate when GetAccount fails, and tries again later', async () => {
    let t = 0;
    let fail = true;
    const failures: unknown[] = [];
    const rate = new SendRate({
      fallback: 3,
      readAccountRate: async () => {
        if (fail) throw new Error('BadRequestException: Account not found');
        return 50;
      },
      now: () => t,
      retryMs: 60_000,
      onReadFailure: (error) => failures.push(error),
    });
    expect(await rate.describe()).toEqual({ rate: 3, origin: 'fallback' });
    fail = false;
    t = 59_000;
    expect(await rate.current()).toBe(3);
    t = 60_000;
    expect(await rate.describe()).toEqual({ rate: 50, origin: 'account' });
    expect(failures).toHaveLength(1);
  });

  it('treats a rate of 0 from SES as a failed read', async () => {
    const rate = new SendRate({ fallback: 2, readAccountRate: async () => 0, now: () => 0 });
    expect(await rate.describe()).toEqual({ rate: 2, origin: 'fallback' });
  });
});

describe('retry back-off', () => {
  const backoff = { baseSeconds: 30, maxSeconds: 180 };

  it('doubles the delay with each receive, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 50].map((n) => retryDelaySeconds(n, backoff))).toEqual([
      30, 60, 120, 180, 180, 180,
    ]);
  });

  it('is off with a base of 0', () => {
    expect(retryDelaySeconds(2, { baseSeconds: 0, maxSeconds: 180 })).toBe(0);
  });
});
