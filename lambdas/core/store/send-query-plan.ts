import { BATCH_INDEX, STATUS_INDEX, STATUS_SHARDS } from '../../contract/table-schema.js';
import { SEND_STATUSES } from '../domain/send-status.js';
import { batchStatusKeyOf, statusShardKey } from './item-keys.js';
import type { SendFilter } from './send-filter.js';
import { createdKeyRange, isEmptyRange, type SortKeyRange, withinPrefix } from './sort-key-range.js';

/** One DynamoDB Query: a single index partition and a sort-key range, read newest first. */
export interface IndexQuery {
  indexName: string;
  partitionKey: { name: string; value: string };
  sortKey: { name: string; range: SortKeyRange };
}

/**
 * The index partitions that hold the sends a filter asks for, each with its sort-key range. Every
 * access path is a set of Queries whose results merge by createdKey; none needs a Scan.
 *
 *   batch + status   1 query: the `STATUS#` prefix of the batch's partition of batch_index
 *   batch            5 queries: every status prefix of the batch
 *   status           8 queries: every shard of the status on status_index
 *   neither         40 queries: every status × shard. Each reads at most `first + 1` items, so a page
 *                   reads up to 40 × (first + 1) items: about 20 MB (≈ 2,500 read units, well under a
 *                   cent) for a page of 1000 sends of 500 bytes. Filtering by status or batch is far
 *                   cheaper and is what the schema's descriptions steer analysts to.
 *
 * Dates narrow the sort-key range of every query; they never add queries.
 */
export function sendQueryPlan(filter: SendFilter, afterKey?: string): IndexQuery[] {
  const range = createdKeyRange(filter, afterKey);
  const statuses = filter.status === undefined ? SEND_STATUSES : [filter.status];
  const { batchId } = filter;
  const queries: IndexQuery[] =
    batchId === undefined
      ? statuses.flatMap((status) =>
          Array.from({ length: STATUS_SHARDS }, (_, shard) => ({
            indexName: STATUS_INDEX.name,
            partitionKey: { name: STATUS_INDEX.partition, value: statusShardKey(status, shard) },
            sortKey: { name: STATUS_INDEX.sort, range },
          })),
        )
      : statuses.map((status) => ({
          indexName: BATCH_INDEX.name,
          partitionKey: { name: BATCH_INDEX.partition, value: batchId },
          sortKey: { name: BATCH_INDEX.sort, range: withinPrefix(batchStatusKeyOf(status, ''), range) },
        }));
  return queries.filter((query) => !isEmptyRange(query.sortKey.range));
}
