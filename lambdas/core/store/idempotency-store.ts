import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { idempotencyKey } from './item-keys.js';

/**
 * Idempotency-Key records in the EmailSends table, one item per (API key, Idempotency-Key):
 *
 * - The first request claims the key with a conditional put: `IN_PROGRESS`, the file's fingerprint, a
 *   new batch id and a lease (an attempt id valid until `leaseUntil`).
 * - When it ends it stores its answer (`COMPLETED`, gzipped); later requests with the key get that
 *   answer again, or a conflict when their file differs.
 * - A request that finds the key `IN_PROGRESS` under a live lease is told so (409, retry later), so
 *   two concurrent retries never create two batches. One that finds the lease run out (the first
 *   attempt crashed) or released (it failed) takes the key over and ingests again into the same batch
 *   id, writing only the sends that are missing: idempotent by construction.
 * - Items expire (`expiresAt`, DynamoDB TTL) after ttlSeconds; an expired item counts as absent even
 *   before TTL deletes it, and a key reused after that starts a new batch.
 */

export interface StoredAnswer {
  statusCode: number;
  /** The JSON body, exactly as first sent. */
  body: string;
}

export type KeyClaim =
  /** This request runs the upload; `resume` when an earlier attempt may have written part of it. */
  | { kind: 'claimed'; batchId: string; attemptId: string; resume: boolean }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'conflict' }
  | { kind: 'in-progress'; retryAfterSeconds: number };

export interface IdempotencyOptions {
  /** How long a claim holds: longer than the ingest function's timeout, so a live attempt keeps it. */
  leaseSeconds: number;
  /** How long a key is remembered. */
  ttlSeconds: number;
}

type Item = Record<string, unknown>;

export class IdempotencyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: IdempotencyOptions,
  ) {}

  /**
   * Claims `key` for a request whose file has `fingerprint`, or says why this request may not run.
   * `scope` (the API key's id) keeps one client's keys from meeting another's.
   */
  async claim(
    scope: string,
    key: string,
    fingerprint: string,
    newIds: { batchId: string; attemptId: string },
    now: Date,
  ): Promise<KeyClaim> {
    const Key = idempotencyKey(scope, key);
    const nowMs = now.getTime();
    const leaseUntil = nowMs + this.options.leaseSeconds * 1000;
    // Three rounds cover the races: the item expiring or being taken over between our writes.
    for (let round = 0; round < 3; round++) {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...Key,
              type: 'idempotency',
              state: 'IN_PROGRESS',
              fingerprint,
              batchId: newIds.batchId,
              attemptId: newIds.attemptId,
              leaseUntil,
              createdAt: now.toISOString(),
              expiresAt: Math.floor(nowMs / 1000) + this.options.ttlSeconds,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :nowSeconds',
            ExpressionAttributeValues: { ':nowSeconds': Math.floor(nowMs / 1000) },
          }),
        );
        return { kind: 'claimed', batchId: newIds.batchId, attemptId: newIds.attemptId, resume: false };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const out = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }),
      );
      const item = out.Item;
      if (item === undefined) continue;
      if (item.fingerprint !== fingerprint) return { kind: 'conflict' };
      if (item.state === 'COMPLETED') return { kind: 'replay', answer: answerOf(item) };
      const heldUntil = Number(item.leaseUntil ?? 0);
      if (heldUntil > nowMs) {
        return { kind: 'in-progress', retryAfterSeconds: Math.max(1, Math.ceil((heldUntil - nowMs) / 1000)) };
      }
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key,
            UpdateExpression: 'SET attemptId = :mine, leaseUntil = :until',
            ConditionExpression: '#state = :inProgress AND attemptId = :theirs',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':mine': newIds.attemptId,
              ':until': leaseUntil,
              ':inProgress': 'IN_PROGRESS',
              ':theirs': item.attemptId,
            },
          }),
        );
        return { kind: 'claimed', batchId: String(item.batchId), attemptId: newIds.attemptId, resume: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return { kind: 'in-progress', retryAfterSeconds: 1 };
  }

  /** Stores the answer of the attempt that holds the key; a lost claim leaves the item to its new holder. */
  async complete(scope: string, key: string, attemptId: string, answer: StoredAnswer): Promise<void> {
    await this.updateOwn(scope, key, attemptId, {
      UpdateExpression: 'SET #state = :completed, statusCode = :status, answer = :answer REMOVE leaseUntil',
      values: { ':completed': 'COMPLETED', ':status': answer.statusCode, ':answer': packAnswer(answer.body) },
    });
  }

  /** Gives the key up after a failure, so that a retry takes it over at once (and resumes the batch). */
  async release(scope: string, key: string, attemptId: string): Promise<void> {
    await this.updateOwn(scope, key, attemptId, {
      UpdateExpression: 'SET leaseUntil = :zero',
      values: { ':zero': 0 },
    });
  }

  private async updateOwn(
    scope: string,
    key: string,
    attemptId: string,
    update: { UpdateExpression: string; values: Item },
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: idempotencyKey(scope, key),
          UpdateExpression: update.UpdateExpression,
          ConditionExpression: '#state = :inProgress AND attemptId = :mine',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ...update.values, ':inProgress': 'IN_PROGRESS', ':mine': attemptId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/**
 * Largest stored answer (gzipped); a DynamoDB item holds 400 KB. An answer of 1,000 errors with
 * 200-character values compresses far below; one that does not is a caller's bug to see, not hide.
 */
export const MAX_STORED_ANSWER_BYTES = 350 * 1024;

export class AnswerTooLargeError extends Error {
  override readonly name = 'AnswerTooLargeError';
}

function packAnswer(body: string): Uint8Array {
  const packed = gzipSync(body);
  if (packed.length > MAX_STORED_ANSWER_BYTES) {
    throw new AnswerTooLargeError(
      `the answer is ${packed.length} bytes gzipped, above ${MAX_STORED_ANSWER_BYTES}`,
    );
  }
  return packed;
}

function answerOf(item: Item): StoredAnswer {
  const packed = item.answer;
  const body = packed instanceof Uint8Array ? gunzipSync(packed).toString('utf8') : '{}';
  return { statusCode: Number(item.statusCode ?? 200), body };
}
