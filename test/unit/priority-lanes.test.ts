import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { PrioritySignal } from '../../lambdas/core/store/priority-signal-store.js';
import {
  HIGH_LANE_SHARE,
  HighLane,
  laneOfEvent,
  NormalLane,
  SIGNAL_LEASE_MS,
  SIGNAL_NOTICE_MS,
  SIGNAL_TRUST_MS,
} from '../../lambdas/sender/priority-lanes.js';
import { SendPacer } from '../../lambdas/sender/send-pacer.js';
import { RatePacing } from '../../lambdas/sender/send-pacing.js';
import { SendRate } from '../../lambdas/sender/send-rate.js';

/**
 * The signal's contract as priority-signal-store.ts keeps it in DynamoDB (its conditional writes are
 * tested against the emulator in test/integration/priority-signal-store.test.ts), in memory, counting
 * the requests a lane makes.
 */
class SignalInMemory {
  value: PrioritySignal | undefined;
  reads = 0;
  raises = 0;

  async read(): Promise<PrioritySignal | undefined> {
    this.reads += 1;
    return this.value && { ...this.value };
  }

  async raise(nowMs: number, untilMs: number, noticeMs: number): Promise<PrioritySignal> {
    this.raises += 1;
    const seen = this.value;
    if (seen !== undefined && seen.upUntil >= nowMs + noticeMs) {
      seen.upUntil = Math.max(seen.upUntil, untilMs);
    } else {
      this.value = { since: nowMs, upUntil: untilMs };
    }
    return { ...(this.value as PrioritySignal) };
  }
}

/**
 * Virtual time for several senders at once: a sleep resolves when the test's driver moves the clock to
 * its end, so every lane, pacer and signal sees the same instants and nothing waits for real.
 */
class VirtualTime {
  t = 0;
  private timers: { at: number; wake: () => void }[] = [];

  readonly nowMs = () => this.t;
  readonly sleep = (ms: number) =>
    new Promise<void>((wake) => {
      this.timers.push({ at: this.t + Math.max(0, ms), wake });
    });

  /** Runs until every sender is done: settles what can run now, then moves to the next timer. */
  async run(done: Promise<unknown>): Promise<void> {
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished) {
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      if (finished) break;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (next === undefined) throw new Error('the senders wait on nothing: a deadlock');
      this.t = Math.max(this.t, next.at);
      next.wake();
    }
  }
}

describe('the normal lane', () => {
  it('paces at the whole rate while no high-priority send is being mailed, reading the signal at most every 3 s', async () => {
    const signal = new SignalInMemory();
    let now = 0;
    const lane = new NormalLane(signal, { nowMs: () => now });
    expect(await lane.share()).toBe(1);
    now += SIGNAL_TRUST_MS - 1;
    expect(await lane.share()).toBe(1);
    expect(signal.reads).toBe(1);
    now += 1;
    expect(await lane.share()).toBe(1);
    expect(signal.reads).toBe(2);
  });

  it('gives way to the high lane while its signal is up, and takes the whole rate back once it is down', async () => {
    const signal = new SignalInMemory();
    signal.value = { since: 0, upUntil: 10_000 };
    let now = 1_000;
    const lane = new NormalLane(signal, { nowMs: () => now });
    expect(await lane.share()).toBeCloseTo(1 - HIGH_LANE_SHARE);
    now = 10_000;
    // The signal read at 1 s said "up until 10 s": at 10 s it is down, whatever the cache holds.
    expect(await lane.share()).toBe(1);
  });
});

describe('the high lane', () => {
  it('waits until every normal sender has seen its signal before its first mail of a new stretch', async () => {
    const signal = new SignalInMemory();
    const time = new VirtualTime();
    const lane = new HighLane(signal, time);
    let mailedAt = -1;
    await time.run(
      lane.hold().then(() => {
        mailedAt = time.t;
      }),
    );
    expect(mailedAt).toBe(SIGNAL_NOTICE_MS);
    expect(signal.value).toEqual({ since: 0, upUntil: SIGNAL_LEASE_MS });
  });

  it('mails at once when the signal is already up (another high sender raised it), and extends it while it mails', async () => {
    const signal = new SignalInMemory();
    signal.value = { since: -20_000, upUntil: 8_000 };
    const time = new VirtualTime();
    const lane = new HighLane(signal, time);
    await time.run(lane.hold());
    expect(time.t).toBe(0);
    expect(signal.value).toEqual({ since: -20_000, upUntil: SIGNAL_LEASE_MS });
    // One write per SIGNAL_TRUST_MS of mailing, not one per mail: at 0, 3.1 s and 6.2 s of 91 mails.
    for (let at = 0; at <= 9_000; at += 100) {
      time.t = at;
      await lane.hold();
    }
    expect(signal.raises).toBe(3);
    expect(signal.value?.upUntil).toBeGreaterThanOrEqual(9_000 + SIGNAL_LEASE_MS - SIGNAL_TRUST_MS);
  });

  it('starts a new stretch, and waits again, when the signal it finds is about to go down', async () => {
    const signal = new SignalInMemory();
    signal.value = { since: -20_000, upUntil: SIGNAL_NOTICE_MS - 1 };
    const time = new VirtualTime();
    const lane = new HighLane(signal, time);
    expect(lane.holdWaitMs()).toBe(SIGNAL_NOTICE_MS);
    await time.run(lane.hold());
    expect(time.t).toBe(SIGNAL_NOTICE_MS);
    expect(signal.value?.since).toBe(0);
  });
});

describe('both lanes together', () => {
  /**
   * A normal campaign mails at the account's rate; 5 s in, a high-priority batch of 60 arrives. One
   * sender per lane (concurrency 1), as on Lambda one container per lane: each with its own pacer.
   */
  async function simulate() {
    const RATE = 10;
    const signal = new SignalInMemory();
    const time = new VirtualTime();
    const rate = new SendRate({
      override: RATE,
      fallback: 1,
      readAccountRate: async () => RATE,
      now: time.nowMs,
    });
    const pacer = () => new SendPacer({ now: time.nowMs, sleep: time.sleep }, { concurrency: 1 });
    const normalPacing = new RatePacing(rate, pacer(), new NormalLane(signal, time));
    const highPacing = new RatePacing(rate, pacer(), new HighLane(signal, time));
    const mails: { lane: 'normal' | 'high'; at: number }[] = [];
    let highLeft = 60;
    const normal = (async () => {
      while (time.t < 40_000) {
        await normalPacing.acquire();
        mails.push({ lane: 'normal', at: time.t });
      }
    })();
    const high = (async () => {
      await time.sleep(5_000);
      for (; highLeft > 0; highLeft--) {
        await highPacing.acquire();
        mails.push({ lane: 'high', at: time.t });
      }
    })();
    await time.run(Promise.all([normal, high]));
    return { mails, RATE };
  }

  it('never mail above the account rate together, over any second', async () => {
    const { mails, RATE } = await simulate();
    const times = mails.map((m) => m.at).sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    // One slot of the normal lane may fall in the second its share drops (its next slot was already set).
    expect(most).toBeLessThanOrEqual(RATE + 1);
  });

  it('let a high-priority batch overtake a normal backlog without stopping the normal campaign', async () => {
    const { mails, RATE } = await simulate();
    const high = mails.filter((m) => m.lane === 'high').map((m) => m.at);
    const firstHigh = Math.min(...high);
    const lastHigh = Math.max(...high);
    // Its 60 mails at 80 % of 10/s: about 7.5 s, after the signal's notice.
    expect(firstHigh).toBeGreaterThanOrEqual(5_000 + SIGNAL_NOTICE_MS - 1);
    expect(lastHigh - firstHigh).toBeLessThan((60 / (RATE * HIGH_LANE_SHARE)) * 1000 + 1000);
    // The normal campaign kept its fifth of the rate meanwhile: never starved.
    const normalMeanwhile = mails.filter((m) => m.lane === 'normal' && m.at > firstHigh && m.at <= lastHigh);
    expect(normalMeanwhile.length).toBeGreaterThanOrEqual(
      Math.floor(((lastHigh - firstHigh) / 1000) * RATE * (1 - HIGH_LANE_SHARE)) - 1,
    );
    // And once the high batch is done, the whole rate again, within the signal's lease and a read.
    const backToFull = lastHigh + SIGNAL_LEASE_MS + SIGNAL_TRUST_MS;
    const lastSecond = mails.filter(
      (m) => m.lane === 'normal' && m.at > backToFull && m.at <= backToFull + 1000,
    );
    expect(lastSecond.length).toBeGreaterThanOrEqual(RATE - 1);
  });
});

describe('the lane of an invocation', () => {
  const eventFrom = (eventSourceARN: string) => ({ Records: [{ eventSourceARN }] }) as unknown as SQSEvent;
  const priorityUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/email_priority_send_queue-prod';

  it('is high for records of the high-priority queue and normal for the send queue', () => {
    expect(
      laneOfEvent(
        eventFrom('arn:aws:sqs:eu-west-1:123456789012:email_priority_send_queue-prod'),
        priorityUrl,
      ),
    ).toBe('high');
    expect(
      laneOfEvent(eventFrom('arn:aws:sqs:eu-west-1:123456789012:email_send_queue-prod'), priorityUrl),
    ).toBe('normal');
  });

  it('is normal without a high-priority queue configured, or for an empty event', () => {
    expect(
      laneOfEvent(eventFrom('arn:aws:sqs:eu-west-1:123456789012:email_priority_send_queue-prod'), undefined),
    ).toBe('normal');
    expect(laneOfEvent({ Records: [] }, priorityUrl)).toBe('normal');
  });
});
