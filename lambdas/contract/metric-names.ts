/**
 * The custom CloudWatch metrics the functions emit (Powertools Metrics, embedded metric format) and the
 * stack's alarms and dashboard read. One list, so that a renamed metric cannot leave an alarm watching
 * nothing.
 */
export const METRICS_NAMESPACE = 'CampaignMailer';

export const METRIC = {
  /** Ingest: rows accepted into a batch. */
  rowsAccepted: 'RowsAccepted',
  /** Ingest: rows refused (invalid) or dropped as duplicates. */
  rowsRejected: 'RowsRejected',
  /** Sender: mails SES accepted. */
  emailsSent: 'EmailsSent',
  /** Sender: sends moved to ERROR (permanent rejection or retries exhausted). */
  emailsFailed: 'EmailsFailed',
  /** Sender: sends ended SUPPRESSED, unmailed, their address on the suppression list. */
  emailsSuppressed: 'EmailsSuppressed',
  /** Sender: SES answered with throttling. */
  sesThrottles: 'SesThrottles',
  /** Sender: milliseconds of one SES SendEmail call. */
  sesLatency: 'SesLatency',
  /** Sender: messages put back unsent because pacing them would have outlasted the invocation. */
  sendsDeferred: 'SendsDeferred',
  /** Sender: messages of a paused batch set aside unsent (its resume puts them back). */
  sendsHeld: 'SendsHeld',
  /** Sender: sends of a cancelled batch ended CANCELLED, unmailed. */
  emailsCancelled: 'EmailsCancelled',
  /** Events: SES events taken, by the dimension SES_EVENT_TYPE_DIMENSION (Send, Delivery, Bounce, …). */
  sesEvents: 'SesEvents',
  /** Events: SES events whose send is not in the table (expired, or never ours); acknowledged. */
  sesEventsUnknownSend: 'SesEventsUnknownSend',
  /** Events: addresses a hard bounce or a complaint added to the suppression list. */
  suppressionsAdded: 'SuppressionsAdded',
  /** Events: batches the guardrail paused, their bounce or complaint rate above its limit. */
  batchesPausedByGuardrail: 'BatchesPausedByGuardrail',
} as const;

/** The dimension of METRIC.sesEvents that names the event's type. */
export const SES_EVENT_TYPE_DIMENSION = 'eventType';
