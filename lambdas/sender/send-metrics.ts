/** What the sender counts, for the dashboard and the alarms; recorded through an interface so that
 * the use case does not depend on how metrics are shipped. */
export interface SendMetrics {
  sent(): void;
  /** A send moved to ERROR: rejected for good, or retries exhausted. */
  failed(): void;
  /** A send ended SUPPRESSED: its address was on the suppression list, so SES was not called. */
  suppressed(): void;
  throttled(): void;
  sesLatency(milliseconds: number): void;
  /** Messages put back unsent because pacing them would have run past the invocation's deadline. */
  deferred(count: number): void;
  /** A message of a paused batch set aside unsent: its resume puts its send back on the queue. */
  held(): void;
  /** A send of a cancelled batch ended CANCELLED without an SES call. */
  cancelled(): void;
}
