import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';

/**
 * A PENDING send of `batchId` to `email`, as an upload writes it, for tests that put sends in the table
 * themselves; `overrides` sets what a test is about (createdAt, content, dryRun, status, …).
 */
export function pendingSend(batchId: string, email: string, overrides: Partial<SendRecord> = {}): SendRecord {
  const createdAt = overrides.createdAt ?? new Date().toISOString();
  return {
    sendId: sendIdFor(batchId, email),
    batchId,
    email,
    subject: 'Hello',
    contentId: 'c1',
    variables: {},
    status: 'PENDING',
    createdAt,
    updatedAt: createdAt,
    attempts: 0,
    ...overrides,
  };
}
