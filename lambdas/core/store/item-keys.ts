import { createHash } from 'node:crypto';
import { BATCH_INDEX, BATCH_SHARDS, COUNTER_SHARDS } from '../../contract/table-schema.js';
import { SEND_STATUSES, type SendStatus } from '../domain/send-status.js';

/**
 * Item keys and index keys of the EmailSends table, every kind of item it holds: the only place that
 * knows their layout (a dependency rule keeps DynamoDB access inside lambdas/core/store/).
 * docs/data-model.md draws the whole layout.
 */

export const sendKey = (sendId: string) => ({ pk: `SEND#${sendId}`, sk: 'SEND' });
export const batchKey = (batchId: string) => ({ pk: `BATCH#${batchId}`, sk: 'BATCH' });
/**
 * Where the writer is with a batch (writer-store.ts): its checkpoint and its lease; and when the batch's
 * first send was claimed (batch-starts.ts) and when its last one finished.
 */
export const writerKey = (batchId: string) => ({ pk: `WRITER#${batchId}`, sk: 'WRITER' });
/**
 * The rows the writer left out as suppressed, as many as a report lists, beside its state: apart from
 * it so that the state, rewritten at every chunk, stays small.
 */
export const writerSuppressedKey = (batchId: string) => ({ pk: `WRITER#${batchId}`, sk: 'SUPPRESSED' });
/** A batch's state as marketers control it (batch-control-store.ts): paused, cancelled, scheduled. */
export const controlKey = (batchId: string) => ({ pk: `CONTROL#${batchId}`, sk: 'CONTROL' });
/** One window of a batch's own pace (batch-pace-store.ts): how many sends it holds so far. */
export const paceKey = (batchId: string, window: number) => ({ pk: `PACE#${batchId}#${window}`, sk: 'PACE' });
/**
 * The signal high-priority senders raise while they mail (priority-signal-store.ts): one item for the
 * whole table, read by normal senders at most every few seconds each.
 */
export const PRIORITY_SIGNAL_KEY = { pk: 'PRIORITY#high', sk: 'PRIORITY' } as const;
/** One of a batch's COUNTER_SHARDS counter items: a partition key each, so that none is hot. */
export const counterKey = (batchId: string, shard: number) => ({
  pk: `COUNTER#${batchId}#${shard}`,
  sk: 'COUNTER',
});
/** An uploaded file by its SHA-256: which batch it became (file-registry.ts). */
export const fileKey = (sha256: string) => ({ pk: `FILE#${sha256}`, sk: 'FILE' });

/**
 * One Idempotency-Key of one API key (see idempotency-store.ts). The client's key is hashed: it may be
 * any printable text up to 255 characters, and a key attribute should stay short and uniform.
 */
export const idempotencyKey = (scope: string, key: string) => ({
  pk: `IDEMPOTENCY#${scope}#${createHash('sha256').update(key).digest('hex').slice(0, 40)}`,
  sk: 'IDEMPOTENCY',
});

/** One address of the suppression list (suppression-store.ts), by its normalised form. */
export const suppressionKey = (email: string) => ({ pk: `SUPPRESSION#${email}`, sk: 'SUPPRESSION' });
/**
 * The suppression list, newest first, in one index partition: additions are rare (an import is paced by
 * the batch writes' retries), and a partition of an index has no size limit.
 */
export const SUPPRESSION_LIST_PARTITION = 'SUPPRESSIONS';
export const suppressionListKeysFor = (email: string, addedAt: string) => ({
  [BATCH_INDEX.partition]: SUPPRESSION_LIST_PARTITION,
  [BATCH_INDEX.sort]: `${addedAt}#${email}`,
});

/**
 * API keys live under one partition: there are few of them, they are read through a per-container
 * cache, and one partition lets listing them be a bounded Query instead of a Scan.
 */
export const API_KEYS_PARTITION = 'APIKEY';
export const apiKeyKey = (keyId: string) => ({ pk: API_KEYS_PARTITION, sk: `KEY#${keyId}` });

/** A send's shard, of the index and of the counters: spread evenly because sendIds are hashes. */
export function shardOf(sendId: string, shards: number): number {
  return Number.parseInt(sendId.slice(0, 8), 16) % shards;
}

export const counterShardOf = (sendId: string) => shardOf(sendId, COUNTER_SHARDS);

/**
 * The status a send is filed under in the index. QUEUED and SENDING share `OPEN`: a claim then changes
 * no index key, and the index projects no attribute, so it writes the send item only. SENT and DELIVERED
 * share `SENT` for the same reason: nearly every send gets a Delivery event, and a key change would cost
 * two index writes per send for it (docs/data-model.md); a page of either reads the entries of `SENT` and
 * keeps the sends in its status. The rarer outcomes have a partition each.
 */
export type IndexedStatus =
  | 'OPEN'
  | 'SENT'
  | 'BOUNCED'
  | 'COMPLAINED'
  | 'REJECTED'
  | 'SUPPRESSED'
  | 'CANCELLED'
  | 'ERROR';

export function indexedStatusOf(status: SendStatus): IndexedStatus {
  if (status === 'QUEUED' || status === 'SENDING') return 'OPEN';
  if (status === 'DELIVERED') return 'SENT';
  return status;
}

/** The statuses filed under one indexed status. */
export function statusesFiledUnder(indexed: IndexedStatus): SendStatus[] {
  return SEND_STATUSES.filter((status) => indexedStatusOf(status) === indexed);
}

export const INDEXED_STATUSES: readonly IndexedStatus[] = [
  'OPEN',
  'SENT',
  'BOUNCED',
  'COMPLAINED',
  'REJECTED',
  'SUPPRESSED',
  'CANCELLED',
  'ERROR',
];

/** Unique and ordered by creation time: what the index sorts on within a status and cursors point at. */
export const createdKeyOf = (createdAt: string, sendId: string) => `${createdAt}#${sendId}`;

/** The index partition of one shard of a batch's sends. */
export const sendPartitionOf = (batchId: string, shard: number) => `S#${batchId}#${shard}`;

export const sendSortOf = (indexed: IndexedStatus, createdKey: string) => `${indexed}#${createdKey}`;

/** The index attributes a send carries while it is in `status`. */
export function sendIndexKeysFor(status: SendStatus, batchId: string, sendId: string, createdAt: string) {
  return {
    [BATCH_INDEX.partition]: sendPartitionOf(batchId, shardOf(sendId, BATCH_SHARDS)),
    [BATCH_INDEX.sort]: sendSortOf(indexedStatusOf(status), createdKeyOf(createdAt, sendId)),
  };
}

/**
 * Batch records are listed, newest first, in one index partition: a batch writes its listing once, far
 * below the 1,000 writes per second a partition takes, and an index partition has no size limit.
 */
export const BATCH_LIST_PARTITION = 'BATCHES';
/** The writer states of the batches not finished yet: what the sweeper looks after. */
export const OPEN_BATCHES_PARTITION = 'OPEN_BATCHES';

export function batchListKeysFor(partition: string, batchId: string, createdAt: string) {
  return { [BATCH_INDEX.partition]: partition, [BATCH_INDEX.sort]: createdKeyOf(createdAt, batchId) };
}
