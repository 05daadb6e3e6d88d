import type { SuppressedRow } from '../store/batch-store.js';
import type { SuppressionStore } from '../store/suppression-store.js';

/**
 * The rows among `rows` whose address is on the suppression list, in the order given, with the list's
 * reason: one BatchGetItem per 100 distinct addresses (SuppressionStore.findMany, a few at a time).
 */
export async function suppressedAmong(
  rows: readonly { line: number; email: string }[],
  suppressions: Pick<SuppressionStore, 'findMany'>,
): Promise<SuppressedRow[]> {
  const found = await suppressions.findMany(rows.map((row) => row.email));
  if (found.size === 0) return [];
  return rows.flatMap(({ line, email }) => {
    const entry = found.get(email);
    return entry === undefined ? [] : [{ line, email, reason: entry.reason }];
  });
}
