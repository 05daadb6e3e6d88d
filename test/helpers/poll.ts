import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

/**
 * How long a poll waits unless told otherwise. Machines of our kind differ up to 3× in speed and run
 * two test files at once, so what takes a second on a fast one may take several on a slow, busy one:
 * wait long. And stay inside vitest's 30 s per-test timeout, so that the poll gives up first and says
 * what it saw, rather than vitest saying only that the test timed out. A test that waits longer passes
 * its own `timeoutMs` and raises its own test timeout above it.
 */
export const POLL_TIMEOUT_MS = 20_000;

/** Between two probes: often enough not to add noticeable time, seldom enough not to load the emulators. */
const POLL_INTERVAL_MS = 100;

export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Calls `probe` until `done` holds for what it returned, and returns that value. Gives up after
 * `timeoutMs` with an error naming what it waited for and the last value it saw. An error thrown by
 * `probe` is not a "not yet": it ends the wait at once.
 */
export async function pollUntil<T, U extends T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => value is U,
  options?: PollOptions,
): Promise<U>;
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options?: PollOptions,
): Promise<T>;
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = POLL_TIMEOUT_MS, intervalMs = POLL_INTERVAL_MS }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}; last saw: ${shown(value)}`);
    }
    await sleep(intervalMs);
  }
}

/** A string as it is (a process's output reads better with its line breaks), anything else inspected. */
function shown(value: unknown): string {
  return typeof value === 'string' ? `\n${value}` : inspect(value, { depth: 6, breakLength: 120 });
}
