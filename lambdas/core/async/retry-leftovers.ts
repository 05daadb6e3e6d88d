import { setTimeout as sleep } from 'node:timers/promises';

export interface LeftoverRetryOptions {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** Delay before the first retry; doubles on each further retry, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_LEFTOVER_RETRY: LeftoverRetryOptions = {
  attempts: 8,
  baseDelayMs: 50,
  maxDelayMs: 5_000,
};

export class LeftoversNotProcessedError extends Error {
  override readonly name = 'LeftoversNotProcessedError';

  constructor(
    readonly what: string,
    readonly leftover: number,
  ) {
    super(`${leftover} ${what} still unprocessed after every retry`);
  }
}

/**
 * Batch APIs (DynamoDB BatchWriteItem, SQS SendMessageBatch) succeed while leaving part of a batch
 * undone. This calls `attempt` with what is left until nothing is, backing off between attempts,
 * and throws rather than drop anything silently.
 */
export async function retryLeftovers<T>(
  what: string,
  items: T[],
  attempt: (pending: T[]) => Promise<T[]>,
  options: LeftoverRetryOptions = DEFAULT_LEFTOVER_RETRY,
): Promise<void> {
  let pending = items;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= options.attempts) throw new LeftoversNotProcessedError(what, pending.length);
    if (round > 0) {
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (round - 1));
      await sleep(Math.random() * ceiling);
    }
    pending = await attempt(pending);
  }
}
