import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { fileKey } from './item-keys.js';
import { recordOfItem } from './item-records.js';

/** Which batch an uploaded file (by its SHA-256) became, and when. */
export interface FileRecord {
  sha256: string;
  batchId: string;
  uploadedAt: string;
  /** Epoch milliseconds until which the upload that registered it is still being answered. */
  answeringUntil: number;
}

/**
 * - `registered`: no batch of the last `rememberSeconds` came from this file: go on (as `batchId`).
 * - `known`: an earlier upload registered it for `record.batchId`: the caller decides whether that batch
 *   exists (a crashed upload registers a file whose batch never came about) and may take over.
 */
export type FileClaim = { kind: 'registered' } | { kind: 'known'; record: FileRecord };

/**
 * The files uploaded through the API in the last day, by their SHA-256 (`FILE#<sha256>`): the same file
 * uploaded again, a client's retry after a timeout most often, is caught before it mails everyone twice.
 * Records expire (DynamoDB TTL) after `rememberSeconds`; an expired record counts as absent at once.
 */
export class FileRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly rememberSeconds = 24 * 3600,
  ) {}

  /**
   * Registers the file for `batchId`, unless a live record has it (then says whose). With `replacing`,
   * only the record of that batch is replaced: the caller found it never became a batch.
   */
  async register(
    sha256: string,
    batchId: string,
    now: Date,
    answerMs: number,
    replacing?: string,
  ): Promise<FileClaim> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...fileKey(sha256),
            type: 'file',
            sha256,
            batchId,
            uploadedAt: now.toISOString(),
            answeringUntil: now.getTime() + answerMs,
            expiresAt: nowSeconds + this.rememberSeconds,
          },
          ConditionExpression:
            replacing === undefined
              ? 'attribute_not_exists(pk) OR expiresAt < :now'
              : 'attribute_not_exists(pk) OR expiresAt < :now OR batchId = :replacing',
          ExpressionAttributeValues: {
            ':now': nowSeconds,
            ...(replacing === undefined ? {} : { ':replacing': replacing }),
          },
        }),
      );
      return { kind: 'registered' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const record = await this.get(sha256);
    // Expired between the write and the read, or replaced by another: one more round decides.
    if (!record) return this.register(sha256, batchId, now, answerMs, replacing);
    return { kind: 'known', record };
  }

  async get(sha256: string): Promise<FileRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: fileKey(sha256), ConsistentRead: true }),
    );
    return out.Item ? recordOfItem<FileRecord>(out.Item) : undefined;
  }
}
