import { describe, expect, it } from 'vitest';
import {
  type IndexShape,
  indexEntryOf,
  indexWritesFor,
  itemSize,
  itemWriteCost,
  numberSize,
  type RawItem,
  readUnits,
  STORAGE_OVERHEAD_BYTES,
  storedBytes,
  type TableShape,
  valueSize,
  writeUnits,
} from '../../bench/capacity-units.js';
import { applyUpdate } from '../../bench/update-expression.js';
import { sendIndexKeysFor, sendKey } from '../../lambdas/core/store/item-keys.js';

// The arithmetic of bench:cost, pinned: a drift here would change every dollar it prints.

const KEYS_ONLY: IndexShape = {
  name: 'batch_index',
  partition: 'batchPart',
  sort: 'batchSort',
  projection: 'KEYS_ONLY',
};
const TABLE: TableShape = { partition: 'pk', sort: 'sk', indexes: [KEYS_ONLY] };

const s = (text: string) => ({ S: text });
const n = (value: number) => ({ N: String(value) });

/** A send item as SendStore writes it, in DynamoDB's own shape. */
function sendItem(status: 'QUEUED' | 'SENDING' | 'SENT', extra: RawItem = {}): RawItem {
  const sendId = '0123456789abcdef0123456789abcdef';
  const key = sendKey(sendId);
  const index = sendIndexKeysFor(status, 'batch-1', sendId, '2026-01-01T00:00:00.000Z');
  return {
    pk: s(key.pk),
    sk: s(key.sk),
    status: s(status),
    email: s('ana@example.com'),
    batchPart: s(String(index.batchPart)),
    batchSort: s(String(index.batchSort)),
    ...extra,
  };
}

describe('item size', () => {
  it('counts a number as one byte per two significant digits plus one, zeros trimmed', () => {
    expect(numberSize('1')).toBe(2);
    expect(numberSize('12345')).toBe(4);
    expect(numberSize('1000')).toBe(2);
    expect(numberSize('-0.00125')).toBe(3);
    expect(numberSize('1733150000123')).toBe(8);
  });

  it('counts names and values; lists and maps carry 3 bytes plus 1 per element', () => {
    expect(itemSize({ pk: s('SEND#abc') })).toBe(2 + 8);
    expect(itemSize({ ok: { BOOL: true }, no: { NULL: true } })).toBe(2 + 1 + 2 + 1);
    expect(valueSize({ L: [s('ab'), n(7)] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(valueSize({ M: { a: s('xyz') } })).toBe(3 + 1 + 1 + 3);
    expect(valueSize({ SS: ['a', 'bc'] })).toBe(3);
    expect(itemSize({ text: s('é') })).toBe(4 + 2);
  });
});

describe('write and read units', () => {
  it('charges a write per started KB of the larger image, at least 1', () => {
    expect(writeUnits(0, 0)).toBe(1);
    expect(writeUnits(0, 1024)).toBe(1);
    expect(writeUnits(0, 1025)).toBe(2);
    expect(writeUnits(1500, 300)).toBe(2);
    expect(writeUnits(300, 2049)).toBe(3);
  });

  it('charges a read per started 4 KB, half when eventually consistent, the minimum when nothing is found', () => {
    expect(readUnits(0, false)).toBe(0.5);
    expect(readUnits(4096, false)).toBe(0.5);
    expect(readUnits(4097, false)).toBe(1);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(100, true)).toBe(1);
  });

  it('charges a write refused by its condition for the item as it stands or as it was put, and no index', () => {
    const stored = sendItem('SENT', { pad: s('x'.repeat(1500)) });
    const cost = itemWriteCost(stored, stored, TABLE);
    expect(cost.tableUnits).toBe(2);
    expect(cost.indexWrites).toEqual([]);
    expect(itemWriteCost(undefined, undefined, TABLE, 2500).tableUnits).toBe(3);
  });
});

describe('index writes from key changes', () => {
  it('stores the keys of the table and of the index only, for KEYS_ONLY', () => {
    const entry = indexEntryOf(sendItem('QUEUED'), TABLE, KEYS_ONLY);
    expect(Object.keys(entry ?? {}).sort()).toEqual(['batchPart', 'batchSort', 'pk', 'sk']);
    expect(indexEntryOf({ pk: s('FILE#1'), sk: s('FILE') }, TABLE, KEYS_ONLY)).toBeUndefined();
  });

  it('puts the entry when the item gets its index keys, deletes it when they go', () => {
    const queued = sendItem('QUEUED');
    expect(indexWritesFor(undefined, queued, TABLE, KEYS_ONLY).map((w) => w.kind)).toEqual(['put']);
    const { batchPart: _part, batchSort: _sort, ...unindexed } = queued;
    expect(indexWritesFor(queued, unindexed, TABLE, KEYS_ONLY).map((w) => w.kind)).toEqual(['delete']);
    expect(indexWritesFor(undefined, unindexed, TABLE, KEYS_ONLY)).toEqual([]);
  });

  it('writes nothing to a KEYS_ONLY index when only other attributes change (QUEUED → SENDING)', () => {
    const before = sendItem('QUEUED');
    const after = sendItem('SENDING', { leaseId: s('lease'), attempts: n(1) });
    expect(before.batchSort).toEqual(after.batchSort);
    expect(indexWritesFor(before, after, TABLE, KEYS_ONLY)).toEqual([]);
  });

  it('deletes and puts the entry when the index key changes (SENDING → SENT), on its shard partition', () => {
    const before = sendItem('SENDING');
    const after = sendItem('SENT', { sesMessageId: s('0100018c-abc') });
    const writes = indexWritesFor(before, after, TABLE, KEYS_ONLY);
    expect(writes.map((w) => w.kind)).toEqual(['delete', 'put']);
    expect(writes.every((w) => w.units === 1 && w.partition === before.batchPart?.S)).toBe(true);
  });

  it('updates an ALL or INCLUDE projection when a projected attribute changes', () => {
    const all: IndexShape = { ...KEYS_ONLY, projection: 'ALL' };
    const include: IndexShape = { ...KEYS_ONLY, projection: ['email'] };
    const before = sendItem('QUEUED');
    const after = sendItem('QUEUED', { email: s('ben@example.com') });
    expect(indexWritesFor(before, after, TABLE, all).map((w) => w.kind)).toEqual(['update']);
    expect(indexWritesFor(before, after, TABLE, include).map((w) => w.kind)).toEqual(['update']);
    expect(indexWritesFor(before, after, TABLE, KEYS_ONLY)).toEqual([]);
  });

  it('adds up to the 6 send-item units of a send (1 + 1 put, 1 claim, 1 + 2 SENT) under 1 KB', () => {
    const queued = sendItem('QUEUED');
    const sending = sendItem('SENDING', { leaseId: s('lease'), attempts: n(1) });
    const sent = sendItem('SENT', { attempts: n(1), sesMessageId: s('m'.repeat(60)) });
    const costs = [
      itemWriteCost(undefined, queued, TABLE),
      itemWriteCost(queued, sending, TABLE),
      itemWriteCost(sending, sent, TABLE),
    ];
    expect(costs.map((c) => [c.tableUnits, c.indexWrites.reduce((sum, w) => sum + w.units, 0)])).toEqual([
      [1, 1],
      [1, 0],
      [1, 2],
    ]);
  });

  it('bills storage with 100 bytes of overhead per item and per index entry', () => {
    const item = sendItem('SENT');
    const entry = indexEntryOf(item, TABLE, KEYS_ONLY);
    expect(storedBytes(item, TABLE)).toEqual({
      table: itemSize(item) + STORAGE_OVERHEAD_BYTES,
      indexes: itemSize(entry) + STORAGE_OVERHEAD_BYTES,
    });
  });
});

describe('update expressions applied to an image', () => {
  const key = { pk: s('COUNTER#b#0'), sk: s('COUNTER') };

  it('creates the item from its key, then SETs, ADDs and REMOVEs', () => {
    const first = applyUpdate(
      undefined,
      key,
      'SET lastChangeAt = :now, expiresAt = if_not_exists(expiresAt, :expires) ADD #QUEUED :q, #SENT :s',
      { '#QUEUED': 'n_QUEUED', '#SENT': 'n_SENT' },
      { ':now': s('t1'), ':expires': n(100), ':q': n(-1), ':s': n(1) },
    );
    expect(first).toEqual({
      ...key,
      lastChangeAt: s('t1'),
      expiresAt: n(100),
      n_QUEUED: n(-1),
      n_SENT: n(1),
    });
    const second = applyUpdate(
      first,
      key,
      'SET expiresAt = if_not_exists(expiresAt, :expires) ADD n_QUEUED :q REMOVE lastChangeAt',
      {},
      { ':expires': n(999), ':q': n(-1) },
    );
    expect(second).toEqual({ ...key, expiresAt: n(100), n_QUEUED: n(-2), n_SENT: n(1) });
  });

  it('refuses what it does not know rather than guess', () => {
    expect(() => applyUpdate(undefined, key, 'SET a = a + :one', {}, { ':one': n(1) })).toThrow(
      /not supported/,
    );
    expect(() => applyUpdate(undefined, key, 'SET a.b = :one', {}, { ':one': n(1) })).toThrow(/nested/);
    expect(() => applyUpdate(undefined, key, 'DELETE tags :t', {}, { ':t': { SS: ['x'] } })).toThrow(
      /DELETE/,
    );
  });
});
