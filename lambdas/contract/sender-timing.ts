import { FUNCTIONS } from './functions.js';

/**
 * The sender's timing. A claim (lease) must outlive the invocation that took it, or a redelivery
 * could send the same mail while the first invocation is still calling SES; it must end before the
 * message becomes visible again, or the redelivery finds the send still claimed. SQS's own rule for
 * Lambda sources: visibility at least 6× the function timeout, which leaves room for the poller's
 * retries of a throttled invocation. The stack checks these against the queue's settings at synth.
 */
export const SENDER_TIMEOUT_SECONDS = FUNCTIONS.sender.timeoutSeconds;
export const SEND_LEASE_SECONDS = 60;
export const VISIBILITY_PER_SENDER_TIMEOUT = 6;

export class SenderTimingError extends Error {
  override readonly name = 'SenderTimingError';
}

export function checkSenderTiming(
  timeoutSeconds: number,
  leaseSeconds: number,
  visibilityTimeoutSeconds: number,
): void {
  if (visibilityTimeoutSeconds < VISIBILITY_PER_SENDER_TIMEOUT * timeoutSeconds) {
    throw new SenderTimingError(
      `queue visibility timeout ${visibilityTimeoutSeconds} s must be at least ${VISIBILITY_PER_SENDER_TIMEOUT}× the sender timeout ${timeoutSeconds} s`,
    );
  }
  if (!(timeoutSeconds < leaseSeconds && leaseSeconds < visibilityTimeoutSeconds)) {
    throw new SenderTimingError(
      `send lease ${leaseSeconds} s must lie between the sender timeout ${timeoutSeconds} s and the visibility timeout ${visibilityTimeoutSeconds} s`,
    );
  }
}
