/**
 * How long a message that failed for a transient reason stays invisible before its next delivery:
 * base × 2^(receives − 1), at most `maxSeconds`. With a 30 s base: 30 s after the first receive,
 * 60 s after the second, 120 s after the third, … A base of 0 turns the back-off off: the message
 * then comes back after the queue's visibility timeout, as SQS does by itself.
 */
export interface RetryBackoff {
  baseSeconds: number;
  maxSeconds: number;
}

export function retryDelaySeconds(receiveCount: number, backoff: RetryBackoff): number {
  if (backoff.baseSeconds <= 0) return 0;
  const exponent = Math.max(0, Math.floor(receiveCount) - 1);
  // 2^30 s is far beyond any cap; stop doubling before the number stops being exact.
  const delay = backoff.baseSeconds * 2 ** Math.min(exponent, 30);
  return Math.min(delay, backoff.maxSeconds);
}
