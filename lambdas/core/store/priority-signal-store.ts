import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PRIORITY_SIGNAL_KEY } from './item-keys.js';

/** The signal as stored: up from `since` until `upUntil` (epoch milliseconds). */
export interface PrioritySignal {
  since: number;
  upUntil: number;
}

/** Tries before raise gives up: each lost race means another sender just raised or extended it. */
const RAISE_ATTEMPTS = 10;

/**
 * The signal that high-priority sends are being mailed (`PRIORITY#high`), which tells normal senders to
 * give way. High senders raise it for a short lease and extend it while they mail; normal senders read
 * it. A raise either extends a signal that is still up for at least `noticeMs` (so that every reader who
 * saw the old lease re-reads before it ends) or starts a new stretch from now, whose `since` tells the
 * high senders when every reader must have seen it. Both are one conditional UpdateItem.
 */
export class PrioritySignalStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** The signal now (a strongly consistent read), or undefined if it was never raised. */
  async read(): Promise<PrioritySignal | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: PRIORITY_SIGNAL_KEY, ConsistentRead: true }),
    );
    const item = out.Item;
    if (item === undefined) return undefined;
    return { since: Number(item.since), upUntil: Number(item.upUntil) };
  }

  /**
   * Keeps the signal up until at least `untilMs` and answers the stretch it belongs to. A signal still
   * up `noticeMs` from now is extended and keeps its `since`; one down, or going down sooner, starts a
   * new stretch at `nowMs`.
   */
  async raise(nowMs: number, untilMs: number, noticeMs: number): Promise<PrioritySignal> {
    const soon = nowMs + noticeMs;
    for (let attempt = 0; attempt < RAISE_ATTEMPTS; attempt++) {
      const seen = await this.read();
      if (seen !== undefined && seen.upUntil >= soon) {
        if (seen.upUntil >= untilMs) return seen;
        const extended = await this.conditionally(
          'SET upUntil = :until',
          'upUntil >= :soon AND upUntil < :until',
          { ':until': untilMs, ':soon': soon },
        );
        if (extended) return { since: seen.since, upUntil: untilMs };
        continue;
      }
      const started = await this.conditionally(
        'SET upUntil = :until, since = :now',
        'attribute_not_exists(pk) OR upUntil < :soon',
        { ':until': untilMs, ':soon': soon, ':now': nowMs },
      );
      if (started) return { since: nowMs, upUntil: untilMs };
    }
    throw new Error(`could not raise the priority signal in ${RAISE_ATTEMPTS} tries`);
  }

  private async conditionally(
    update: string,
    condition: string,
    values: Record<string, number>,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: PRIORITY_SIGNAL_KEY,
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
