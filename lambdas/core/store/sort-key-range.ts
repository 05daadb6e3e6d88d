import type { SendFilter } from './send-filter.js';

/**
 * Sort-key ranges of the two indexes. Both sort keys start with createdAt as written by toISOString
 * (fixed width), followed by `#sendId`, so comparing keys as strings compares creation times first:
 *   createdKey >= from              exactly when createdAt >= from
 *   createdKey <= to + KEY_END      exactly when createdAt <= to
 * because the character after createdAt is '#', below KEY_END.
 */

/** Sorts above every character a key can contain (ids and timestamps are ASCII). */
export const KEY_END = '\uffff';

/** Inclusive bounds on a sort key; an exclusive upper bound is the cursor's own key, already returned. */
export interface SortKeyRange {
  lower?: string;
  upper?: string;
  upperExclusive: boolean;
}

/** The createdKey range a filter allows, below the cursor position when there is one. */
export function createdKeyRange(
  filter: Pick<SendFilter, 'createdFrom' | 'createdTo'>,
  afterKey?: string,
): SortKeyRange {
  const lower = filter.createdFrom;
  const dateUpper = filter.createdTo === undefined ? undefined : `${filter.createdTo}${KEY_END}`;
  if (afterKey !== undefined && (dateUpper === undefined || afterKey <= dateUpper)) {
    return { lower, upper: afterKey, upperExclusive: true };
  }
  return { lower, upper: dateUpper, upperExclusive: false };
}

/** The same range inside one prefix of a composite key (`SENT#` on the batch index). */
export function withinPrefix(prefix: string, range: SortKeyRange): SortKeyRange {
  return {
    lower: prefix + (range.lower ?? ''),
    upper: prefix + (range.upper ?? KEY_END),
    upperExclusive: range.upperExclusive,
  };
}

export function inRange(key: string, range: SortKeyRange): boolean {
  if (range.lower !== undefined && key < range.lower) return false;
  if (range.upper === undefined) return true;
  return range.upperExclusive ? key < range.upper : key <= range.upper;
}

/** DynamoDB rejects BETWEEN with a lower bound above the upper one, so empty ranges are never sent. */
export function isEmptyRange(range: SortKeyRange): boolean {
  if (range.upper === undefined) return false;
  if (range.lower === undefined) return range.upperExclusive && range.upper === '';
  return range.lower > range.upper || (range.upperExclusive && range.lower === range.upper);
}

/**
 * The sort-key part of a key condition. DynamoDB allows one condition on the sort key, so a range
 * bounded on both sides is BETWEEN, which includes the cursor's own item: the reader drops it.
 */
export function sortKeyCondition(
  range: SortKeyRange,
): { expression: string; values: Record<string, string> } | undefined {
  const { lower, upper } = range;
  if (lower !== undefined && upper !== undefined) {
    return { expression: '#sk BETWEEN :lower AND :upper', values: { ':lower': lower, ':upper': upper } };
  }
  if (lower !== undefined) return { expression: '#sk >= :lower', values: { ':lower': lower } };
  if (upper !== undefined) {
    return { expression: `#sk ${range.upperExclusive ? '<' : '<='} :upper`, values: { ':upper': upper } };
  }
  return undefined;
}
