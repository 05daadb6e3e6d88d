import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BatchRecord, BatchStore } from './batch-store.js';
import { newestEntries } from './index-keys-stream.js';
import { BATCH_LIST_PARTITION } from './item-keys.js';
import type { SendFilter } from './send-filter.js';
import { createdKeyRange, type SortKeyRange } from './sort-key-range.js';

export interface BatchPage {
  /** Newest first. */
  batches: BatchRecord[];
  /** The createdKey of the last batch, when more batches match below it. */
  nextKey?: string;
}

/** A batch as its listing in the index names it. */
export interface ListedBatch {
  batchId: string;
  createdAt: string;
}

/**
 * Batches newest first, from the BATCHES partition of batch_index (`createdAt#batchId`, keys only): a
 * page reads `first + 1` index entries and the records behind them by key, so its cost follows the
 * page, not the number of batches.
 */
export class BatchReader {
  private readonly records: BatchStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.records = new BatchStore(db, tableName);
  }

  /** The listed batches within a `createdAt#batchId` range, newest first, read as consumed. */
  async *newest(range: SortKeyRange, pageSize = 100): AsyncGenerator<ListedBatch> {
    for await (const entry of newestEntries(this.db, this.tableName, BATCH_LIST_PARTITION, range, pageSize)) {
      const at = entry.sort.indexOf('#');
      yield { createdAt: entry.sort.slice(0, at), batchId: entry.sort.slice(at + 1) };
    }
  }

  async page(
    dates: Pick<SendFilter, 'createdFrom' | 'createdTo'>,
    first: number,
    afterKey?: string,
  ): Promise<BatchPage> {
    const listed: ListedBatch[] = [];
    for await (const batch of this.newest(createdKeyRange(dates, afterKey), first + 1)) {
      listed.push(batch);
      if (listed.length > first) break;
    }
    const kept = listed.slice(0, first);
    const records = await this.records.getBatches(kept.map((b) => b.batchId));
    const last = kept.at(-1);
    return {
      batches: kept.flatMap((b) => {
        const record = records.get(b.batchId);
        return record ? [record] : [];
      }),
      ...(listed.length > first && last ? { nextKey: `${last.createdAt}#${last.batchId}` } : {}),
    };
  }
}
