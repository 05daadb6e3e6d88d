import { createHash } from 'node:crypto';
import { STATUS_SHARDS } from '../../contract/table-schema.js';
import type { SendStatus } from '../domain/send-status.js';

/**
 * Item keys and index keys of the EmailSends table, every kind of item it holds: the only place that
 * knows their layout (a dependency rule keeps DynamoDB access inside lambdas/core/store/).
 */

export const sendKey = (sendId: string) => ({ pk: `SEND#${sendId}`, sk: 'SEND' });
export const contentKey = (contentId: string) => ({ pk: `CONTENT#${contentId}`, sk: 'CONTENT' });
export const batchKey = (batchId: string) => ({ pk: `BATCH#${batchId}`, sk: 'BATCH' });
/**
 * When the batch's first send was claimed: an item of its own beside the batch record, because the
 * upload rewrites the batch record whole (PutItem) after its first sends may already be claimed.
 */
export const batchStartKey = (batchId: string) => ({ pk: `BATCH#${batchId}`, sk: 'STARTED' });

/** The ingest state of a large upload (see upload-claims.ts); in no index. */
export const uploadKey = (batchId: string) => ({ pk: `UPLOAD#${batchId}`, sk: 'UPLOAD' });

/**
 * One Idempotency-Key of one API key (see idempotency-store.ts). The client's key is hashed: it may be
 * any printable text up to 255 characters, and a key attribute should stay short and uniform.
 */
export const idempotencyKey = (scope: string, key: string) => ({
  pk: `IDEMPOTENCY#${scope}#${createHash('sha256').update(key).digest('hex').slice(0, 40)}`,
  sk: 'IDEMPOTENCY',
});

/**
 * API keys live under one partition: there are few of them, they are read through a per-container
 * cache, and one partition lets listing them be a bounded Query instead of a Scan.
 */
export const API_KEYS_PARTITION = 'APIKEY';
export const apiKeyKey = (keyId: string) => ({ pk: API_KEYS_PARTITION, sk: `KEY#${keyId}` });

/** Stable shard of a send in the status index: spread evenly because sendIds are hashes. */
export function shardOf(sendId: string): number {
  return Number.parseInt(sendId.slice(0, 8), 16) % STATUS_SHARDS;
}

export const statusShardKey = (status: SendStatus, shard: number) => `${status}#${shard}`;

/** Unique and ordered by creation time: what both indexes sort on and what cursors point at. */
export const createdKeyOf = (createdAt: string, sendId: string) => `${createdAt}#${sendId}`;

export const batchStatusKeyOf = (status: SendStatus, createdKey: string) => `${status}#${createdKey}`;

/** The index attributes a send must carry while it is in `status`. */
export function indexKeysFor(status: SendStatus, sendId: string, createdAt: string) {
  const createdKey = createdKeyOf(createdAt, sendId);
  return {
    statusShard: statusShardKey(status, shardOf(sendId)),
    createdKey,
    batchStatusKey: batchStatusKeyOf(status, createdKey),
  };
}

/**
 * Batch records are listed, newest first, through the status index too: they carry this partition key
 * and a createdKey of `createdAt#batchId`. One partition is enough: an upload writes its batch record
 * twice, far below the 1,000 writes per second a partition takes, and a GSI partition has no size limit.
 */
export const BATCH_LIST_PARTITION = 'BATCH';

export function batchIndexKeysFor(batchId: string, createdAt: string) {
  return { statusShard: BATCH_LIST_PARTITION, createdKey: createdKeyOf(createdAt, batchId) };
}
