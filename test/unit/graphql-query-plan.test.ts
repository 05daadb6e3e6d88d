import { describe, expect, it } from 'vitest';
import { BATCH_INDEX, BATCH_SHARDS } from '../../lambdas/contract/table-schema.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { SEND_STATUSES } from '../../lambdas/core/domain/send-status.js';
import { mergeNewest } from '../../lambdas/core/store/index-keys-stream.js';
import {
  createdKeyOf,
  indexedStatusOf,
  sendIndexKeysFor,
  sendPartitionOf,
  sendSortOf,
  shardOf,
  statusesFiledUnder,
} from '../../lambdas/core/store/item-keys.js';
import {
  createdKeyRange,
  inRange,
  isEmptyRange,
  KEY_END,
  sortKeyCondition,
  withinPrefix,
} from '../../lambdas/core/store/sort-key-range.js';

const id = (n: number) => n.toString(16).padStart(32, '0');
const key = (createdAt: string, n = 1) => createdKeyOf(createdAt, id(n));

describe('createdKeyRange', () => {
  const day = { createdFrom: '2026-11-20T00:00:00.000Z', createdTo: '2026-11-20T23:59:59.999Z' };
  const range = createdKeyRange(day);

  it('includes sends created exactly at from and exactly at to', () => {
    expect(inRange(key('2026-11-20T00:00:00.000Z'), range)).toBe(true);
    expect(inRange(key('2026-11-20T23:59:59.999Z', 0xffff), range)).toBe(true);
    expect(inRange(createdKeyOf('2026-11-20T23:59:59.999Z', 'f'.repeat(32)), range)).toBe(true);
  });

  it('excludes sends one millisecond outside either bound', () => {
    expect(inRange(createdKeyOf('2026-11-19T23:59:59.999Z', 'f'.repeat(32)), range)).toBe(false);
    expect(inRange(key('2026-11-21T00:00:00.000Z', 0), range)).toBe(false);
  });

  it('puts the upper bound just above every key created at `to`', () => {
    expect(range).toEqual({
      lower: '2026-11-20T00:00:00.000Z',
      upper: `2026-11-20T23:59:59.999Z${KEY_END}`,
      upperExclusive: false,
    });
  });

  it('makes the cursor an exclusive upper bound', () => {
    const cursor = key('2026-11-20T12:00:00.000Z', 5);
    const below = createdKeyRange(day, cursor);
    expect(below).toEqual({ lower: day.createdFrom, upper: cursor, upperExclusive: true });
    expect(inRange(cursor, below)).toBe(false);
    expect(inRange(key('2026-11-20T12:00:00.000Z', 4), below)).toBe(true);
    expect(inRange(key('2026-11-20T12:00:00.000Z', 6), below)).toBe(false);
  });

  it('keeps the date bound when a cursor lies above it', () => {
    expect(createdKeyRange(day, key('2026-12-01T00:00:00.000Z')).upperExclusive).toBe(false);
  });

  it('leaves sides without a bound open', () => {
    expect(createdKeyRange({})).toEqual({ lower: undefined, upper: undefined, upperExclusive: false });
  });
});

describe('withinPrefix', () => {
  it('confines an open range to the status prefix of the batch index', () => {
    const range = withinPrefix(sendSortOf('SENT', ''), createdKeyRange({}));
    expect(range).toEqual({ lower: 'SENT#', upper: `SENT#${KEY_END}`, upperExclusive: false });
    expect(inRange(sendSortOf('SENT', key('2026-11-20T10:00:00.000Z')), range)).toBe(true);
    expect(inRange(sendSortOf('OPEN', key('2026-11-20T10:00:00.000Z')), range)).toBe(false);
    expect(inRange(sendSortOf('ERROR', key('2026-11-20T10:00:00.000Z')), range)).toBe(false);
  });

  it('finds QUEUED and SENDING sends alike under the OPEN prefix', () => {
    const range = withinPrefix(sendSortOf(indexedStatusOf('QUEUED'), ''), createdKeyRange({}));
    for (const status of ['QUEUED', 'SENDING'] as const) {
      const sort = sendIndexKeysFor(status, 'b1', id(7), '2026-11-20T10:00:00.000Z')[BATCH_INDEX.sort];
      expect(inRange(String(sort), range)).toBe(true);
    }
  });

  it('carries dates and the cursor into the prefix', () => {
    const cursor = key('2026-11-20T12:00:00.000Z');
    const range = withinPrefix(
      'ERROR#',
      createdKeyRange({ createdFrom: '2026-11-20T00:00:00.000Z' }, cursor),
    );
    expect(range).toEqual({
      lower: 'ERROR#2026-11-20T00:00:00.000Z',
      upper: `ERROR#${cursor}`,
      upperExclusive: true,
    });
  });
});

describe('isEmptyRange', () => {
  it('finds a range whose cursor lies below from empty', () => {
    const range = createdKeyRange(
      { createdFrom: '2026-11-20T00:00:00.000Z' },
      key('2026-11-19T00:00:00.000Z'),
    );
    expect(isEmptyRange(range)).toBe(true);
  });

  it('finds a range with one exclusive point empty and with one inclusive point not', () => {
    expect(isEmptyRange({ lower: 'a', upper: 'a', upperExclusive: true })).toBe(true);
    expect(isEmptyRange({ lower: 'a', upper: 'a', upperExclusive: false })).toBe(false);
    expect(isEmptyRange({ upperExclusive: false })).toBe(false);
  });
});

describe('sortKeyCondition', () => {
  it('uses BETWEEN for a range bounded on both sides, including an exclusive top', () => {
    expect(sortKeyCondition({ lower: 'a', upper: 'b', upperExclusive: true })).toEqual({
      expression: '#sk BETWEEN :lower AND :upper',
      values: { ':lower': 'a', ':upper': 'b' },
    });
  });

  it('uses a strict comparison for a cursor without a lower bound', () => {
    expect(sortKeyCondition({ upper: 'b', upperExclusive: true })?.expression).toBe('#sk < :upper');
    expect(sortKeyCondition({ upper: 'b', upperExclusive: false })?.expression).toBe('#sk <= :upper');
    expect(sortKeyCondition({ lower: 'a', upperExclusive: false })?.expression).toBe('#sk >= :lower');
  });

  it('leaves an open range to the partition key alone', () => {
    expect(sortKeyCondition({ upperExclusive: false })).toBeUndefined();
  });
});

describe('the index keys of a send', () => {
  const createdAt = '2026-11-20T10:00:00.000Z';

  it('files QUEUED and SENDING together as OPEN, SENT and DELIVERED together as SENT, the others apart', () => {
    expect(SEND_STATUSES.map(indexedStatusOf)).toEqual([
      'OPEN',
      'OPEN',
      'SENT',
      'SENT',
      'BOUNCED',
      'COMPLAINED',
      'REJECTED',
      'SUPPRESSED',
      'CANCELLED',
      'ERROR',
    ]);
    expect(statusesFiledUnder('OPEN')).toEqual(['QUEUED', 'SENDING']);
    expect(statusesFiledUnder('SENT')).toEqual(['SENT', 'DELIVERED']);
    expect(statusesFiledUnder('BOUNCED')).toEqual(['BOUNCED']);
  });

  it('gives a claim (QUEUED to SENDING) no index write: both statuses have the same index keys', () => {
    const sendId = sendIdFor('b1', 'ada@example.com');
    expect(sendIndexKeysFor('SENDING', 'b1', sendId, createdAt)).toEqual(
      sendIndexKeysFor('QUEUED', 'b1', sendId, createdAt),
    );
    expect(sendIndexKeysFor('SENT', 'b1', sendId, createdAt)).not.toEqual(
      sendIndexKeysFor('SENDING', 'b1', sendId, createdAt),
    );
  });

  it('sorts a send by indexed status, then its batch upload time, then its id', () => {
    const sendId = sendIdFor('b1', 'ada@example.com');
    expect(sendIndexKeysFor('SENT', 'b1', sendId, createdAt)).toEqual({
      [BATCH_INDEX.partition]: sendPartitionOf('b1', shardOf(sendId, BATCH_SHARDS)),
      [BATCH_INDEX.sort]: `SENT#${createdAt}#${sendId}`,
    });
  });

  it("puts a send in the shard its id's first 8 hex digits give, mod 8", () => {
    expect(shardOf('0000000a'.padEnd(32, 'f'), BATCH_SHARDS)).toBe(2);
    expect(shardOf('ffffffff'.padEnd(32, '0'), BATCH_SHARDS)).toBe(7);
    expect(sendPartitionOf('b1', 3)).toBe('S#b1#3');
  });

  it("spreads a batch's sends evenly over its 8 shards, so that no index partition is hot", () => {
    const perShard = new Array<number>(BATCH_SHARDS).fill(0);
    for (let i = 0; i < 8000; i++) {
      const shard = shardOf(sendIdFor('b1', `r${i}@example.com`), BATCH_SHARDS);
      perShard[shard] = (perShard[shard] ?? 0) + 1;
    }
    // 1,000 expected per shard; a hash spreads them within a few standard deviations (about 30).
    for (const count of perShard) expect(count).toBeGreaterThan(880);
    for (const count of perShard) expect(count).toBeLessThan(1120);
  });
});

describe('mergeNewest', () => {
  /** A stream over `keys` that counts how many entries the merge took from it. */
  function stream(keys: string[]) {
    const taken = { count: 0 };
    async function* entries() {
      for (const k of keys) {
        taken.count += 1;
        yield { k };
      }
    }
    return { iterator: entries(), taken };
  }

  async function firstOf<T>(merged: AsyncIterable<T>, n: number): Promise<T[]> {
    const out: T[] = [];
    for await (const entry of merged) {
      out.push(entry);
      if (out.length >= n) break;
    }
    return out;
  }

  it("merges the shards' streams, each newest first, into one stream newest first", async () => {
    const shards = [['9', '5', '1'], ['8', '4'], [], ['7', '6', '3', '2']].map(stream);
    const merged = mergeNewest(
      shards.map((s) => s.iterator),
      (e) => e.k,
    );
    expect((await firstOf(merged, 100)).map((e) => e.k)).toEqual([
      '9',
      '8',
      '7',
      '6',
      '5',
      '4',
      '3',
      '2',
      '1',
    ]);
  });

  it('reads each stream only as far as the page needs', async () => {
    const shards = [
      ['9', '5', '1'],
      ['8', '4', '0'],
    ].map(stream);
    const merged = mergeNewest(
      shards.map((s) => s.iterator),
      (e) => e.k,
    );
    expect((await firstOf(merged, 2)).map((e) => e.k)).toEqual(['9', '8']);
    // The head of each, and the entry after '9' to compare with '8': never the rest.
    expect(shards.map((s) => s.taken.count)).toEqual([2, 1]);
  });

  it('gives an entry met in two streams once (a send whose index entry moved while it was read)', async () => {
    const merged = mergeNewest([stream(['9', '5']).iterator, stream(['5', '2']).iterator], (e) => e.k);
    expect((await firstOf(merged, 100)).map((e) => e.k)).toEqual(['9', '5', '2']);
  });
});
