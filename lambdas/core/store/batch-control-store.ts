import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type BatchStateActor,
  type BatchStateChange,
  type ControlAction,
  type StoredBatchState,
  stateAfter,
  statesAllowing,
} from '../domain/batch-state.js';
import type { GuardrailBaseline } from '../domain/guardrail.js';
import { controlKey } from './item-keys.js';
import { recordOfItem } from './item-records.js';

/** How a batch is to be sent, and where a marketer's control left it. */
export interface BatchControl {
  batchId: string;
  state: StoredBatchState;
  /** When a scheduled batch starts (ISO-8601 UTC). */
  sendAt?: string;
  /** Sends per second the batch never exceeds, summed over every sender. */
  maxRate?: number;
  priority?: 'high' | 'normal';
  /** Set by a resume after the guardrail's pause: the guardrail judges what comes after it. */
  guardrailFrom?: GuardrailBaseline;
  /** Every change of state, oldest first, the first one its creation. */
  changes: BatchStateChange[];
}

export type ControlResult =
  | { kind: 'changed'; before: StoredBatchState; control: BatchControl }
  | { kind: 'refused'; control: BatchControl }
  | { kind: 'unknown' };

/** A batch's changes of state are kept up to this many (a pause/resume loop cannot grow the item). */
const MAX_CHANGES = 50;

/**
 * The control item of each batch (`CONTROL#<batchId>`): its state (SCHEDULED, SENDING, PAUSED,
 * CANCELLED), schedule, pace and priority. Written when the batch is uploaded and by each control
 * request, each change conditional on the states it may start from (batch-state.ts), so two racing
 * requests cannot both apply; read by the sender, cached for seconds.
 */
export class BatchControlStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Creates the batch's control unless it exists (a retried upload keeps the first). */
  async create(
    control: Omit<BatchControl, 'changes'>,
    now: Date,
    expiresAt: number,
  ): Promise<'created' | 'exists'> {
    const first: BatchStateChange = { state: control.state, at: now.toISOString(), by: 'request' };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...controlKey(control.batchId), type: 'control', ...control, changes: [first], expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw error;
    }
  }

  async get(batchId: string, options: { consistent?: boolean } = {}): Promise<BatchControl | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: controlKey(batchId),
        ConsistentRead: options.consistent === true,
      }),
    );
    return out.Item ? recordOfItem<BatchControl>(out.Item) : undefined;
  }

  /**
   * Applies a control action if the batch's state allows it: one conditional update, so of two racing
   * requests only one changes the state and the other is refused with the state it found.
   */
  async apply(
    batchId: string,
    action: ControlAction,
    now: Date,
    by: BatchStateActor,
    options: { reason?: string; sendAt?: string; guardrailFrom?: GuardrailBaseline } = {},
  ): Promise<ControlResult> {
    const to = stateAfter(action);
    const allowed = statesAllowing(action);
    const change: BatchStateChange = {
      state: to,
      at: now.toISOString(),
      by,
      ...(options.reason === undefined ? {} : { reason: options.reason }),
    };
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(batchId, { consistent: true });
      if (!current) return { kind: 'unknown' };
      if (!allowed.includes(current.state)) return { kind: 'refused', control: current };
      // Conditional on the state read and on the history's length, so that a change written meanwhile
      // makes this read again rather than overwrite it; once the history is full, its oldest entries
      // but the first (the upload's) give way.
      const history =
        current.changes.length >= MAX_CHANGES
          ? [current.changes[0], ...current.changes.slice(-(MAX_CHANGES - 2)), change]
          : [...current.changes, change];
      const values: Record<string, unknown> = {
        ':to': to,
        ':read': current.state,
        ':history': history,
        ':length': current.changes.length,
      };
      const sets = ['#state = :to', 'changes = :history'];
      if (options.sendAt !== undefined) {
        sets.push('sendAt = :sendAt');
        values[':sendAt'] = options.sendAt;
      }
      if (options.guardrailFrom !== undefined) {
        sets.push('guardrailFrom = :guardrailFrom');
        values[':guardrailFrom'] = options.guardrailFrom;
      }
      try {
        const out = await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: controlKey(batchId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: '#state = :read AND size(changes) = :length',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return {
          kind: 'changed',
          before: current.state,
          control: recordOfItem<BatchControl>(out.Attributes ?? {}),
        };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= 5) throw error;
      }
    }
  }
}
