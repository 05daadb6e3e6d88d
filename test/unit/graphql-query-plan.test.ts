import { describe, expect, it } from 'vitest';
import { batchStatusKeyOf, createdKeyOf } from '../../lambdas/core/store/item-keys.js';
import { sendQueryPlan } from '../../lambdas/core/store/send-query-plan.js';
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
    const range = withinPrefix('SENT#', createdKeyRange({}));
    expect(range).toEqual({ lower: 'SENT#', upper: `SENT#${KEY_END}`, upperExclusive: false });
    expect(inRange(batchStatusKeyOf('SENT', key('2026-11-20T10:00:00.000Z')), range)).toBe(true);
    expect(inRange(batchStatusKeyOf('SENDING', key('2026-11-20T10:00:00.000Z')), range)).toBe(false);
    expect(inRange(batchStatusKeyOf('ERROR', key('2026-11-20T10:00:00.000Z')), range)).toBe(false);
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

describe('sendQueryPlan', () => {
  it('reads one batch-index prefix for batch and status', () => {
    const plan = sendQueryPlan({ batchId: 'b1', status: 'SENT' });
    expect(plan).toEqual([
      {
        indexName: 'batch_index',
        partitionKey: { name: 'batchId', value: 'b1' },
        sortKey: {
          name: 'batchStatusKey',
          range: { lower: 'SENT#', upper: `SENT#${KEY_END}`, upperExclusive: false },
        },
      },
    ]);
  });

  it('reads the five status prefixes of a batch', () => {
    const plan = sendQueryPlan({ batchId: 'b1' });
    expect(plan.map((q) => q.sortKey.range.lower)).toEqual([
      'PENDING#',
      'QUEUED#',
      'SENDING#',
      'SENT#',
      'ERROR#',
    ]);
    expect(new Set(plan.map((q) => q.indexName))).toEqual(new Set(['batch_index']));
  });

  it('fans a status out over its eight shards of the status index', () => {
    const plan = sendQueryPlan({ status: 'QUEUED', createdFrom: '2026-11-20T00:00:00.000Z' });
    expect(plan.map((q) => q.partitionKey.value)).toEqual(Array.from({ length: 8 }, (_, i) => `QUEUED#${i}`));
    expect(plan.every((q) => q.indexName === 'status_index' && q.sortKey.name === 'createdKey')).toBe(true);
    expect(plan[0]?.sortKey.range.lower).toBe('2026-11-20T00:00:00.000Z');
  });

  it('fans out over every status and shard when neither status nor batch is given', () => {
    const plan = sendQueryPlan({});
    expect(plan).toHaveLength(40);
    expect(new Set(plan.map((q) => q.partitionKey.value)).size).toBe(40);
  });

  it('plans no query at all when the cursor lies below from', () => {
    expect(
      sendQueryPlan(
        { status: 'SENT', createdFrom: '2026-11-20T00:00:00.000Z' },
        key('2026-11-19T00:00:00.000Z'),
      ),
    ).toEqual([]);
  });
});
