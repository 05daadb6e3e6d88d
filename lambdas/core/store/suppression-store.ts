import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { retryLeftovers } from '../async/retry-leftovers.js';
import { chunksOf, runBounded } from '../async/run-bounded.js';
import type { Suppression } from '../domain/suppression.js';
import { newestEntries } from './index-keys-stream.js';
import { SUPPRESSION_LIST_PARTITION, suppressionKey, suppressionListKeysFor } from './item-keys.js';
import { type Item, recordOfItem } from './item-records.js';
import { KEY_END } from './sort-key-range.js';

/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_SIZE = 100;

export interface SuppressionPage {
  /** Newest first. */
  entries: Suppression[];
  /** Where the next page starts (the position of the last entry), when there may be more. */
  nextKey?: string;
}

/**
 * The suppression list, in the table (`SUPPRESSION#<email>`), listed newest first in batch_index's
 * `SUPPRESSIONS` partition. Addresses are looked up by key, one or a hundred per request, never scanned.
 * Entries do not expire: a complaint or an unsubscribe stands until a person removes it.
 */
export class SuppressionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly concurrency = 8,
  ) {}

  private itemOf(entry: Suppression): Item {
    return {
      ...suppressionKey(entry.email),
      type: 'suppression',
      ...entry,
      ...suppressionListKeysFor(entry.email, entry.addedAt),
    };
  }

  async get(email: string): Promise<Suppression | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: suppressionKey(email), ConsistentRead: true }),
    );
    return out.Item ? recordOfItem<Suppression>(out.Item) : undefined;
  }

  /**
   * Adds the address unless it is on the list already: the first reason stands (a complaint after a
   * hard bounce, or a repeated event, changes nothing). Returns whether it added it.
   */
  async addIfAbsent(entry: Suppression): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.itemOf(entry),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Adds the address, or replaces its entry (a person's PUT says why now). */
  async put(entry: Suppression): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.itemOf(entry) }));
  }

  /** Removes the address; returns its entry as it was, or undefined when it was not on the list. */
  async remove(email: string): Promise<Suppression | undefined> {
    const out = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: suppressionKey(email), ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes === undefined ? undefined : recordOfItem<Suppression>(out.Attributes);
  }

  /** The entries of these addresses that are on the list, by address. */
  async findMany(emails: readonly string[]): Promise<Map<string, Suppression>> {
    const found = new Map<string, Suppression>();
    await runBounded(chunksOf([...new Set(emails)], BATCH_GET_SIZE), this.concurrency, (chunk) =>
      retryLeftovers(
        'suppression reads',
        chunk.map((email) => suppressionKey(email)),
        async (keys) => {
          const out = await this.db.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
          );
          for (const item of out.Responses?.[this.tableName] ?? []) {
            const entry = recordOfItem<Suppression>(item);
            found.set(entry.email, entry);
          }
          return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
        },
      ),
    );
    return found;
  }

  /**
   * Adds the addresses not on the list yet (an import): the entries already there keep their reason.
   * Returns the addresses it added.
   */
  async addMissing(entries: readonly Suppression[]): Promise<string[]> {
    const present = await this.findMany(entries.map((e) => e.email));
    const missing = entries.filter((e) => !present.has(e.email));
    // One conditional put each, not a batch write: an event or an unsubscribe that adds an address
    // between the read above and this write keeps its own reason.
    const added = await runBounded(missing, this.concurrency, (entry) => this.addIfAbsent(entry));
    return missing.filter((_, i) => added[i]).map((e) => e.email);
  }

  /** A page of the list, newest first, below `afterKey` (a `nextKey` of the page before). */
  async page(first: number, afterKey?: string): Promise<SuppressionPage> {
    const keys: { email: string; position: string }[] = [];
    for await (const entry of newestEntries(
      this.db,
      this.tableName,
      SUPPRESSION_LIST_PARTITION,
      { upper: afterKey ?? KEY_END, upperExclusive: afterKey !== undefined },
      first + 1,
    )) {
      keys.push({ email: entry.pk.slice('SUPPRESSION#'.length), position: entry.sort });
      if (keys.length > first) break;
    }
    const shown = keys.slice(0, first);
    const read = await this.findMany(shown.map((k) => k.email));
    const entries = shown.flatMap((k) => {
      const entry = read.get(k.email);
      return entry ? [entry] : [];
    });
    const last = shown.at(-1);
    return { entries, ...(keys.length > first && last ? { nextKey: last.position } : {}) };
  }
}
