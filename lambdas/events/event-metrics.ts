import type { SesEventType } from '../contract/ses-event-types.js';

/**
 * What the events function counts, for the dashboard and the alarms; recorded through an interface so
 * that the use case does not depend on how metrics are shipped.
 */
export interface EventMetrics {
  /** One SES event taken (its send written, or found unchanged, or unknown). */
  event(type: SesEventType): void;
  /** An event whose send is not in the table. */
  unknownSend(): void;
  /** An address a hard bounce or a complaint added to the suppression list. */
  suppressionAdded(): void;
  /** A batch the guardrail paused: its bounce or complaint rate passed its limit. */
  pausedByGuardrail(): void;
  /** Ships what the invocation counted; called once, as it ends. */
  flush(): void;
}
