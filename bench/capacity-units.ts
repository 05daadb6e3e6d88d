/**
 * DynamoDB's capacity arithmetic, as AWS documents it, for a meter that must compute what an emulator
 * does not report (dynalite returns no ConsumedCapacity). Plain functions on items in the low-level
 * AttributeValue shape (what the SDK sends and the emulator stores); test/unit/capacity-units.test.ts
 * pins each rule, so the cost bench's arithmetic cannot drift silently.
 *
 * Sources (developer guide, "Item sizes and formats", "Read/write capacity mode", "Global secondary
 * indexes: provisioned throughput considerations", "Managing settings on DynamoDB on-demand"):
 * - item size = Σ (UTF-8 bytes of the attribute name + size of the value);
 * - string: UTF-8 bytes; binary: bytes; number: 1 byte per two significant digits + 1; boolean, null: 1;
 *   list or map: 3 bytes + 1 byte per element (+ the element, + a map entry's name); sets: Σ elements;
 * - a write costs 1 write unit per started 1 KB of the larger of the item before and after; a write
 *   refused by its condition still costs (here: the size of the item as it stands, or of the put);
 * - a read costs 1 read unit per started 4 KB when strongly consistent, half when eventually consistent;
 *   BatchGetItem rounds each item separately, Query rounds the page's total; a read that finds nothing
 *   still costs the minimum;
 * - a global secondary index holds an entry for each item that has the index's key attributes; a write
 *   that adds the entry is a put, one that removes it a delete, one that changes the index's key a delete
 *   plus a put (2 index writes); one that changes only a projected non-key attribute an update; one that
 *   changes nothing projected writes nothing to the index. Each index write costs 1 unit per started KB
 *   of the index entry (the table's key attributes, the index's key attributes and the projection);
 * - storage: every table item and every index entry is billed with 100 bytes of overhead.
 */

export interface AttributeValue {
  S?: string;
  N?: string;
  B?: Uint8Array;
  BOOL?: boolean;
  NULL?: boolean;
  L?: AttributeValue[];
  M?: Record<string, AttributeValue>;
  SS?: string[];
  NS?: string[];
  BS?: Uint8Array[];
}

/** An item as DynamoDB stores it (the low-level shape). */
export type RawItem = Record<string, AttributeValue>;

export const WRITE_UNIT_BYTES = 1024;
export const READ_UNIT_BYTES = 4096;
/** Bytes DynamoDB adds to every item and every index entry for storage billing. */
export const STORAGE_OVERHEAD_BYTES = 100;

export interface IndexShape {
  name: string;
  partition: string;
  sort?: string;
  /** KEYS_ONLY, ALL, or the non-key attributes projected (INCLUDE). */
  projection: 'KEYS_ONLY' | 'ALL' | readonly string[];
}

export interface TableShape {
  partition: string;
  sort?: string;
  indexes: readonly IndexShape[];
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** A number's size: 1 byte per two significant digits (leading and trailing zeros trimmed), plus 1. */
export function numberSize(text: string): number {
  const mantissa = text.trim().replace(/^[-+]/, '').split(/[eE]/)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [name, v]) => sum + 1 + utf8(name) + valueSize(v), 0);
  }
  throw new Error(`not an AttributeValue: ${JSON.stringify(value)}`);
}

/** The size DynamoDB bills an item by: its attribute names and values. */
export function itemSize(item: RawItem | undefined): number {
  if (item === undefined) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

/** Write units of one write: per started KB of the larger of the item before and after, at least 1. */
export function writeUnits(beforeBytes: number, afterBytes: number): number {
  return Math.max(1, Math.ceil(Math.max(beforeBytes, afterBytes) / WRITE_UNIT_BYTES));
}

/** Read units of reading `bytes` at once (one item, or one Query page): at least the minimum. */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
  return consistent ? units : units / 2;
}

const keyNamesOf = (table: TableShape) => [table.partition, ...(table.sort ? [table.sort] : [])];
const indexKeyNamesOf = (index: IndexShape) => [index.partition, ...(index.sort ? [index.sort] : [])];

/** The item's index entry (what the index stores for it), or undefined when the item is not in the index. */
export function indexEntryOf(
  item: RawItem | undefined,
  table: TableShape,
  index: IndexShape,
): RawItem | undefined {
  if (item === undefined) return undefined;
  const indexKeys = indexKeyNamesOf(index);
  if (
    indexKeys.some(
      (name) => item[name]?.S === undefined && item[name]?.N === undefined && item[name]?.B === undefined,
    )
  )
    return undefined;
  if (index.projection === 'ALL') return { ...item };
  const names = new Set([
    ...keyNamesOf(table),
    ...indexKeys,
    ...(index.projection === 'KEYS_ONLY' ? [] : index.projection),
  ]);
  const entry: RawItem = {};
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) entry[name] = value;
  }
  return entry;
}

const sameValue = (a: AttributeValue | undefined, b: AttributeValue | undefined) =>
  JSON.stringify(a) === JSON.stringify(b);

function sameEntry(a: RawItem, b: RawItem): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const name of names) if (!sameValue(a[name], b[name])) return false;
  return true;
}

/** One write to an index: which index partition it lands on and what it costs. */
export interface IndexWrite {
  kind: 'put' | 'delete' | 'update';
  /** The index partition key value written. */
  partition: string;
  units: number;
}

const keyText = (value: AttributeValue | undefined) => value?.S ?? value?.N ?? '';

/**
 * The writes one change of an item (before → after; undefined: absent) makes to one index: none when
 * nothing the index holds changed, a put or a delete when the item enters or leaves it, a delete and a
 * put when its index key changed, an update when only a projected attribute did.
 */
export function indexWritesFor(
  before: RawItem | undefined,
  after: RawItem | undefined,
  table: TableShape,
  index: IndexShape,
): IndexWrite[] {
  const old = indexEntryOf(before, table, index);
  const next = indexEntryOf(after, table, index);
  const put = (entry: RawItem): IndexWrite => ({
    kind: 'put',
    partition: keyText(entry[index.partition]),
    units: writeUnits(0, itemSize(entry)),
  });
  const remove = (entry: RawItem): IndexWrite => ({
    kind: 'delete',
    partition: keyText(entry[index.partition]),
    units: writeUnits(itemSize(entry), 0),
  });
  if (old === undefined && next === undefined) return [];
  if (old === undefined && next !== undefined) return [put(next)];
  if (old !== undefined && next === undefined) return [remove(old)];
  if (old === undefined || next === undefined) return [];
  const keyChanged = indexKeyNamesOf(index).some((name) => !sameValue(old[name], next[name]));
  if (keyChanged) return [remove(old), put(next)];
  if (sameEntry(old, next)) return [];
  return [
    {
      kind: 'update',
      partition: keyText(next[index.partition]),
      units: writeUnits(itemSize(old), itemSize(next)),
    },
  ];
}

/** What one write of one item costs, on the table and on each index. */
export interface ItemWriteCost {
  tableUnits: number;
  /** The table partition key value written. */
  tablePartition: string;
  indexWrites: (IndexWrite & { index: string })[];
}

/**
 * The cost of one write of one item, from the item before and after it (undefined: absent). A write
 * refused by its condition passes `after` = `before` (nothing changed) and costs the larger of the item
 * as it stands and the item it tried to put (`attemptedBytes`); no index is written.
 */
export function itemWriteCost(
  before: RawItem | undefined,
  after: RawItem | undefined,
  table: TableShape,
  attemptedBytes = 0,
): ItemWriteCost {
  const tablePartition = keyText((after ?? before)?.[table.partition]);
  return {
    tableUnits: writeUnits(itemSize(before), Math.max(itemSize(after), attemptedBytes)),
    tablePartition,
    indexWrites: table.indexes.flatMap((index) =>
      indexWritesFor(before, after, table, index).map((write) => ({ ...write, index: index.name })),
    ),
  };
}

/** Bytes an item and its index entries are billed for while stored. */
export function storedBytes(item: RawItem, table: TableShape): { table: number; indexes: number } {
  let indexes = 0;
  for (const index of table.indexes) {
    const entry = indexEntryOf(item, table, index);
    if (entry !== undefined) indexes += itemSize(entry) + STORAGE_OVERHEAD_BYTES;
  }
  return { table: itemSize(item) + STORAGE_OVERHEAD_BYTES, indexes };
}
