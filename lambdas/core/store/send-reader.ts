import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BATCH_SHARDS } from '../../contract/table-schema.js';
import type { SendRecord } from '../domain/send-record.js';
import type { SendStatus } from '../domain/send-status.js';
import { BatchReader, type ListedBatch } from './batch-reader.js';
import { CounterStore } from './counter-store.js';
import { type IndexEntry, mergeNewest, newestEntries } from './index-keys-stream.js';
import {
  INDEXED_STATUSES,
  type IndexedStatus,
  indexedStatusOf,
  sendPartitionOf,
  sendSortOf,
} from './item-keys.js';
import type { SendFilter } from './send-filter.js';
import { SendStore } from './send-store.js';
import { createdKeyRange, KEY_END, type SortKeyRange, withinPrefix } from './sort-key-range.js';
import { WriterStore } from './writer-store.js';

export interface SendPage {
  /** Newest first. */
  sends: SendRecord[];
  /** The createdKey of the last send, when more sends match below it; the next page starts there. */
  nextKey?: string;
}

/** A send's position in the global order: `createdAt#sendId`, what cursors point at. */
interface Positioned {
  createdKey: string;
  sendId: string;
}

/** Items read per BatchGetItem while a page fills. */
const READ_AHEAD = 100;
/**
 * Sends a page may read per send it wants: a status sharing its index entries with another (item-keys.ts)
 * may have to pass over the other's sends, and this bounds what one request costs.
 */
const READS_PER_WANTED = 10;
/** Batches whose counters are read at once while a page without a batch filter walks the batches. */
const BATCHES_PER_STEP = 25;

/**
 * The read side of the sends: pages in descending createdKey order (`createdAt#sendId`: every send of a
 * batch has the batch's upload time), read through batch_index, never by scanning (docs/data-model.md).
 *
 * - A batch's sends: one stream per shard (8) and indexed status (OPEN, SENT, ERROR; only the one a
 *   status filter names), merged newest first; the items are read by key 100 at a time and kept when
 *   their status matches (QUEUED and SENDING share the OPEN entries). A page reads `first + 1` matching
 *   sends and stops: its cost follows the page, not the batch.
 * - Without a batch filter: the batches newest first (batch_index's BATCHES partition, within the date
 *   range), and the same per-batch streams for each in turn; batches uploaded in the same millisecond
 *   are merged as one. A finished batch whose counters say it holds no send of the filtered status is
 *   skipped without a query.
 *
 * The position is global: a send that moves to another status partition mid-walk keeps its createdKey,
 * so it is met at most once over the pages, and new batches sort above every position already reached.
 */
export class SendReader {
  private readonly sends: SendStore;
  private readonly batches: BatchReader;
  private readonly writers: WriterStore;
  private readonly counters: CounterStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.sends = new SendStore(db, tableName);
    this.batches = new BatchReader(db, tableName);
    this.writers = new WriterStore(db, tableName);
    this.counters = new CounterStore(db, tableName);
  }

  /**
   * The `first` newest sends that match `filter` and sort below `afterKey` (a createdKey). A status that
   * shares its index entries with another (SENT and DELIVERED, QUEUED and SENDING) is read through both
   * and kept when it matches, at most READS_PER_WANTED sends read per wanted send: a page that reaches that
   * bound first is shorter, and its `nextKey` is where it stopped reading.
   */
  async page(filter: SendFilter, first: number, afterKey?: string): Promise<SendPage> {
    const range = createdKeyRange(filter, afterKey);
    const positions =
      filter.batchId === undefined
        ? this.acrossBatches(filter, range, first)
        : this.ofBatches([filter.batchId], filter.status, range, first);
    const found: SendRecord[] = [];
    const reading = { budget: READS_PER_WANTED * (first + 1), lastRead: undefined as string | undefined };
    for await (const send of this.matching(positions, filter.status, first + 1, reading)) found.push(send);
    const sends = found.slice(0, first);
    const last = sends.at(-1);
    if (found.length > first && last) return { sends, nextKey: `${last.createdAt}#${last.sendId}` };
    if (reading.budget <= 0 && reading.lastRead !== undefined) return { sends, nextKey: reading.lastRead };
    return { sends };
  }

  /**
   * The open sends (QUEUED or SENDING) of a batch, newest first, read as consumed: for the sweeper and
   * the batch jobs (release, cancel). From below `afterKey` (the createdKey of the last send a job got
   * to) when given.
   */
  async *openSends(batchId: string, afterKey?: string): AsyncGenerator<SendRecord> {
    const range: SortKeyRange =
      afterKey === undefined ? { upperExclusive: false } : { upper: afterKey, upperExclusive: true };
    let pending: string[] = [];
    const read = async () => {
      const found = new Map((await this.sends.getSends(pending)).map((send) => [send.sendId, send]));
      const ordered = pending.flatMap((id) => {
        const send = found.get(id);
        return send && (send.status === 'QUEUED' || send.status === 'SENDING') ? [send] : [];
      });
      pending = [];
      return ordered;
    };
    for await (const position of this.ofIndexed([batchId], ['OPEN'], range, READ_AHEAD)) {
      pending.push(position.sendId);
      if (pending.length >= READ_AHEAD) yield* await read();
    }
    if (pending.length > 0) yield* await read();
  }

  /**
   * Reads the sends behind the positions, in order, `READ_AHEAD` at a time, keeping those that match,
   * until `wanted` matched or the reading's budget of sends read is spent (it notes the last position read).
   */
  private async *matching(
    positions: AsyncIterable<Positioned>,
    status: SendStatus | undefined,
    wanted: number,
    reading: { budget: number; lastRead: string | undefined },
  ): AsyncGenerator<SendRecord> {
    let kept = 0;
    let pending: Positioned[] = [];
    const flush = async function* (this: SendReader) {
      const read = new Map(
        (await this.sends.getSends(pending.map((p) => p.sendId))).map((s) => [s.sendId, s]),
      );
      for (const position of pending) {
        reading.budget -= 1;
        reading.lastRead = position.createdKey;
        const send = read.get(position.sendId);
        if (send && (status === undefined || send.status === status)) {
          kept += 1;
          yield send;
          if (kept >= wanted) return;
        }
        if (reading.budget <= 0) return;
      }
    }.bind(this);
    for await (const position of positions) {
      pending.push(position);
      if (pending.length < Math.min(READ_AHEAD, wanted - kept, reading.budget)) continue;
      yield* flush();
      pending = [];
      if (kept >= wanted || reading.budget <= 0) return;
    }
    if (pending.length > 0) yield* flush();
  }

  /** The positions of the sends of these batches (all uploaded in one millisecond), newest first. */
  private ofBatches(
    batchIds: string[],
    status: SendStatus | undefined,
    range: SortKeyRange,
    first: number,
  ): AsyncIterable<Positioned> {
    const indexed: readonly IndexedStatus[] =
      status === undefined ? INDEXED_STATUSES : [indexedStatusOf(status)];
    return this.ofIndexed(batchIds, indexed, range, first + 1);
  }

  /**
   * The positions of the sends of these batches filed under these indexed statuses, newest first. The
   * merge of `pageSize` positions takes about 1/8 of them from each shard (sendIds are hashes, and a
   * batch's sends sort by sendId), so each stream's first Query reads twice that share, not a whole page:
   * a page of a large batch reads about as many index entries as one of a small batch, instead of a page
   * from each of its 24 streams. A stream that runs out of its first page reads on, twice as much a time.
   */
  private ofIndexed(
    batchIds: string[],
    indexed: readonly IndexedStatus[],
    range: SortKeyRange,
    pageSize: number,
  ): AsyncIterable<Positioned> {
    const firstPage = Math.min(pageSize, Math.ceil((2 * pageSize) / BATCH_SHARDS));
    const streams = batchIds.flatMap((batchId) =>
      indexed.flatMap((filed) =>
        Array.from({ length: BATCH_SHARDS }, (_, shard) =>
          positionsOf(
            newestEntries(
              this.db,
              this.tableName,
              sendPartitionOf(batchId, shard),
              withinPrefix(sendSortOf(filed, ''), range),
              pageSize,
              firstPage,
            ),
          ),
        ),
      ),
    );
    return mergeNewest(streams, (p) => p.createdKey);
  }

  /** Batches newest first, and each one's sends, until the caller has enough. */
  private async *acrossBatches(
    filter: SendFilter,
    range: SortKeyRange,
    first: number,
  ): AsyncGenerator<Positioned> {
    // Batches sort by `createdAt#batchId`; a send below the cursor belongs to a batch uploaded at or before it.
    const batchRange: SortKeyRange = {
      ...(range.lower === undefined ? {} : { lower: range.lower }),
      ...(range.upper === undefined ? {} : { upper: `${range.upper.slice(0, 24)}${KEY_END}` }),
      upperExclusive: false,
    };
    let step: ListedBatch[] = [];
    const walk = async function* (this: SendReader, listed: ListedBatch[]) {
      const skip = await this.batchesWithout(filter.status, listed);
      // Batches of one millisecond are merged as one: their sends interleave by sendId.
      for (let i = 0; i < listed.length; ) {
        let j = i + 1;
        while (j < listed.length && listed[j]?.createdAt === listed[i]?.createdAt) j += 1;
        const group = listed.slice(i, j).filter((b) => !skip.has(b.batchId));
        if (group.length > 0)
          yield* this.ofBatches(
            group.map((b) => b.batchId),
            filter.status,
            range,
            first,
          );
        i = j;
      }
    }.bind(this);
    for await (const batch of this.batches.newest(batchRange)) {
      if (step.length >= BATCHES_PER_STEP && step.at(-1)?.createdAt !== batch.createdAt) {
        yield* walk(step);
        step = [];
      }
      step.push(batch);
    }
    if (step.length > 0) yield* walk(step);
  }

  /**
   * The batches that certainly hold no send in `status`: finished (their counts were reconciled against
   * their sends) with a count of 0. Unfinished batches are always read: their counters may lag.
   */
  private async batchesWithout(status: SendStatus | undefined, listed: ListedBatch[]): Promise<Set<string>> {
    if (status === undefined || listed.length === 0) return new Set();
    const ids = listed.map((b) => b.batchId);
    const writers = await this.writers.getMany(ids);
    const finished = ids.filter((id) => writers.get(id)?.sendingFinishedAt !== undefined);
    const counters = await this.counters.readMany(finished);
    return new Set(
      finished.filter((id) => {
        const changes = counters.get(id)?.changes;
        const rows = writers.get(id)?.rowsWritten ?? 0;
        const count = status === 'QUEUED' ? rows + (changes?.QUEUED ?? 0) : (changes?.[status] ?? 0);
        return count === 0;
      }),
    );
  }
}

async function* positionsOf(entries: AsyncIterable<IndexEntry>): AsyncGenerator<Positioned> {
  for await (const entry of entries) {
    // `<indexed status>#<createdAt>#<sendId>`; the item's key is `SEND#<sendId>`.
    const createdKey = entry.sort.slice(entry.sort.indexOf('#') + 1);
    yield { createdKey, sendId: entry.pk.slice('SEND#'.length) };
  }
}
