import type { SendStatus } from '../domain/send-status.js';

/** Which sends a query asks for, validated. Dates are toISOString() values, both bounds inclusive. */
export interface SendFilter {
  status?: SendStatus;
  batchId?: string;
  createdFrom?: string;
  createdTo?: string;
}

/**
 * A canonical text of the filter, built from validated values so that `status: "sent"` and
 * `status: "SENT"`, or two spellings of one instant, are the same filter. Page cursors are bound to it.
 */
export function filterScope(filter: SendFilter): string {
  return JSON.stringify([
    filter.status ?? null,
    filter.batchId ?? null,
    filter.createdFrom ?? null,
    filter.createdTo ?? null,
  ]);
}
