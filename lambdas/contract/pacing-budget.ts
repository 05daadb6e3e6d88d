/**
 * How much pacing fits in one sender invocation. Each sender spaces its SES calls one interval of
 * concurrency / rate seconds apart (send-pacer.ts), so a batch of n sends spends about n intervals
 * waiting: the first slot too, since a warm container may still be one interval away from its
 * previous invocation's last send. An invocation that waits past its timeout is killed mid-batch, and
 * Lambda then returns the whole batch to the queue, sends done included, until the dead-letter queue.
 *
 * The stack uses this to size the sender's batch for a configured rate (lib/mailer-config.ts); the
 * sender uses it at run time, where the rate can be lower than planned (the account's quota, the
 * fallback rate, throttling halving it), to stop taking slots before its deadline.
 *
 * Plain arithmetic, no AWS imports.
 */

/**
 * Time kept back from the invocation's deadline after its last paced slot: that slot's SES call (with
 * the SDK's retries), the SENT write, and the batch's closing work (putting deferred messages back on
 * the queue, retry delays, ERROR writes on a last receive).
 */
export const SEND_RESERVE_MS = 5_000;

/** SQS allows a message to be delayed 15 minutes at most. */
const MAX_DELAY_SECONDS = 900;

/** Milliseconds between two SES calls of one sender when `concurrency` senders share `rate` sends/s. */
export function slotIntervalMs(rate: number, concurrency: number): number {
  return (1000 * concurrency) / rate;
}

/** The most sends one invocation can pace before its timeout, keeping SEND_RESERVE_MS for the last. */
export function pacedBatchLimit(options: { rate: number; concurrency: number; timeoutMs: number }): number {
  const { rate, concurrency, timeoutMs } = options;
  return Math.max(0, Math.floor((timeoutMs - SEND_RESERVE_MS) / slotIntervalMs(rate, concurrency)));
}

/** The lowest rate (sends/s, rounded up to 3 decimals) at which one invocation can pace one send. */
export function minimumPacedSendRate(options: { concurrency: number; timeoutMs: number }): number {
  const exact = (1000 * options.concurrency) / (options.timeoutMs - SEND_RESERVE_MS);
  return Math.ceil(exact * 1000) / 1000;
}

/**
 * Whether a sender may still take a slot `waitMs` from now: only if the send it paces (and the rest of
 * the invocation's work) still has SEND_RESERVE_MS before the deadline `remainingMs` from now.
 */
export function slotFitsBeforeDeadline(waitMs: number, remainingMs: number): boolean {
  return waitMs + SEND_RESERVE_MS <= remainingMs;
}

/**
 * How long a message the sender had no time for stays away: until the slot it could not take, so that
 * the next delivery finds the pacer ready instead of deferring it again at once. At least 1 s, at
 * most SQS's 15 minutes.
 */
export function deferralDelaySeconds(waitMs: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil(waitMs / 1000)));
}
