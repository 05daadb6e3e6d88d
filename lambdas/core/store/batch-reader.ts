import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { STATUS_INDEX } from '../../contract/table-schema.js';
import type { BatchRecord } from './batch-store.js';
import { BATCH_LIST_PARTITION } from './item-keys.js';
import { recordOfItem } from './item-records.js';
import type { SendFilter } from './send-filter.js';
import { createdKeyRange, inRange, isEmptyRange, sortKeyCondition } from './sort-key-range.js';

export interface BatchPage {
  /** Newest first. */
  batches: BatchRecord[];
  /** The createdKey of the last batch, when more batches match below it. */
  nextKey?: string;
}

/**
 * Batches newest first, read with one Query on the BATCH partition of the status index (batch records
 * carry `statusShard = BATCH` and `createdKey = createdAt#batchId`, see SendStore.putBatch). A page
 * reads `first + 1` items: its cost follows the page, not the number of batches.
 */
export class BatchReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async page(
    dates: Pick<SendFilter, 'createdFrom' | 'createdTo'>,
    first: number,
    afterKey?: string,
  ): Promise<BatchPage> {
    const range = createdKeyRange(dates, afterKey);
    if (isEmptyRange(range)) return { batches: [] };
    const condition = sortKeyCondition(range);
    const wanted = first + 1;
    // BETWEEN includes the cursor's own item: read one more and drop it below.
    let extra = range.upperExclusive && condition?.expression.includes('BETWEEN') === true ? 1 : 0;
    const found: { key: string; batch: BatchRecord }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: STATUS_INDEX.name,
          KeyConditionExpression: condition ? `#pk = :pk AND ${condition.expression}` : '#pk = :pk',
          ExpressionAttributeNames: {
            '#pk': STATUS_INDEX.partition,
            ...(condition ? { '#sk': STATUS_INDEX.sort } : {}),
          },
          ExpressionAttributeValues: { ':pk': BATCH_LIST_PARTITION, ...condition?.values },
          ScanIndexForward: false,
          Limit: wanted - found.length + extra,
          ExclusiveStartKey: startKey,
        }),
      );
      extra = 0;
      for (const item of out.Items ?? []) {
        const key = item[STATUS_INDEX.sort];
        if (typeof key !== 'string' || !inRange(key, range)) continue;
        found.push({ key, batch: recordOfItem<BatchRecord>(item) });
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && found.length < wanted);
    const kept = found.slice(0, first);
    const last = kept.at(-1);
    return {
      batches: kept.map((f) => f.batch),
      ...(found.length > first && last ? { nextKey: last.key } : {}),
    };
  }
}
