/**
 * The single description of the EmailSends table. The CDK stack and the local runner both build
 * the table from it, and a test checks the synthesised template against it, so the two can never
 * drift apart.
 */

export const TABLE_KEY = { partition: 'pk', sort: 'sk' } as const;

/**
 * Sends by status, newest first. A status has only five values, so a big upload would put every
 * write into one index partition; the partition key is spread over STATUS_SHARDS shards
 * (`SENT#0` … `SENT#7`) and readers fan out over the shards and merge by the sort key.
 * The sort key `createdAt#sendId` is unique, which makes pagination cursors exact.
 */
export const STATUS_INDEX = { name: 'status_index', partition: 'statusShard', sort: 'createdKey' } as const;

/**
 * Sends of one batch. The sort key `STATUS#createdAt#sendId` answers "batch X with status S" with one
 * key condition, and "all of batch X" by merging the five status prefixes by createdAt.
 */
export const BATCH_INDEX = { name: 'batch_index', partition: 'batchId', sort: 'batchStatusKey' } as const;

export const STATUS_SHARDS = 8;

export type KeyAttribute = { name: string; type: 'S' };

export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
}

export interface TableDefinition {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalIndexes: IndexDefinition[];
  /** Attribute that DynamoDB's TTL deletes items by (epoch seconds); unused items only. */
  timeToLiveAttribute: string;
}

export const EMAIL_SENDS_TABLE: TableDefinition = {
  partitionKey: { name: TABLE_KEY.partition, type: 'S' },
  sortKey: { name: TABLE_KEY.sort, type: 'S' },
  globalIndexes: [
    {
      name: STATUS_INDEX.name,
      partitionKey: { name: STATUS_INDEX.partition, type: 'S' },
      sortKey: { name: STATUS_INDEX.sort, type: 'S' },
    },
    {
      name: BATCH_INDEX.name,
      partitionKey: { name: BATCH_INDEX.partition, type: 'S' },
      sortKey: { name: BATCH_INDEX.sort, type: 'S' },
    },
  ],
  timeToLiveAttribute: 'expiresAt',
};
