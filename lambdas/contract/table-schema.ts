/**
 * The single description of the EmailSends table. The CDK stack and the local runner both build
 * the table from it, and a test checks the synthesised template against it, so the two can never
 * drift apart. docs/data-model.md explains what each item and index entry is for.
 */

export const TABLE_KEY = { partition: 'pk', sort: 'sk' } as const;

/**
 * The one index. Its partitions: a batch's sends, in BATCH_SHARDS shards (`S#<batchId>#<shard>`), sorted
 * by `<indexed status>#<createdAt>#<sendId>`; the list of batches (`BATCHES`) and of unfinished batches
 * (`OPEN_BATCHES`), sorted by `<createdAt>#<batchId>`. Keys only: a page reads the items it needs by
 * key, and no write but a change of index key ever touches the index.
 */
export const BATCH_INDEX = { name: 'batch_index', partition: 'batchPart', sort: 'batchSort' } as const;

/**
 * Index partitions of one batch's sends: a send's status changes write its index entry, and 8 shards
 * keep each partition key under 1,000 writes/s at 1,000 sends/s of one batch (3 index writes per send:
 * 375/s per shard).
 */
export const BATCH_SHARDS = 8;

/** Counter items of one batch: 2 counter writes per send spread over 8 items, 250/s each at 1,000 sends/s. */
export const COUNTER_SHARDS = 8;

export type KeyAttribute = { name: string; type: 'S' };

export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  projection: 'KEYS_ONLY';
}

export interface TableDefinition {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalIndexes: IndexDefinition[];
  /** Attribute that DynamoDB's TTL deletes items by (epoch seconds). */
  timeToLiveAttribute: string;
}

export const EMAIL_SENDS_TABLE: TableDefinition = {
  partitionKey: { name: TABLE_KEY.partition, type: 'S' },
  sortKey: { name: TABLE_KEY.sort, type: 'S' },
  globalIndexes: [
    {
      name: BATCH_INDEX.name,
      partitionKey: { name: BATCH_INDEX.partition, type: 'S' },
      sortKey: { name: BATCH_INDEX.sort, type: 'S' },
      projection: 'KEYS_ONLY',
    },
  ],
  timeToLiveAttribute: 'expiresAt',
};
