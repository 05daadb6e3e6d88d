import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { BATCH_INDEX } from '../../contract/table-schema.js';
import { retryLeftovers } from '../async/retry-leftovers.js';
import { chunksOf } from '../async/run-bounded.js';
import type { SuppressedRow } from './batch-store.js';
import { batchListKeysFor, OPEN_BATCHES_PARTITION, writerKey, writerSuppressedKey } from './item-keys.js';
import { type Item, recordOfItem } from './item-records.js';

/**
 * Where the writer is with a batch's file:
 * - WRITING: chunks are being written (or a continuation is on its way);
 * - READY: every accepted row is a send on the queue;
 * - FAILED: the file was refused as a whole (`problem`, `error`), or none of its rows could be sent.
 */
export type WriterState = 'WRITING' | 'READY' | 'FAILED';

export interface WriterRecord {
  batchId: string;
  state: WriterState;
  /** The upload time of the batch (ISO-8601 UTC): every send's createdAt. */
  createdAt: string;
  /** Where the file is. */
  bucket: string;
  key: string;
  /** Chunks written, enqueued and checkpointed: a continuation starts with the next. */
  chunksDone: number;
  /** Sends written by those chunks. */
  rowsWritten: number;
  /**
   * Accepted rows of those chunks left out because their address was suppressed (no send); absent on a
   * state written before the suppression list existed, and until a chunk left one out.
   */
  rowsSuppressed?: number;
  /** How many of those are listed (listSuppressed), at most a report's list. */
  suppressedListed?: number;
  /** Invocations that took the file up (more than 1: continuations, or a crashed one resumed). */
  runs: number;
  updatedAt: string;
  leaseUntil?: number;
  /** Set when the writer finished (READY or FAILED). */
  finishedAt?: string;
  error?: string;
  problem?: string;
  /** Set when every send of the batch is final, as the sweeper found (and reconciled) it. */
  sendingFinishedAt?: string;
  /**
   * A large file registered when its upload URL was given out (epoch ms, the URL's expiry): until then
   * a file not in the bucket yet is not a failure, and the writer is not called silent.
   */
  fileDueBy?: number;
}

/** A large file whose upload URL is still good: missing from the bucket, it may yet be PUT. */
export const awaitingFile = (record: Pick<WriterRecord, 'fileDueBy'>, now: Date): boolean =>
  (record.fileDueBy ?? 0) > now.getTime();

/** An unfinished batch, as the sweeper lists them. */
export interface OpenBatch {
  batchId: string;
  createdAt: string;
}

/**
 * - `fresh`: nobody wrote this file before: write it from the first chunk.
 * - `resumed`: an earlier invocation took it and stopped (a continuation, a crash or a timeout): write
 *   from the chunk after its checkpoint.
 * - `busy`: another invocation holds the lease: leave it alone.
 * - `finished`: READY or FAILED already: nothing to do.
 */
export type WriterClaim =
  | { kind: 'fresh'; record: WriterRecord }
  /**
   * `cleanStop`: the last invocation stopped at a chunk boundary and handed over (release); otherwise
   * it crashed or ran out of time, and may have written part of the chunk after its checkpoint.
   */
  | { kind: 'resumed'; record: WriterRecord; cleanStop: boolean }
  | { kind: 'busy' | 'finished'; record: WriterRecord };

/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_SIZE = 100;

/** The attribute of a chunk's suppressed rows on the writer's list of them: `c<chunk>`. */
const SUPPRESSED_CHUNK_PREFIX = 'c';

/**
 * The writer state of each batch, one small item (`WRITER#<batchId>`) that is rewritten at every chunk,
 * apart from the batch record, which holds the report. While the batch is not finished its item is
 * listed in the index's OPEN_BATCHES partition, which is all the sweeper reads.
 */
export class WriterStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Notes a file the upload API stored, before it answers, or a large file whose upload URL is given
   * out (`fileDueBy`: the URL's expiry): WRITING, held by nobody, not run yet. The writer's claim takes
   * it up from S3's event; if that event is lost (the local runner's in-memory queue dies with it), the
   * batch is still on the unfinished list, where a restart's recovery and the sweeper's check for silent
   * writers find it (a large file once it is due). A writer that claimed the file first keeps its state.
   */
  async register(
    batchId: string,
    source: { bucket: string; key: string; createdAt: string },
    now: Date,
    expiresAt: number,
    options: { fileDueBy?: number } = {},
  ): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...writerKey(batchId),
            type: 'writer',
            ...startingRecord(batchId, source, { runs: 0, leaseUntil: 0, updatedAt: now.toISOString() }),
            // Nothing was written: the first claim starts from the first chunk, as after a hand-over.
            cleanStop: true,
            ...(options.fileDueBy === undefined ? {} : { fileDueBy: options.fileDueBy }),
            expiresAt,
            ...batchListKeysFor(OPEN_BATCHES_PARTITION, batchId, source.createdAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Takes the file for `leaseMs`: creates the state (WRITING, created now) when there is none, takes it
   * over when its lease has run out, and otherwise says who has it.
   */
  async claim(
    batchId: string,
    source: { bucket: string; key: string; createdAt: string },
    now: Date,
    leaseMs: number,
    expiresAt: number,
  ): Promise<WriterClaim> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: writerKey(batchId),
          UpdateExpression: [
            'SET #state = if_not_exists(#state, :writing), batchId = :batchId, leaseUntil = :until,',
            'updatedAt = :now, createdAt = if_not_exists(createdAt, :createdAt), #bucket = :bucket, #key = :key,',
            'chunksDone = if_not_exists(chunksDone, :zero), rowsWritten = if_not_exists(rowsWritten, :zero),',
            'expiresAt = if_not_exists(expiresAt, :expires), #type = :type,',
            '#part = if_not_exists(#part, :part), #sort = if_not_exists(#sort, :sort)',
            'ADD runs :one REMOVE cleanStop',
          ].join(' '),
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :writing AND leaseUntil < :nowMs)',
          ExpressionAttributeNames: {
            '#state': 'state',
            '#key': 'key',
            '#bucket': 'bucket',
            '#type': 'type',
            '#part': BATCH_INDEX.partition,
            '#sort': BATCH_INDEX.sort,
          },
          ExpressionAttributeValues: {
            ':writing': 'WRITING',
            ':batchId': batchId,
            ':until': now.getTime() + leaseMs,
            ':nowMs': now.getTime(),
            ':now': now.toISOString(),
            ':createdAt': source.createdAt,
            ':bucket': source.bucket,
            ':key': source.key,
            ':zero': 0,
            ':one': 1,
            ':expires': expiresAt,
            ':type': 'writer',
            ...prefixed(batchListKeysFor(OPEN_BATCHES_PARTITION, batchId, source.createdAt)),
          },
          // The state before: whether the last invocation stopped cleanly is consumed by this claim.
          ReturnValues: 'ALL_OLD',
        }),
      );
      const leased = { leaseUntil: now.getTime() + leaseMs, updatedAt: now.toISOString() };
      if (!out.Attributes) {
        return { kind: 'fresh', record: startingRecord(batchId, source, { runs: 1, ...leased }) };
      }
      const before = recordOfItem<WriterRecord & { cleanStop?: boolean }>(out.Attributes);
      const { cleanStop, ...record } = before;
      return {
        kind: 'resumed',
        record: { ...record, ...source, createdAt: before.createdAt, runs: before.runs + 1, ...leased },
        cleanStop: cleanStop === true,
      };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const record = await this.get(batchId);
      if (!record) throw new Error(`the writer state of batch ${batchId} vanished while it was claimed`);
      return { kind: record.state === 'WRITING' ? 'busy' : 'finished', record };
    }
  }

  /**
   * Records a chunk done; false when the lease was lost (nothing is written then). The lease is not
   * renewed: it ends with the invocation that took it.
   */
  async checkpoint(
    batchId: string,
    leaseUntil: number,
    progress: { chunksDone: number; rowsWritten: number; rowsSuppressed: number; suppressedListed: number },
    now: Date,
  ): Promise<boolean> {
    return this.updateHeld(
      batchId,
      leaseUntil,
      'SET chunksDone = :chunks, rowsWritten = :rows, rowsSuppressed = :suppressed, suppressedListed = :listed, updatedAt = :now',
      {
        ':chunks': progress.chunksDone,
        ':rows': progress.rowsWritten,
        ':suppressed': progress.rowsSuppressed,
        ':listed': progress.suppressedListed,
        ':now': now.toISOString(),
      },
    );
  }

  /**
   * Lists the rows one chunk left out as suppressed (the first of them, up to what a report lists),
   * before the chunk's checkpoint. Keyed by the chunk, so that a resumed chunk replaces what an earlier
   * attempt at it listed instead of adding to it; written only for a chunk that has rows to list.
   */
  async listSuppressed(
    batchId: string,
    chunk: number,
    rows: readonly SuppressedRow[],
    expiresAt: number,
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: writerSuppressedKey(batchId),
        UpdateExpression: 'SET #chunk = :rows, #type = :type, expiresAt = :expires',
        ExpressionAttributeNames: { '#chunk': `${SUPPRESSED_CHUNK_PREFIX}${chunk}`, '#type': 'type' },
        ExpressionAttributeValues: { ':rows': rows, ':type': 'writer-suppressed', ':expires': expiresAt },
      }),
    );
  }

  /** The rows listed by listSuppressed, chunk after chunk: in file order. */
  async suppressedListOf(batchId: string): Promise<SuppressedRow[]> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: writerSuppressedKey(batchId), ConsistentRead: true }),
    );
    const chunks = Object.entries(out.Item ?? {})
      .filter(([name]) => /^c\d+$/.test(name))
      .map(([name, rows]) => ({ chunk: Number(name.slice(SUPPRESSED_CHUNK_PREFIX.length)), rows }))
      .sort((a, b) => a.chunk - b.chunk);
    return chunks.flatMap(({ rows }) => rows as SuppressedRow[]);
  }

  /**
   * Gives the file up so that the next invocation may take it at once: `cleanStop` after a checkpoint
   * (a continuation follows; nothing after the checkpoint was written), not after a failure.
   */
  async release(batchId: string, leaseUntil: number, now: Date, cleanStop: boolean): Promise<boolean> {
    return this.updateHeld(
      batchId,
      leaseUntil,
      'SET leaseUntil = :zero, updatedAt = :now, cleanStop = :clean',
      { ':zero': 0, ':now': now.toISOString(), ':clean': cleanStop },
    );
  }

  /** Ends the writing: READY, or FAILED with why. A FAILED batch leaves the unfinished list at once. */
  async finish(
    batchId: string,
    leaseUntil: number,
    now: Date,
    outcome: { state: 'READY' } | { state: 'FAILED'; error: string; problem: string },
  ): Promise<boolean> {
    const failed = outcome.state === 'FAILED';
    return this.updateHeld(
      batchId,
      leaseUntil,
      failed
        ? 'SET #state = :state, updatedAt = :now, finishedAt = :now, #error = :error, problem = :problem REMOVE leaseUntil, #part, #sort'
        : 'SET #state = :state, updatedAt = :now, finishedAt = :now REMOVE leaseUntil',
      {
        ':state': outcome.state,
        ':now': now.toISOString(),
        ...(failed ? { ':error': outcome.error, ':problem': outcome.problem } : {}),
      },
      failed ? { '#error': 'error', '#part': BATCH_INDEX.partition, '#sort': BATCH_INDEX.sort } : {},
    );
  }

  /** Every send of the batch is final: it leaves the unfinished list (the sweeper, after reconciling). */
  async markSendingFinished(batchId: string, finishedAt: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: writerKey(batchId),
        UpdateExpression: 'SET sendingFinishedAt = :at REMOVE #part, #sort',
        ConditionExpression: '#state = :ready',
        ExpressionAttributeNames: {
          '#state': 'state',
          '#part': BATCH_INDEX.partition,
          '#sort': BATCH_INDEX.sort,
        },
        ExpressionAttributeValues: { ':at': finishedAt, ':ready': 'READY' },
      }),
    );
  }

  /** A redriven send of a finished batch makes it unfinished again: back on the list. */
  async markSendingUnfinished(batchId: string, createdAt: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: writerKey(batchId),
          UpdateExpression: 'SET #part = :part, #sort = :sort REMOVE sendingFinishedAt',
          ConditionExpression: 'attribute_exists(sendingFinishedAt)',
          ExpressionAttributeNames: { '#part': BATCH_INDEX.partition, '#sort': BATCH_INDEX.sort },
          ExpressionAttributeValues: prefixed(batchListKeysFor(OPEN_BATCHES_PARTITION, batchId, createdAt)),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Frees a file whatever holds it: only for a restart that knows no writer is running (the local runner
   * starting again), where a dead invocation's lease would otherwise hold the file for its whole time.
   */
  async forceRelease(batchId: string, now: Date): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: writerKey(batchId),
          UpdateExpression: 'SET leaseUntil = :zero, updatedAt = :now',
          ConditionExpression: '#state = :writing',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':zero': 0, ':now': now.toISOString(), ':writing': 'WRITING' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async get(batchId: string): Promise<WriterRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: writerKey(batchId), ConsistentRead: true }),
    );
    return out.Item ? recordOfItem<WriterRecord>(out.Item) : undefined;
  }

  async getMany(batchIds: readonly string[]): Promise<Map<string, WriterRecord>> {
    const found = new Map<string, WriterRecord>();
    for (const ids of chunksOf([...new Set(batchIds)], BATCH_GET_SIZE)) {
      await retryLeftovers(
        'writer state reads',
        ids.map((id) => writerKey(id)),
        async (keys) => {
          const out = await this.db.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
          );
          for (const item of out.Responses?.[this.tableName] ?? []) {
            const record = recordOfItem<WriterRecord>(item);
            found.set(record.batchId, record);
          }
          return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
        },
      );
    }
    return found;
  }

  /** The unfinished batches, oldest first: the OPEN_BATCHES partition of the index, every page of it. */
  async listOpen(): Promise<OpenBatch[]> {
    const open: OpenBatch[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: BATCH_INDEX.name,
          KeyConditionExpression: '#part = :part',
          ExpressionAttributeNames: { '#part': BATCH_INDEX.partition },
          ExpressionAttributeValues: { ':part': OPEN_BATCHES_PARTITION },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) {
        const sort = String(item[BATCH_INDEX.sort]);
        const at = sort.indexOf('#');
        open.push({ createdAt: sort.slice(0, at), batchId: sort.slice(at + 1) });
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return open;
  }

  private async updateHeld(
    batchId: string,
    leaseUntil: number,
    expression: string,
    values: Item,
    names: Record<string, string> = {},
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: writerKey(batchId),
          UpdateExpression: expression,
          // The lease is identified by its end: a writer that lost it (it ran out and another took it
          // over, with a new end) can no longer write its state.
          ConditionExpression: '#state = :writing AND leaseUntil = :held',
          ExpressionAttributeNames: { '#state': 'state', ...names },
          ExpressionAttributeValues: { ...values, ':writing': 'WRITING', ':held': leaseUntil },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** Index key attributes as expression values `:part` and `:sort`. */
/** The state of a file nothing has been written of yet. */
function startingRecord(
  batchId: string,
  source: { bucket: string; key: string; createdAt: string },
  run: { runs: number; leaseUntil: number; updatedAt: string },
): WriterRecord {
  return {
    batchId,
    state: 'WRITING',
    createdAt: source.createdAt,
    bucket: source.bucket,
    key: source.key,
    chunksDone: 0,
    rowsWritten: 0,
    ...run,
  };
}

function prefixed(keys: Record<string, string>): Item {
  return { ':part': keys[BATCH_INDEX.partition], ':sort': keys[BATCH_INDEX.sort] };
}
