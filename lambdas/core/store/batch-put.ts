import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { retryLeftovers } from '../async/retry-leftovers.js';
import { chunksOf, runBounded } from '../async/run-bounded.js';
import type { Item } from './item-records.js';

/** DynamoDB's BatchWriteItem limit. */
const BATCH_WRITE_SIZE = 25;

/**
 * Puts items 25 per BatchWriteItem, `concurrency` requests in flight, retrying what DynamoDB leaves
 * unprocessed until nothing is left (retryLeftovers throws rather than drop anything). Unconditional:
 * for items whose key is new, or whose rewrite is harmless.
 */
export async function batchPut(
  db: DynamoDBDocumentClient,
  tableName: string,
  what: string,
  items: Item[],
  concurrency: number,
): Promise<void> {
  await runBounded(chunksOf(items, BATCH_WRITE_SIZE), concurrency, (chunk) =>
    retryLeftovers(what, chunk, async (pending) => {
      const out = await db.send(
        new BatchWriteCommand({
          RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
      return (out.UnprocessedItems?.[tableName] ?? []).flatMap((r) =>
        r.PutRequest?.Item ? [r.PutRequest.Item] : [],
      );
    }),
  );
}
