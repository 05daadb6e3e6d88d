import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BATCH_INDEX } from '../../contract/table-schema.js';
import { isFinal, SEND_STATUSES, type SendStatus } from '../domain/send-status.js';
import { batchStatusKeyOf } from './item-keys.js';

/** Sends of a batch in each status. */
export type StatusCounts = Record<SendStatus, number>;

export interface BatchProgress {
  /** Sends of the batch in each status now (exact). */
  counts: StatusCounts;
  /**
   * The latest `updatedAt` of a SENT or ERROR send: when the batch finished, once no send is left
   * PENDING, QUEUED or SENDING. A send's `updatedAt` stops moving once it is SENT or ERROR.
   */
  lastFinalAt?: string;
}

/**
 * A batch's progress from one pass over its partition of the batch index: one key range per status.
 * The ranges of unfinished statuses are counted (Select COUNT); those of SENT and ERROR return only
 * each send's `updatedAt`, which gives the finish time at the same read cost as counting them, since
 * DynamoDB bills a Query by the data it reads, not by what it returns. The cost follows the batch's
 * size, never the table's.
 */
export class BatchProgressReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async progress(batchId: string): Promise<BatchProgress> {
    const counts = Object.fromEntries(SEND_STATUSES.map((s) => [s, 0])) as StatusCounts;
    let lastFinalAt: string | undefined;
    await Promise.all(
      SEND_STATUSES.map(async (status) => {
        // A final status is not left again (but for a redrive, which makes the batch unfinished again).
        const final = isFinal(status);
        let startKey: Record<string, unknown> | undefined;
        do {
          const out = await this.db.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: BATCH_INDEX.name,
              KeyConditionExpression: '#batch = :batch AND begins_with(#key, :prefix)',
              ExpressionAttributeNames: {
                '#batch': BATCH_INDEX.partition,
                '#key': BATCH_INDEX.sort,
                ...(final ? { '#updatedAt': 'updatedAt' } : {}),
              },
              ExpressionAttributeValues: { ':batch': batchId, ':prefix': batchStatusKeyOf(status, '') },
              ...(final ? { ProjectionExpression: '#updatedAt' } : { Select: 'COUNT' }),
              ExclusiveStartKey: startKey,
            }),
          );
          counts[status] += out.Count ?? 0;
          for (const item of out.Items ?? []) {
            const updatedAt = item.updatedAt;
            if (typeof updatedAt === 'string' && (lastFinalAt === undefined || updatedAt > lastFinalAt)) {
              lastFinalAt = updatedAt;
            }
          }
          startKey = out.LastEvaluatedKey;
        } while (startKey);
      }),
    );
    return { counts, ...(lastFinalAt === undefined ? {} : { lastFinalAt }) };
  }
}
