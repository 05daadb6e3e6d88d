import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import type { StatusCounts } from '../../lambdas/core/store/batch-progress.js';
import { noChanges } from '../../lambdas/core/store/counter-store.js';

/**
 * A QUEUED send of `batchId` to `email`, as the writer writes it (chunk 0), for tests that put sends in
 * the table themselves; `overrides` sets what a test is about (createdAt, chunk, dryRun, status, …).
 */
export function queuedSend(batchId: string, email: string, overrides: Partial<SendRecord> = {}): SendRecord {
  const createdAt = overrides.createdAt ?? new Date().toISOString();
  return {
    sendId: sendIdFor(batchId, email),
    batchId,
    email,
    subject: 'Hello',
    chunk: 0,
    status: 'QUEUED',
    createdAt,
    updatedAt: createdAt,
    attempts: 0,
    ...overrides,
  };
}

export { refOf } from '../../lambdas/core/domain/send-record.js';

/** A batch's counts in every status: these, and 0 in every other. */
export const countsWith = (counts: Partial<StatusCounts>): StatusCounts => ({ ...noChanges(), ...counts });
