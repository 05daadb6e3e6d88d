import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { runBounded } from '../async/run-bounded.js';
import type { SendRecord } from '../domain/send-record.js';
import { createdKeyOf } from './item-keys.js';
import { recordOfItem } from './item-records.js';
import type { SendFilter } from './send-filter.js';
import { type IndexQuery, sendQueryPlan } from './send-query-plan.js';
import { inRange, sortKeyCondition } from './sort-key-range.js';

export interface SendPage {
  /** Newest first. */
  sends: SendRecord[];
  /** The createdKey of the last send, when more sends match below it; the next page starts there. */
  nextKey?: string;
}

export interface SendReaderOptions {
  /** Index queries in flight at once for one page (a page without filters runs 40). */
  concurrency: number;
}

export interface KeyedSend {
  key: string;
  send: SendRecord;
}

/**
 * The read side of the sends: pages in descending createdKey order, read with DynamoDB Query on the
 * indexes only (see sendQueryPlan for the access paths and their cost).
 *
 * A page below position P reads, from every partition of the plan, the `first + 1` newest items below
 * P, merges them and keeps the `first` newest. Those are exactly the `first` newest matching sends
 * below P, since none of them can be further down its own partition than `first`; and if more than
 * `first` were read, at least one more send exists below the last one kept. The position is global,
 * not per partition: a send that moves to another status partition mid-walk keeps its createdKey, so
 * it is met at most once, and new sends (later createdAt) sort above every position already reached.
 */
export class SendReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: SendReaderOptions = { concurrency: 10 },
  ) {}

  /** The `first` newest sends that match `filter` and sort below `afterKey` (a createdKey). */
  async page(filter: SendFilter, first: number, afterKey?: string): Promise<SendPage> {
    const perQuery = await runBounded(sendQueryPlan(filter, afterKey), this.options.concurrency, (query) =>
      this.newest(query, first + 1),
    );
    const merged = mergeNewestFirst(perQuery);
    const sends = merged.slice(0, first);
    const last = sends.at(-1);
    return {
      sends: sends.map((s) => s.send),
      ...(merged.length > first && last ? { nextKey: last.key } : {}),
    };
  }

  /** Up to `wanted` items of one partition, newest first, following DynamoDB's pages if needed. */
  private async newest(query: IndexQuery, wanted: number): Promise<KeyedSend[]> {
    const { range } = query.sortKey;
    const condition = sortKeyCondition(range);
    // BETWEEN includes the cursor's own item, which comes first in descending order: read one more.
    const dropsCursorItem = range.upperExclusive && condition?.expression.includes('BETWEEN') === true;
    const found: KeyedSend[] = [];
    let startKey: Record<string, unknown> | undefined;
    let extra = dropsCursorItem ? 1 : 0;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: query.indexName,
          KeyConditionExpression: condition ? `#pk = :pk AND ${condition.expression}` : '#pk = :pk',
          ExpressionAttributeNames: {
            '#pk': query.partitionKey.name,
            ...(condition ? { '#sk': query.sortKey.name } : {}),
          },
          ExpressionAttributeValues: { ':pk': query.partitionKey.value, ...condition?.values },
          ScanIndexForward: false,
          Limit: wanted - found.length + extra,
          ExclusiveStartKey: startKey,
        }),
      );
      extra = 0;
      for (const item of out.Items ?? []) {
        const sortKey = item[query.sortKey.name];
        if (typeof sortKey !== 'string' || !inRange(sortKey, range)) continue;
        const send = recordOfItem<SendRecord>(item);
        found.push({ key: createdKeyOf(send.createdAt, send.sendId), send });
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && found.length < wanted);
    return found.slice(0, wanted);
  }
}

/**
 * Merges partitions (each newest first) into one list, newest first. Index updates are eventually
 * consistent on DynamoDB, so a send caught mid-move may briefly sit in two status partitions: it is
 * kept once, in its most recently updated form.
 */
export function mergeNewestFirst(lists: KeyedSend[][]): KeyedSend[] {
  const byKey = new Map<string, KeyedSend>();
  for (const entry of lists.flat()) {
    const seen = byKey.get(entry.key);
    if (!seen || entry.send.updatedAt > seen.send.updatedAt) byKey.set(entry.key, entry);
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
}
