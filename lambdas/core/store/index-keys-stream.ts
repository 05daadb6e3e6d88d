import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BATCH_INDEX } from '../../contract/table-schema.js';
import type { Item } from './item-records.js';
import { inRange, isEmptyRange, type SortKeyRange, sortKeyCondition } from './sort-key-range.js';

/** One index entry: the table key of the item it stands for, and its index sort key. */
export interface IndexEntry {
  pk: string;
  sk: string;
  sort: string;
}

/**
 * The entries of one partition of batch_index within a sort-key range, newest (highest) first, read one
 * page of `pageSize` at a time as the caller consumes them: a caller that stops early reads no more.
 * The first page may be smaller (`firstPageSize`): for a stream that is one of several merged, of which
 * the merge is expected to take only a share; each page after it is twice as large, up to `pageSize`.
 */
export async function* newestEntries(
  db: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  range: SortKeyRange,
  pageSize: number,
  firstPageSize = pageSize,
): AsyncGenerator<IndexEntry> {
  if (isEmptyRange(range)) return;
  const condition = sortKeyCondition(range);
  // BETWEEN includes the cursor's own entry, which comes first: read one more (and skip it below).
  let extra = range.upperExclusive && condition?.expression.includes('BETWEEN') === true ? 1 : 0;
  let startKey: Item | undefined;
  let limit = firstPageSize;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: BATCH_INDEX.name,
        KeyConditionExpression: condition ? `#pk = :pk AND ${condition.expression}` : '#pk = :pk',
        ExpressionAttributeNames: {
          '#pk': BATCH_INDEX.partition,
          ...(condition ? { '#sk': BATCH_INDEX.sort } : {}),
        },
        ExpressionAttributeValues: { ':pk': partition, ...condition?.values },
        ScanIndexForward: false,
        Limit: limit + extra,
        ExclusiveStartKey: startKey,
      }),
    );
    extra = 0;
    limit = Math.min(pageSize, limit * 2);
    for (const item of out.Items ?? []) {
      const sort = item[BATCH_INDEX.sort];
      if (typeof sort !== 'string' || !inRange(sort, range)) continue;
      yield { pk: String(item.pk), sk: String(item.sk), sort };
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
}

/**
 * Merges streams that are each ordered by `keyOf` descending into one stream ordered the same way,
 * reading each stream only as far as the merge needs. Entries with the same key appear once.
 */
export async function* mergeNewest<T>(
  streams: AsyncIterator<T>[],
  keyOf: (entry: T) => string,
): AsyncGenerator<T> {
  const heads = await Promise.all(streams.map((s) => s.next()));
  let last: string | undefined;
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (!head || head.done) continue;
      const current = heads[best];
      if (best === -1 || !current || current.done || keyOf(head.value) > keyOf(current.value)) best = i;
    }
    const chosen = heads[best];
    if (best === -1 || !chosen || chosen.done) return;
    const key = keyOf(chosen.value);
    if (key !== last) yield chosen.value;
    last = key;
    heads[best] = await (streams[best] as AsyncIterator<T>).next();
  }
}
