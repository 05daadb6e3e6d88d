import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { COUNTER_SHARDS } from '../../contract/table-schema.js';
import { retryLeftovers } from '../async/retry-leftovers.js';
import { chunksOf, runBounded } from '../async/run-bounded.js';
import { SEND_STATUSES, type SendStatus } from '../domain/send-status.js';
import { counterKey, counterShardOf } from './item-keys.js';

/**
 * Net changes of a batch's sends per status since they were written: a status change adds −1 to the
 * status left and +1 to the status entered. The writer's rows are not counted here but in its
 * checkpoint (`rowsWritten`), so `QUEUED` is below zero once sends are claimed: the count of sends in a
 * status is `rowsWritten + changes.QUEUED` for QUEUED and `changes[status]` for the others.
 */
export type StatusChanges = Record<SendStatus, number>;

export interface BatchCounters {
  changes: StatusChanges;
  /** Recipients of the batch who unsubscribed through one of its mails (not a status: the send keeps its own). */
  unsubscribed: number;
  /** When a counter last moved (ISO-8601 UTC): the last status change counted. */
  lastChangeAt?: string;
}

export const noChanges = (): StatusChanges =>
  Object.fromEntries(SEND_STATUSES.map((s) => [s, 0])) as StatusChanges;

const attributeOf = (status: SendStatus) => `n_${status}`;
const UNSUBSCRIBED_ATTRIBUTE = 'n_UNSUBSCRIBED';

/** The counters of a batch none of whose counters was written yet. */
export const noCounters = (): BatchCounters => ({ changes: noChanges(), unsubscribed: 0 });

/** DynamoDB's BatchGetItem limit: 12 batches' counter items per request. */
const BATCH_GET_SIZE = 100;

/**
 * The counters of a batch, in COUNTER_SHARDS items with a partition key each (no key takes more than
 * 250 writes/s at 1,000 sends/s). Read in one BatchGetItem whatever the batch's size.
 */
export class CounterStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Counts one send's change of status, in the shard of its sendId. Called after the conditional write
   * that made the change succeeded, and only then: a refused write counts nothing.
   */
  async move(
    batchId: string,
    sendId: string,
    from: SendStatus,
    to: SendStatus,
    now: Date,
    expiresAt: number,
  ): Promise<void> {
    if (from === to) return;
    await this.add(batchId, counterShardOf(sendId), { [from]: -1, [to]: 1 }, now, expiresAt);
  }

  /** Counts one recipient's unsubscribe through a mail of the batch (the caller counts each send once). */
  async countUnsubscribe(batchId: string, sendId: string, now: Date, expiresAt: number): Promise<void> {
    await this.add(batchId, counterShardOf(sendId), {}, now, expiresAt, 1);
  }

  /**
   * Notes that the batch's sends are set going at `at` though no change of theirs is counted yet (a
   * resume's release): its lastChangeAt moves there, never back. A sender counts its changes when its
   * invocation ends (counter-buffer.ts), so until then the counters of a batch resumed after a long pause
   * look as quiet as during it, and the sweeper would count its sends against counters that lag them.
   */
  async noteActivity(batchId: string, at: Date, expiresAt: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(batchId, 0),
          UpdateExpression:
            'SET lastChangeAt = :at, expiresAt = if_not_exists(expiresAt, :expires), batchId = :batchId',
          ConditionExpression: 'attribute_not_exists(lastChangeAt) OR lastChangeAt <= :at',
          ExpressionAttributeValues: { ':at': at.toISOString(), ':expires': expiresAt, ':batchId': batchId },
        }),
      );
    } catch (error) {
      // The shard has a later change already.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Adds arbitrary changes (reconciliation) to one shard, and unsubscribes to its count. */
  async add(
    batchId: string,
    shard: number,
    changes: Partial<StatusChanges>,
    now: Date,
    expiresAt: number,
    unsubscribed = 0,
    /**
     * Whether the change moves the shard's lastChangeAt: what a batch's finishedAt and the sweeper's
     * "quiet" read. SES's events, which go on long after the sending, leave it alone.
     */
    touchTime = true,
  ): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':now': now.toISOString(),
      ':expires': expiresAt,
      ':batchId': batchId,
    };
    const adds: string[] = [];
    for (const [status, delta] of Object.entries(changes) as [SendStatus, number][]) {
      if (delta === 0) continue;
      names[`#${status}`] = attributeOf(status);
      values[`:${status}`] = delta;
      adds.push(`#${status} :${status}`);
    }
    if (unsubscribed !== 0) {
      names['#unsubscribed'] = UNSUBSCRIBED_ATTRIBUTE;
      values[':unsubscribed'] = unsubscribed;
      adds.push('#unsubscribed :unsubscribed');
    }
    if (adds.length === 0) return;
    const update = (withTime: boolean) =>
      new UpdateCommand({
        TableName: this.tableName,
        Key: counterKey(batchId, shard),
        UpdateExpression: `SET ${withTime ? 'lastChangeAt = :now, ' : ''}expiresAt = if_not_exists(expiresAt, :expires), batchId = :batchId ADD ${adds.join(', ')}`,
        // The shard keeps the time of its latest change, whichever change is written last.
        ...(withTime
          ? { ConditionExpression: 'attribute_not_exists(lastChangeAt) OR lastChangeAt <= :now' }
          : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: withTime
          ? values
          : Object.fromEntries(Object.entries(values).filter(([name]) => name !== ':now')),
      });
    if (!touchTime) {
      await this.db.send(update(false));
      return;
    }
    try {
      await this.db.send(update(true));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // A later change is counted in this shard already (another sender wrote first): count this one
      // without moving the shard's time back. Nothing was written by the refused update.
      await this.db.send(update(false));
    }
  }

  async read(batchId: string): Promise<BatchCounters> {
    return (await this.readMany([batchId])).get(batchId) ?? noCounters();
  }

  /** The counters of several batches, summed over their shards. */
  async readMany(batchIds: readonly string[]): Promise<Map<string, BatchCounters>> {
    const result = new Map<string, BatchCounters>();
    for (const batchId of batchIds) result.set(batchId, noCounters());
    const keys = batchIds.flatMap((batchId) =>
      Array.from({ length: COUNTER_SHARDS }, (_, shard) => counterKey(batchId, shard)),
    );
    await runBounded(chunksOf(keys, BATCH_GET_SIZE), 4, (chunk) =>
      retryLeftovers('counter reads', chunk, async (pending) => {
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const counters = result.get(String(item.batchId));
          if (!counters) continue;
          for (const status of SEND_STATUSES) {
            const value = item[attributeOf(status)];
            if (typeof value === 'number') counters.changes[status] += value;
          }
          const unsubscribed = item[UNSUBSCRIBED_ATTRIBUTE];
          if (typeof unsubscribed === 'number') counters.unsubscribed += unsubscribed;
          const at = item.lastChangeAt;
          if (typeof at === 'string' && (counters.lastChangeAt === undefined || at > counters.lastChangeAt)) {
            counters.lastChangeAt = at;
          }
        }
        return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof pending;
      }),
    );
    return result;
  }
}
