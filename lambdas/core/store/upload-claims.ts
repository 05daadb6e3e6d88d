import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { uploadKey } from './item-keys.js';

/**
 * The ingest state of a large upload, one item per batch id in the EmailSends table (key
 * `UPLOAD#<batchId>` / `UPLOAD`, in no index). S3 delivers an object-created event at least once, and
 * Lambda retries a failed asynchronous invocation: the claim makes one invocation at a time read the
 * file, and a finished file is never read again.
 */
export type UploadState = 'INGESTING' | 'DONE' | 'FAILED';

export interface UploadRecord {
  batchId: string;
  state: UploadState;
  /** Invocations that claimed the file (more than 1: a crashed one was resumed). */
  runs: number;
  updatedAt: string;
  /** Set when FAILED: why the file as a whole was refused. */
  error?: string;
  problem?: string;
}

/**
 * - `fresh`: nobody read this file before: ingest it.
 * - `resumed`: an earlier invocation claimed it and stopped (crash or timeout): ingest it again,
 *   writing only the sends that are missing.
 * - `busy`: another invocation holds the claim: leave it alone.
 * - `finished`: DONE or FAILED already: nothing to do.
 */
export type ClaimOutcome = 'fresh' | 'resumed' | 'busy' | 'finished';

/** Kept a month after the last change, then removed by the table's TTL. */
const RECORD_TTL_SECONDS = 30 * 86_400;

export class UploadClaims {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Takes the file for `leaseMs` (the invocation's remaining time): a conditional write. */
  async claim(batchId: string, now: Date, leaseMs: number): Promise<ClaimOutcome> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: uploadKey(batchId),
          UpdateExpression:
            'SET #state = :ingesting, batchId = :batchId, leaseUntil = :until, updatedAt = :now, expiresAt = :ttl, #type = :type ADD runs :one',
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :ingesting AND leaseUntil < :nowMs)',
          ExpressionAttributeNames: { '#state': 'state', '#type': 'type' },
          ExpressionAttributeValues: {
            ':ingesting': 'INGESTING',
            ':batchId': batchId,
            ':until': now.getTime() + leaseMs,
            ':nowMs': now.getTime(),
            ':now': now.toISOString(),
            ':ttl': Math.floor(now.getTime() / 1000) + RECORD_TTL_SECONDS,
            ':type': 'upload',
            ':one': 1,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes ? 'resumed' : 'fresh';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await this.get(batchId);
      return current?.state === 'INGESTING' ? 'busy' : 'finished';
    }
  }

  /** Gives the claim up at once (the invocation failed), so that Lambda's retry can resume. */
  async release(batchId: string, now: Date): Promise<void> {
    await this.update(batchId, 'SET leaseUntil = :zero, updatedAt = :now', {
      ':zero': 0,
      ':now': now.toISOString(),
    });
  }

  async finish(
    batchId: string,
    now: Date,
    outcome: { error?: string; problem?: string } = {},
  ): Promise<void> {
    const failed = outcome.error !== undefined;
    await this.update(
      batchId,
      `SET #state = :state, updatedAt = :now REMOVE leaseUntil${failed ? '' : ', #error, problem'}`,
      { ':state': failed ? 'FAILED' : 'DONE', ':now': now.toISOString() },
      failed ? { error: outcome.error, problem: outcome.problem ?? 'FILE_REFUSED' } : {},
    );
  }

  async get(batchId: string): Promise<UploadRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: uploadKey(batchId) }));
    if (!out.Item) return undefined;
    const { batchId: id, state, runs, updatedAt, error, problem } = out.Item;
    return {
      batchId: id,
      state,
      runs,
      updatedAt,
      ...(error ? { error } : {}),
      ...(problem ? { problem } : {}),
    };
  }

  private async update(
    batchId: string,
    expression: string,
    values: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const names: Record<string, string> = { '#state': 'state' };
    let updateExpression = expression;
    if (expression.includes('#error')) names['#error'] = 'error';
    const extraValues: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(extra)) {
      names[`#${name}`] = name;
      extraValues[`:${name}`] = value;
      updateExpression = updateExpression.replace(/^SET /, `SET #${name} = :${name}, `);
    }
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: uploadKey(batchId),
        UpdateExpression: updateExpression,
        // Only the invocation's own claim: never resurrects a record the TTL removed.
        ConditionExpression: '#state = :ingesting',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ...extraValues, ':ingesting': 'INGESTING' },
      }),
    );
  }
}
