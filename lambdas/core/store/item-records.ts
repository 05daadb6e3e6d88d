/** An item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/** Attributes that only place an item in the table, its index and its lifetime: never part of a record. */
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'batchPart', 'batchSort', 'type', 'expiresAt']);

/**
 * The record an item stores: the item without its key attributes. The stores write records spread into
 * items with their keys, so what is left is the record as it was written.
 */
export function recordOfItem<T>(item: Item): T {
  const record: Item = {};
  for (const [key, value] of Object.entries(item)) if (!KEY_ATTRIBUTES.has(key)) record[key] = value;
  return record as T;
}
