import { MAX_SUPPRESSION_NOTE, SUPPRESSION_REASONS } from '../../contract/api-schemas.js';

// The reasons are the API's (the contract's) too: one list for the store, the answers and the document.
export { SUPPRESSION_REASONS };

/**
 * The project's suppression list: addresses no campaign mails again. SES's events add hard bounces and
 * complaints, the one-click unsubscribe adds unsubscribes, and people add and remove addresses by hand
 * or by import. A transient bounce never suppresses (docs/ses-events.md).
 */
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  /** Normalised (normaliseEmail): how the list is keyed and looked up. */
  email: string;
  reason: SuppressionReason;
  /** What the reason was in detail: the bounce subtype, the complaint's feedback type, a person's note. */
  detail?: string;
  /** The send whose event or unsubscribe link added the address, and its batch. */
  sourceSendId?: string;
  sourceBatchId?: string;
  /** ISO-8601 UTC. */
  addedAt: string;
}

/** A person's note on a manual suppression is kept up to this many characters. */
export const MAX_SUPPRESSION_DETAIL = MAX_SUPPRESSION_NOTE;

export function isSuppressionReason(value: string): value is SuppressionReason {
  return (SUPPRESSION_REASONS as readonly string[]).includes(value);
}
