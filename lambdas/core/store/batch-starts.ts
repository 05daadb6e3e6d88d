import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writerKey } from './item-keys.js';

/** Batch ids a container remembers having recorded; past this it forgets the oldest. */
const REMEMBERED_BATCHES = 1000;

/**
 * When each batch started: the time its first send was claimed by a sender, kept on the batch's writer
 * item (writer-store.ts), which every batch with a send has, which expires with the batch, and which
 * the progress reads fetch anyway. No index shows it: sends sort by their batch's upload time, and a
 * send keeps only its latest change, so the first claim cannot be read back from them.
 *
 * The sender calls `record` after each successful claim; a container writes at most once per batch
 * (it remembers the batches it has recorded), so a batch costs one write per sender container that
 * works on it. The write keeps the earliest time it is given, whichever container lands first.
 */
export class BatchStarts {
  private readonly recorded = new Set<string>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Notes that a send of `batchId` was claimed at `claimedAt`. Throws if DynamoDB fails. */
  async record(batchId: string, claimedAt: Date): Promise<void> {
    if (this.recorded.has(batchId)) return;
    const at = claimedAt.toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: writerKey(batchId),
          UpdateExpression: 'SET startedAt = :at',
          // ISO-8601 UTC strings of one width compare as the instants they name. Never an item of its own:
          // a send whose batch has no writer item (written by hand) has no start to record.
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(startedAt) OR startedAt > :at)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      // An earlier claim is recorded already (or there is no writer item): nothing to note.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Remembered only once written (or found earlier), so a failed write is tried again next claim.
    if (this.recorded.size >= REMEMBERED_BATCHES) {
      const oldest = this.recorded.values().next();
      if (oldest.done !== true) this.recorded.delete(oldest.value);
    }
    this.recorded.add(batchId);
  }

  /** The recorded start of a batch (ISO-8601 UTC), or undefined while none of its sends was claimed. */
  async get(batchId: string): Promise<string | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: writerKey(batchId),
        ProjectionExpression: 'startedAt',
      }),
    );
    const startedAt = out.Item?.startedAt;
    return typeof startedAt === 'string' ? startedAt : undefined;
  }
}
