import type { SendRecord } from '../domain/send-record.js';
import type { BatchRecord } from './batch-store.js';

/** An item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/** Attributes that only place an item in the table and its indexes: never part of a record. */
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'statusShard', 'createdKey', 'batchStatusKey', 'type']);

function withoutKeys(item: Item): Item {
  const record: Item = {};
  for (const [key, value] of Object.entries(item)) if (!KEY_ATTRIBUTES.has(key)) record[key] = value;
  return record;
}

export const sendRecordFromItem = (item: Item): SendRecord => withoutKeys(item) as unknown as SendRecord;

export const batchRecordFromItem = (item: Item): BatchRecord => withoutKeys(item) as unknown as BatchRecord;
