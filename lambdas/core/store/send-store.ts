import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { STATUS_INDEX, STATUS_SHARDS } from '../../contract/table-schema.js';
import { runBounded } from '../async/run-bounded.js';
import { RETRIES_EXHAUSTED } from '../domain/retries-exhausted.js';
import type { SendRecord, SendRef } from '../domain/send-record.js';
import { type SendStatus, statusesBefore } from '../domain/send-status.js';
import { batchPut } from './batch-put.js';
import { indexKeysFor, sendKey, statusShardKey } from './item-keys.js';
import { type Item, recordOfItem } from './item-records.js';

export interface StuckSend extends SendRef {
  attempts: number;
}

export interface StoreOptions {
  /** Batch writes or single updates in flight at once. */
  concurrency: number;
}

/**
 * The sends: written by the ingest, claimed and settled by the sender, found again by the sweeper.
 * Status changes are conditional updates: each names the statuses it may start from, so a repeated or
 * late step is refused by DynamoDB instead of moving a send backwards.
 */
export class SendStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: StoreOptions = { concurrency: 8 },
  ) {}

  /** Writes new PENDING sends; the caller guarantees these sendIds were never written before. */
  async putNewSends(records: SendRecord[]): Promise<void> {
    await batchPut(
      this.db,
      this.tableName,
      'send items',
      records.map((r) => ({
        ...sendKey(r.sendId),
        type: 'send',
        ...r,
        ...indexKeysFor(r.status, r.sendId, r.createdAt),
      })),
      this.options.concurrency,
    );
  }

  /**
   * Writes PENDING sends that do not exist yet, one conditional put each, leaving any existing send
   * as it is (it may be SENT already): for an upload resumed after a crash with the same batch id.
   * Returns the sends it wrote, in the order given.
   */
  async putSendsIfAbsent(records: SendRecord[]): Promise<SendRecord[]> {
    const written = await runBounded(records, this.options.concurrency, async (r) => {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...sendKey(r.sendId),
              type: 'send',
              ...r,
              ...indexKeysFor(r.status, r.sendId, r.createdAt),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    });
    return records.filter((_, i) => written[i]);
  }

  async getSend(sendId: string): Promise<SendRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: sendKey(sendId) }));
    return out.Item ? recordOfItem<SendRecord>(out.Item) : undefined;
  }

  /** Records that the sends are on the queue. Sends already claimed by a sender are left as they are. */
  async markQueued(refs: SendRef[], now: Date): Promise<void> {
    await runBounded(refs, this.options.concurrency, (ref) => this.transition(ref, 'QUEUED', now));
  }

  /**
   * Takes the send for delivery: allowed from PENDING or QUEUED, from SENDING when the previous
   * claim's lease has run out, and from ERROR "retries exhausted" (an operator redrove its message
   * from the DLQ: see send-status.ts). Returns the claimed send, or undefined when it is not
   * claimable (SENT, rejected for good, under a live lease, or unknown).
   */
  async claim(ref: SendRef, leaseId: string, now: Date, leaseMs: number): Promise<SendRecord | undefined> {
    const keys = indexKeysFor('SENDING', ref.sendId, ref.createdAt);
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(ref.sendId),
          UpdateExpression:
            'SET #status = :sending, statusShard = :shard, batchStatusKey = :bsk, updatedAt = :now, leaseId = :lease, leaseUntil = :until ADD attempts :one',
          ConditionExpression:
            'createdAt = :createdAt AND (#status IN (:pending, :queued) OR (#status = :sending AND leaseUntil < :nowMs) OR (#status = :error AND errorCode = :exhausted))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sending': 'SENDING',
            ':pending': 'PENDING',
            ':queued': 'QUEUED',
            ':error': 'ERROR',
            ':exhausted': RETRIES_EXHAUSTED.code,
            ':shard': keys.statusShard,
            ':bsk': keys.batchStatusKey,
            ':now': now.toISOString(),
            ':nowMs': now.getTime(),
            ':lease': leaseId,
            ':until': now.getTime() + leaseMs,
            ':createdAt': ref.createdAt,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? recordOfItem<SendRecord>(out.Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Records SES's acceptance; only the holder of the claim can. Returns false if the claim was lost.
   * A dry run records `dryRun: true` with its synthetic message id.
   */
  markSent(
    ref: SendRef,
    leaseId: string,
    sesMessageId: string,
    now: Date,
    options: { dryRun?: boolean } = {},
  ): Promise<boolean> {
    return this.transition(ref, 'SENT', now, {
      set: { sesMessageId, sentAt: now.toISOString(), ...(options.dryRun ? { dryRun: true } : {}) },
      // The transient errors before this success are history, not the send's state.
      remove: ['leaseUntil', 'errorCode', 'errorMessage'],
      leaseId,
    });
  }

  /**
   * Moves the send to ERROR. With a leaseId only the holder of that claim can; without one (a dead
   * letter, the sweeper giving up) any send not yet SENT or ERROR is moved.
   */
  markError(
    ref: SendRef,
    error: { code: string; message: string },
    now: Date,
    leaseId?: string,
  ): Promise<boolean> {
    return this.transition(ref, 'ERROR', now, {
      set: { errorCode: error.code, errorMessage: error.message.slice(0, 1000) },
      remove: ['leaseUntil'],
      ...(leaseId === undefined ? {} : { leaseId }),
    });
  }

  /** Gives up a claim after a transient failure, so that the next delivery can claim the send at once. */
  async releaseClaim(
    ref: SendRef,
    leaseId: string,
    error: { code: string; message: string },
    now: Date,
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(ref.sendId),
          UpdateExpression:
            'SET leaseUntil = :expired, updatedAt = :now, errorCode = :code, errorMessage = :message',
          ConditionExpression: '#status = :sending AND leaseId = :lease',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':expired': 0,
            ':now': now.toISOString(),
            ':sending': 'SENDING',
            ':lease': leaseId,
            ':code': error.code,
            ':message': error.message.slice(0, 1000),
          },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  /**
   * Notes that the sweeper put the send back on the queue, so that it is not swept again before the
   * threshold has passed once more. PENDING sends become QUEUED; others keep their status.
   */
  async markRequeued(ref: SendRef, from: SendStatus, now: Date): Promise<boolean> {
    if (from === 'PENDING') return this.transition(ref, 'QUEUED', now);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(ref.sendId),
          UpdateExpression: 'SET updatedAt = :now',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': now.toISOString(), ':from': from },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /**
   * One forward status change, conditioned on the send being in a status that may precede `to`
   * (and on holding the claim when a leaseId is given). Returns false when the condition refused it.
   */
  private async transition(
    ref: SendRef,
    to: SendStatus,
    now: Date,
    extra: { set?: Item; remove?: string[]; leaseId?: string } = {},
  ): Promise<boolean> {
    const keys = indexKeysFor(to, ref.sendId, ref.createdAt);
    const from = statusesBefore(to);
    const values: Item = {
      ':to': to,
      ':shard': keys.statusShard,
      ':bsk': keys.batchStatusKey,
      ':now': now.toISOString(),
      ':createdAt': ref.createdAt,
    };
    const sets = ['#status = :to', 'statusShard = :shard', 'batchStatusKey = :bsk', 'updatedAt = :now'];
    for (const [name, value] of Object.entries(extra.set ?? {})) {
      sets.push(`${name} = :set_${name}`);
      values[`:set_${name}`] = value;
    }
    const fromNames = from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    let condition = `createdAt = :createdAt AND #status IN (${fromNames.join(', ')})`;
    if (extra.leaseId !== undefined) {
      condition += ' AND leaseId = :lease';
      values[':lease'] = extra.leaseId;
    }
    const remove = extra.remove?.length ? ` REMOVE ${extra.remove.join(', ')}` : '';
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(ref.sendId),
          UpdateExpression: `SET ${sets.join(', ')}${remove}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Sends left in `status` since before `cutoff` (not updated since, and for SENDING with an expired
   * lease): what the sweeper puts back on the queue. Reads the status index shard by shard, at most
   * `limit` sends per call, oldest first.
   */
  async findStuck(status: SendStatus, cutoff: Date, now: Date, limit: number): Promise<StuckSend[]> {
    const found: StuckSend[] = [];
    const cutoffIso = cutoff.toISOString();
    for (let shard = 0; shard < STATUS_SHARDS && found.length < limit; shard++) {
      let startKey: Item | undefined;
      do {
        const values: Item = { ':shard': statusShardKey(status, shard), ':cutoff': cutoffIso };
        let filter = 'updatedAt < :cutoff';
        if (status === 'SENDING') {
          filter += ' AND leaseUntil < :nowMs';
          values[':nowMs'] = now.getTime();
        }
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: STATUS_INDEX.name,
            KeyConditionExpression: 'statusShard = :shard AND createdKey < :cutoff',
            FilterExpression: filter,
            ExpressionAttributeValues: values,
            ProjectionExpression: 'sendId, createdAt, attempts',
            Limit: Math.max(limit - found.length, 1) * 4,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) {
          if (found.length < limit) {
            found.push({
              sendId: String(item.sendId),
              createdAt: String(item.createdAt),
              attempts: Number(item.attempts ?? 0),
            });
          }
        }
        startKey = found.length < limit ? out.LastEvaluatedKey : undefined;
      } while (startKey);
    }
    return found;
  }
}
