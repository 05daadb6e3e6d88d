import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { paceKey } from './item-keys.js';

/** A window of a batch's pace: how long it lasts and how many sends it holds. */
export interface PaceWindow {
  lengthMs: number;
  capacity: number;
}

/**
 * The windows a pace of `maxRate` sends per second is counted in: a second holding ⌊maxRate⌋ sends, or,
 * below one send per second, as long a window as holds one.
 */
export function paceWindowOf(maxRate: number): PaceWindow {
  if (maxRate >= 1) return { lengthMs: 1000, capacity: Math.floor(maxRate) };
  return { lengthMs: Math.ceil(1000 / maxRate), capacity: 1 };
}

/** Windows a sender looks ahead for a free slot before it defers its message. */
export const PACE_LOOKAHEAD_WINDOWS = 10;

/** Pace items are kept this long after their window: long enough for no sender to come back to one. */
const PACE_ITEM_SECONDS = 3600;

/**
 * A batch's own pace (`maxRate`), shared by every sender: each window of time is an item
 * (`PACE#<batchId>#<window>`) whose counter a send increments with a condition on the window's capacity,
 * so that however many senders work on the batch at once, no window holds more than its share. A send
 * takes the first window with room, within PACE_LOOKAHEAD_WINDOWS, and its slot in it, spread evenly
 * over the window so that a window's sends do not go out in one burst. One write per send of a paced
 * batch (and one per full window tried); batches without a pace write nothing here.
 */
export class BatchPaceStore {
  /** The window each batch last found room in, per container: where the next send starts looking. */
  private readonly firstOpen = new Map<string, number>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * A slot for one send of the batch: the time (epoch ms) it may be sent at, not before now; or undefined
   * when every window ahead is full (the caller defers the message for as long as the windows looked at).
   */
  async take(batchId: string, maxRate: number, nowMs: number): Promise<number | undefined> {
    const window = paceWindowOf(maxRate);
    const current = Math.floor(nowMs / window.lengthMs);
    const start = Math.max(current, this.firstOpen.get(batchId) ?? current);
    for (let index = start; index < current + PACE_LOOKAHEAD_WINDOWS; index++) {
      const taken = await this.takeIn(batchId, index, window);
      if (taken === undefined) continue;
      this.firstOpen.set(batchId, index);
      const slotAt = index * window.lengthMs + Math.floor(((taken - 1) * window.lengthMs) / window.capacity);
      return Math.max(slotAt, nowMs);
    }
    this.firstOpen.set(batchId, current + PACE_LOOKAHEAD_WINDOWS);
    return undefined;
  }

  /** The place taken in one window (1 for its first send), or undefined when it is full. */
  private async takeIn(batchId: string, index: number, window: PaceWindow): Promise<number | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: paceKey(batchId, index),
          UpdateExpression: 'ADD taken :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(taken) OR taken < :capacity',
          ExpressionAttributeValues: {
            ':one': 1,
            ':capacity': window.capacity,
            ':expires': Math.floor(((index + 1) * window.lengthMs) / 1000) + PACE_ITEM_SECONDS,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.taken);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
