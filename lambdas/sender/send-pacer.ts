/**
 * Paces SES calls so that all senders together stay under one send rate (sends per second).
 *
 * The rate is shared out per invocation: with the event source's maximum concurrency `c`, each
 * invocation may send at rate / c, so that c invocations at once send at the rate. On Lambda a
 * container runs one invocation at a time, so a container paces at rate / c; the local runner runs
 * every invocation in one process against one pacer, which therefore paces at rate / c × (invocations
 * running now). Slots are handed out one interval apart (no burst: a slot not used is lost), which is
 * what SES's per-second limit asks for.
 *
 * A throttling answer means the rate is wrong (another sender shares the account, the quota was
 * lowered): the pacer halves its rate (at most once a second), down to 1/16, and goes back to the full rate once no
 * throttling was seen for `penaltyMs`.
 *
 * Plain TypeScript with an injected clock and sleep, so it is tested without real timers.
 */
export interface PacerClock {
  /** Milliseconds, monotonic enough for intervals (Date.now or performance.now). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface SendPacerOptions {
  /** The event source's maximum concurrency: how many invocations share the rate. */
  concurrency: number;
  /** How long a throttling answer keeps the rate lowered. */
  penaltyMs?: number;
  /** The lowest share of the rate that throttling answers may bring the pacer down to. */
  minFactor?: number;
}

export class SendPacer {
  private nextSlotAt = Number.NEGATIVE_INFINITY;
  private active = 0;
  private factor = 1;
  private penaltyUntil = Number.NEGATIVE_INFINITY;
  private lastHalvedAt = Number.NEGATIVE_INFINITY;
  private readonly penaltyMs: number;
  private readonly minFactor: number;

  constructor(
    private readonly clock: PacerClock,
    private readonly options: SendPacerOptions,
  ) {
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    this.penaltyMs = options.penaltyMs ?? 60_000;
    this.minFactor = options.minFactor ?? 1 / 16;
  }

  /** Marks an invocation as running; call the returned function when it ends. */
  begin(): () => void {
    this.active += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.active -= 1;
    };
  }

  /** Milliseconds between two slots at this rate (sends per second across all senders), now. */
  intervalMs(rate: number): number {
    if (this.clock.now() >= this.penaltyUntil) this.factor = 1;
    const invocationsHere = Math.min(Math.max(this.active, 1), this.options.concurrency);
    const rateHere = ((rate * this.factor) / this.options.concurrency) * invocationsHere;
    return 1000 / rateHere;
  }

  /**
   * Milliseconds until the next free slot, without taking it: what acquire would wait now. On Lambda,
   * where a container runs one invocation at a time, nothing takes a slot in between; the local runner's
   * invocations share one pacer, so there another invocation may take it first.
   */
  waitMs(): number {
    return Math.max(0, this.nextSlotAt - this.clock.now());
  }

  /** Waits for the next free slot at this rate (sends per second across all senders). */
  async acquire(rate: number): Promise<void> {
    if (!(rate > 0)) throw new RangeError(`send rate must be positive, got ${rate}`);
    const now = this.clock.now();
    const interval = this.intervalMs(rate);
    const slot = Math.max(now, this.nextSlotAt);
    this.nextSlotAt = slot + interval;
    if (slot > now) await this.clock.sleep(slot - now);
  }

  /**
   * SES answered with throttling: halve the rate for a while. Halves at most once a second, so that
   * the throttling answers of one burst count as one signal, not as one halving each.
   */
  throttled(): void {
    const now = this.clock.now();
    if (now >= this.penaltyUntil) this.factor = 1;
    if (now - this.lastHalvedAt >= 1000) {
      this.factor = Math.max(this.factor / 2, this.minFactor);
      this.lastHalvedAt = now;
    }
    this.penaltyUntil = now + this.penaltyMs;
  }

  /** The share of the rate in use now: 1, or less after throttling. */
  currentFactor(): number {
    if (this.clock.now() >= this.penaltyUntil) this.factor = 1;
    return this.factor;
  }
}
