import type { RateLane } from './priority-lanes.js';
import type { SendPacer } from './send-pacer.js';
import type { SendRate } from './send-rate.js';

/** What the sender needs of rate control: a slot before each SES call, and a word when throttled. */
export interface SendPacing {
  /** Marks an invocation as running; call the returned function when it ends. */
  begin(): () => void;
  /** Resolves when this sender may make its next SES call. */
  acquire(): Promise<void>;
  /** Milliseconds acquire would wait now, without taking the slot (to check it against a deadline). */
  nextSlotInMs(): number;
  /** SES answered with throttling. */
  throttled(): void;
}

/**
 * Paces at the rate the SendRate resolves (configured, the account's, or the fallback), or at its
 * lane's share of it (priority-lanes.ts).
 */
export class RatePacing implements SendPacing {
  constructor(
    private readonly rate: SendRate,
    private readonly pacer: SendPacer,
    private readonly lane?: RateLane,
  ) {}

  begin(): () => void {
    return this.pacer.begin();
  }

  async acquire(): Promise<void> {
    const share = this.lane ? await this.lane.share() : 1;
    // A lane that must wait (a new stretch of the priority signal) waits before it takes a slot, so that
    // the slots of several invocations do not pile up behind the wait and go out at once.
    await this.lane?.hold();
    await this.pacer.acquire((await this.rate.current()) * share);
    // The slot's wait may have outlasted the lane's lease: checked in memory, rarely a write.
    await this.lane?.hold();
  }

  nextSlotInMs(): number {
    return Math.max(this.pacer.waitMs(), this.lane?.holdWaitMs() ?? 0);
  }

  throttled(): void {
    this.pacer.throttled();
  }
}
