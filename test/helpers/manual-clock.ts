/**
 * A wall clock that moves only when the test moves it, for code that takes `clock: () => Date` (the
 * sender's lease, the times it records). Moving it is instant and exact, where sleeping past a lease
 * costs real time and flakes on a busy machine. It starts at the real time, so that what it stamps
 * sits beside what the rest of the test writes with the real clock.
 */
export class ManualClock {
  private ms: number;

  constructor(start: Date = new Date()) {
    this.ms = start.getTime();
  }

  /** The time now; pass `clock.now` where a `() => Date` is expected. */
  readonly now = (): Date => new Date(this.ms);

  advance(ms: number): void {
    this.ms += ms;
  }
}
