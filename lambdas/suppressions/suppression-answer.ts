import type { SuppressionAnswer } from '../contract/api-schemas.js';
import type { Suppression } from '../core/domain/suppression.js';

/** An entry of the list as the API answers it: the record's documented fields, nothing else. */
export function suppressionAnswer(entry: Suppression): SuppressionAnswer {
  return {
    email: entry.email,
    reason: entry.reason,
    ...(entry.detail === undefined ? {} : { detail: entry.detail }),
    ...(entry.sourceSendId === undefined ? {} : { sourceSendId: entry.sourceSendId }),
    ...(entry.sourceBatchId === undefined ? {} : { sourceBatchId: entry.sourceBatchId }),
    addedAt: entry.addedAt,
  };
}
