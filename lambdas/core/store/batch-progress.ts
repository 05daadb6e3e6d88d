import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BATCH_INDEX, BATCH_SHARDS } from '../../contract/table-schema.js';
import { runBounded } from '../async/run-bounded.js';
import { SEND_STATUSES, type SendStatus, wasMailed } from '../domain/send-status.js';
import { type BatchCounters, CounterStore, noChanges, type StatusChanges } from './counter-store.js';
import { newestEntries } from './index-keys-stream.js';
import {
  INDEXED_STATUSES,
  type IndexedStatus,
  sendPartitionOf,
  sendSortOf,
  statusesFiledUnder,
} from './item-keys.js';
import { SendStore } from './send-store.js';
import { type WriterRecord, WriterStore } from './writer-store.js';

/** Sends of a batch in each status. */
export type StatusCounts = Record<SendStatus, number>;

export interface BatchProgress {
  counts: StatusCounts;
  /** Recipients who unsubscribed through one of the batch's mails. */
  unsubscribed: number;
  /** Where the writer is; undefined for a batch no writer took up yet. */
  writer?: WriterRecord;
  /** Every accepted row is a send and no send is QUEUED or SENDING. */
  finished: boolean;
  /** When the last send left QUEUED or SENDING (ISO-8601 UTC), once finished. */
  finishedAt?: string;
  /**
   * The counts were reconciled against the sends after the batch finished (or the batch has no send: its
   * file was refused): exact, not counted, for what the sending did (open, mailed, suppressed, error).
   * How the mailed split by SES's events (SENT, DELIVERED, BOUNCED, COMPLAINED, REJECTED) is counted per
   * event, and goes on changing as events come (BatchReconciler).
   */
  reconciled: boolean;
}

/** The counts a batch's counters and its writer's checkpoint give. */
export function countsOf(rowsWritten: number, counters: BatchCounters): StatusCounts {
  const counts = { ...counters.changes };
  counts.QUEUED += rowsWritten;
  return counts;
}

const open = (counts: StatusCounts) => counts.QUEUED + counts.SENDING;

/**
 * A batch's progress in constant time: its writer state and its 8 counter items, one GetItem and one
 * BatchGetItem whatever the batch's size (docs/data-model.md).
 */
export class BatchProgressReader {
  private readonly writers: WriterStore;
  private readonly counters: CounterStore;

  constructor(db: DynamoDBDocumentClient, tableName: string) {
    this.writers = new WriterStore(db, tableName);
    this.counters = new CounterStore(db, tableName);
  }

  async progress(batchId: string): Promise<BatchProgress> {
    const [writer, counters] = await Promise.all([this.writers.get(batchId), this.counters.read(batchId)]);
    const counts = countsOf(writer?.rowsWritten ?? 0, counters);
    // A file is refused (FAILED) before its first row is written, so such a batch has no send: nothing
    // is left to do, and its counts (all 0) are exact.
    const nothingToSend = writer?.state === 'FAILED' && writer.rowsWritten === 0;
    const reconciled = writer?.sendingFinishedAt !== undefined || nothingToSend;
    const finished = reconciled || (writer?.state === 'READY' && open(counts) === 0);
    const finishedAt = writer?.sendingFinishedAt ?? (finished ? counters.lastChangeAt : undefined);
    return {
      counts,
      unsubscribed: counters.unsubscribed,
      ...(writer ? { writer } : {}),
      finished,
      ...(finishedAt === undefined ? {} : { finishedAt }),
      reconciled,
    };
  }
}

/** Whether two reads of a batch's counters saw the same: no status change was counted in between. */
function sameCounters(a: BatchCounters, b: BatchCounters): boolean {
  return a.lastChangeAt === b.lastChangeAt && SEND_STATUSES.every((s) => a.changes[s] === b.changes[s]);
}

/** The statuses SES's events move sends between: their sum is exact, their split is counted per event. */
const MAILED_STATUSES = SEND_STATUSES.filter(wasMailed);

/**
 * Counts a batch's sends exactly, from batch_index: a COUNT Query per shard of each indexed status (its
 * cost follows the batch's size, which is why it runs when a batch finishes or stalls, or on demand,
 * never per read), and, for the open sends, their items by key to tell QUEUED from SENDING. Then moves
 * the counters by the difference, so that they agree with the sends.
 *
 * SES's events go on moving sends between the mailed statuses while this counts (a Delivery comes
 * seconds after the send, a complaint days later), and an event's counter move follows its status write:
 * a correction per mailed status would race them and count an event twice. So the mailed statuses are
 * corrected as one sum, which no event changes, and the correction goes to SENT; how that sum splits is
 * what the events counted. SENT and DELIVERED share an index partition anyway (item-keys.ts).
 */
export class BatchReconciler {
  private readonly writers: WriterStore;
  private readonly counters: CounterStore;
  private readonly sends: SendStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.writers = new WriterStore(db, tableName);
    this.counters = new CounterStore(db, tableName);
    this.sends = new SendStore(db, tableName);
  }

  /**
   * The counts now (exact but for the split of the mailed sends), and the correction it made to the
   * counters (zero everywhere when none). `settled` is false when a counter moved while the sends were
   * counted: sends changed status meanwhile (a quiet batch set going again: a paused batch's release
   * after its resume, a cancel), so the count mixes before and after and is no truth to correct by.
   * Then nothing is corrected, the counts are the counters', and the next sweep counts again.
   */
  async reconcile(
    batchId: string,
    now: Date,
    expiresAt: number,
  ): Promise<{ counts: StatusCounts; correction: StatusChanges; settled: boolean }> {
    const before = await this.counters.read(batchId);
    const exact = Object.fromEntries(SEND_STATUSES.map((s) => [s, 0])) as StatusCounts;
    let mailed = 0;
    const partitions = INDEXED_STATUSES.flatMap((indexed) =>
      Array.from({ length: BATCH_SHARDS }, (_, shard) => ({ indexed, shard })),
    );
    await runBounded(partitions, 8, async ({ indexed, shard }) => {
      if (indexed === 'OPEN') return;
      // Read before adding: `exact[x] += await …` would read exact[x] before the await, and the queries
      // in flight at once would each overwrite the others' counts with their own.
      const count = await this.countOf(batchId, indexed, shard);
      if (statusesFiledUnder(indexed).some(wasMailed)) mailed += count;
      else exact[indexed as SendStatus] += count;
    });
    for (let shard = 0; shard < BATCH_SHARDS; shard++) {
      const ids: string[] = [];
      const range = {
        lower: sendSortOf('OPEN', ''),
        upper: sendSortOf('OPEN', '\uffff'),
        upperExclusive: false,
      };
      for await (const entry of newestEntries(
        this.db,
        this.tableName,
        sendPartitionOf(batchId, shard),
        range,
        1000,
      )) {
        ids.push(entry.pk.slice('SEND#'.length));
      }
      for (const send of await this.sends.getSends(ids)) {
        // A send that left the open ones since its entry was read is counted where it went.
        if (wasMailed(send.status)) mailed += 1;
        else exact[send.status] += 1;
      }
    }
    const [writer, counters] = await Promise.all([this.writers.get(batchId), this.counters.read(batchId)]);
    const counted = countsOf(writer?.rowsWritten ?? 0, counters);
    if (!sameCounters(before, counters)) return { counts: counted, correction: noChanges(), settled: false };
    const correction = Object.fromEntries(
      SEND_STATUSES.map((s) => [s, wasMailed(s) ? 0 : exact[s] - counted[s]]),
    ) as StatusChanges;
    correction.SENT = mailed - MAILED_STATUSES.reduce((sum, s) => sum + counted[s], 0);
    for (const s of MAILED_STATUSES) exact[s] = counted[s];
    exact.SENT += correction.SENT;
    if (SEND_STATUSES.some((s) => correction[s] !== 0)) {
      await this.counters.add(batchId, 0, correction, now, expiresAt);
    }
    return { counts: exact, correction, settled: true };
  }

  private async countOf(batchId: string, indexed: IndexedStatus, shard: number): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: BATCH_INDEX.name,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': BATCH_INDEX.partition, '#sk': BATCH_INDEX.sort },
          ExpressionAttributeValues: {
            ':pk': sendPartitionOf(batchId, shard),
            ':prefix': sendSortOf(indexed, ''),
          },
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      count += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return count;
  }
}
