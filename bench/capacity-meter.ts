import { AsyncLocalStorage } from 'node:async_hooks';
import {
  BatchGetItemCommand,
  type DynamoDBClient,
  type KeysAndAttributes,
  QueryCommand,
  type QueryCommandInput,
  type AttributeValue as SdkAttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  indexEntryOf,
  itemSize,
  itemWriteCost,
  type RawItem,
  readUnits,
  type TableShape,
} from './capacity-units.js';
import { applyUpdate } from './update-expression.js';

/**
 * Meters for the SDK clients the stores, queues and files use in the cost bench: SDK middleware that
 * records, per call, what AWS would bill, attributed to the function (or event source) it ran for.
 *
 * The attribution is an AsyncLocalStorage scope: `billedAs('sender', () => ...)` marks every call made
 * inside (the handler's stores, its queue, its S3 reads). Calls made in the scope `BENCH` (the bench's own
 * plumbing: scans, status checks, table creation) are not recorded.
 */
const scope = new AsyncLocalStorage<string>();

/** The scope of the bench's own calls: never billed. */
export const BENCH = 'bench';

export function billedAs<T>(payer: string, work: () => Promise<T>): Promise<T> {
  return scope.run(payer, work);
}

/** Who is billed for what runs now. */
export const payerNow = () => scope.getStore() ?? 'unattributed';

/** One DynamoDB call as AWS would bill it. */
export interface DynamoCall {
  payer: string;
  /** GetItem, PutItem, UpdateItem, BatchWriteItem, BatchGetItem, Query… */
  operation: string;
  /** What the call wrote or read and how, e.g. `UpdateItem send SENDING → SENT` or `Query batch_index send shard`. */
  step: string;
  tableWriteUnits: number;
  indexWriteUnits: number;
  /** Index entries put, deleted or updated. */
  indexWrites: number;
  readUnits: number;
  /** Write units per partition key, of the table (`table`) and of each index (its name). */
  partitionWrites: { space: string; partition: string; units: number }[];
}

/** What an item is, from its key (lambdas/core/store/item-keys.ts). */
export function itemKindOf(item: RawItem | undefined): string {
  const pk = item?.pk?.S ?? '';
  const sk = item?.sk?.S ?? '';
  if (pk.startsWith('SEND#')) return 'send';
  if (pk.startsWith('BATCH#')) return sk === 'STARTED' ? 'batch start' : 'batch record';
  if (pk.startsWith('WRITER#')) return 'writer state';
  if (pk.startsWith('COUNTER#')) return 'counter shard';
  if (pk.startsWith('FILE#')) return 'file record';
  if (pk.startsWith('IDEMPOTENCY#')) return 'idempotency record';
  if (pk.startsWith('SUPPRESSION#')) return 'suppression entry';
  return pk.split('#')[0] || 'item';
}

const changed = (before: RawItem | undefined, after: RawItem | undefined, name: string) =>
  JSON.stringify(before?.[name]) !== JSON.stringify(after?.[name]);

/** What a write did to an item, in a few words: the step's name in the bench's tables. */
export function writeDetailOf(
  before: RawItem | undefined,
  after: RawItem | undefined,
  refused: boolean,
): string {
  const kind = itemKindOf(after ?? before);
  if (refused) return `${kind} (refused by its condition)`;
  if (before === undefined) return `${kind} created${after?.status?.S ? ` ${after.status.S}` : ''}`;
  if (kind === 'send' && changed(before, after, 'status')) {
    return `send ${before.status?.S} → ${after?.status?.S}`;
  }
  if (kind === 'writer state') {
    if (changed(before, after, 'chunksDone')) return 'writer state checkpoint';
    if (changed(before, after, 'state')) return `writer state → ${after?.state?.S}`;
    if (changed(before, after, 'sendingFinishedAt')) return 'writer state: batch finished';
    if (changed(before, after, 'runs')) return 'writer state claim';
    return 'writer state lease';
  }
  return `${kind} updated`;
}

/** One key at a time: a write's before and after images are read with no other write to it in between. */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(keys: string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    // Always in the same order, so that two multi-key writes cannot wait on each other.
    for (const key of [...new Set(keys)].sort()) releases.push(await this.one(key));
    return () => {
      for (const release of releases.reverse()) release();
    };
  }

  private async one(key: string): Promise<() => void> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

type Args = { input: Record<string, unknown> };

/** The SDK's own AttributeValue type is a tagged union; the shapes are the same. */
const sdk = (item: RawItem) => item as unknown as Record<string, SdkAttributeValue>;

const isConditionFailure = (error: unknown) =>
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

/**
 * Meters DynamoDB calls on a client (and every DocumentClient built on it, which shares its middleware
 * stack). The emulator reports no consumed capacity, so the meter computes the write units of the table
 * and of every index from the item before and after each write (capacity-units.ts). It keeps the image of
 * every item written through it: the image before a write is the one it kept (read from the emulator
 * through `shadow`, a client without the meter, the first time a key is met); the image after is the
 * put item, nothing for a delete, or the update expression applied to the image before
 * (update-expression.ts). Writes to one key are metered one at a time, so the images follow the
 * emulator's order, and a sample of the images after (the first `verifyFirst` writes, then one in
 * `verifyEvery`) is read back and compared: a difference stops the bench instead of skewing it. Reads are
 * sized from the same images. The middleware sits in the build step, where the document client's input
 * is already in DynamoDB's own shape.
 */
export class DynamoMeter {
  readonly calls: DynamoCall[] = [];
  private readonly locks = new KeyLocks();
  private readonly images = new Map<string, RawItem | null>();
  private writes = 0;
  /** Writes whose image after was read back from the emulator and found as computed. */
  verified = 0;

  constructor(
    private readonly shadow: DynamoDBClient,
    private readonly tableName: string,
    private readonly table: TableShape,
    private readonly verify = { first: 50, every: 100 },
  ) {}

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args as unknown as Args).input;
        const payer = payerNow();
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        if (payer === BENCH || (input.TableName !== undefined && input.TableName !== this.tableName)) {
          return next(args);
        }
        switch (operation) {
          case 'PutItem':
          case 'UpdateItem':
          case 'DeleteItem':
            return this.singleWrite(operation, payer, input, () => next(args));
          case 'BatchWriteItem':
            return this.batchWrite(payer, input, () => next(args));
          case 'GetItem':
          case 'BatchGetItem':
          case 'Query': {
            const out = await next(args);
            await this.read(operation, payer, input);
            return out;
          }
          default:
            return next(args);
        }
      },
      { step: 'build', name: 'capacityMeter', override: true },
    );
  }

  /** Clears what was recorded (between the bench's runs). */
  take(): DynamoCall[] {
    return this.calls.splice(0, this.calls.length);
  }

  private keyOf(item: RawItem): RawItem {
    const key: RawItem = {};
    for (const name of [this.table.partition, this.table.sort]) {
      if (name !== undefined && item[name] !== undefined) key[name] = item[name];
    }
    return key;
  }

  private nameOf(key: RawItem): string {
    return JSON.stringify([key[this.table.partition], this.table.sort ? key[this.table.sort] : null]);
  }

  /** The emulator's items now, read without the meter. */
  private async stored(keys: RawItem[]): Promise<Map<string, RawItem>> {
    const found = new Map<string, RawItem>();
    for (let i = 0; i < keys.length; i += 100) {
      const out = await this.shadow.send(
        new BatchGetItemCommand({
          RequestItems: { [this.tableName]: { Keys: keys.slice(i, i + 100).map(sdk), ConsistentRead: true } },
        }),
      );
      if (Object.keys(out.UnprocessedKeys ?? {}).length > 0) throw new Error('meter: unprocessed keys');
      for (const item of (out.Responses?.[this.tableName] ?? []) as RawItem[])
        found.set(this.nameOf(item), item);
    }
    return found;
  }

  /** The images of these keys as they are now: kept ones, the others read once. */
  private async imagesOf(keys: RawItem[]): Promise<(RawItem | undefined)[]> {
    const missing = keys.filter((k) => !this.images.has(this.nameOf(k)));
    if (missing.length > 0) {
      const found = await this.stored(missing);
      for (const key of missing) this.images.set(this.nameOf(key), found.get(this.nameOf(key)) ?? null);
    }
    return keys.map((k) => this.images.get(this.nameOf(k)) ?? undefined);
  }

  /** Keeps the image after a write, reading a sample back from the emulator to check it. */
  private async settle(key: RawItem, after: RawItem | undefined): Promise<void> {
    this.writes += 1;
    if (this.writes <= this.verify.first || this.writes % this.verify.every === 0) {
      const actual = (await this.stored([key])).get(this.nameOf(key));
      if (canonical(actual) !== canonical(after)) {
        throw new Error(
          `meter: computed image differs from the emulator's for ${this.nameOf(key)}:\n computed ${canonical(after)}\n stored   ${canonical(actual)}`,
        );
      }
      this.verified += 1;
    }
    this.images.set(this.nameOf(key), after ?? null);
  }

  private async singleWrite<T>(
    operation: string,
    payer: string,
    input: Record<string, unknown>,
    send: () => Promise<T>,
  ): Promise<T> {
    const attempted = operation === 'PutItem' ? (input.Item as RawItem) : undefined;
    const key = attempted ? this.keyOf(attempted) : (input.Key as RawItem);
    const release = await this.locks.acquire([this.nameOf(key)]);
    try {
      const [before] = await this.imagesOf([key]);
      try {
        const out = await send();
        let after: RawItem | undefined;
        if (operation === 'PutItem') after = attempted;
        else if (operation === 'UpdateItem') {
          after = applyUpdate(
            before,
            key,
            String(input.UpdateExpression),
            input.ExpressionAttributeNames as Record<string, string> | undefined,
            input.ExpressionAttributeValues as RawItem | undefined,
          );
        }
        await this.settle(key, after);
        this.recordWrite(operation, payer, before, after, false, 0);
        return out;
      } catch (error) {
        // A write its condition refused still costs: the item as it stands, or the item it tried to put.
        if (isConditionFailure(error))
          this.recordWrite(operation, payer, before, before, true, itemSize(attempted));
        throw error;
      }
    } finally {
      release();
    }
  }

  private async batchWrite<T>(
    payer: string,
    input: Record<string, unknown>,
    send: () => Promise<T>,
  ): Promise<T> {
    const requests =
      (
        input.RequestItems as Record<
          string,
          { PutRequest?: { Item: RawItem }; DeleteRequest?: { Key: RawItem } }[]
        >
      )[this.tableName] ?? [];
    const keys = requests.map((r) =>
      r.PutRequest ? this.keyOf(r.PutRequest.Item) : (r.DeleteRequest?.Key ?? {}),
    );
    const release = await this.locks.acquire(keys.map((k) => this.nameOf(k)));
    try {
      const before = await this.imagesOf(keys);
      const out = await send();
      const left =
        (out as { output?: { UnprocessedItems?: Record<string, unknown[]> } }).output?.UnprocessedItems?.[
          this.tableName
        ] ?? [];
      if (left.length > 0)
        throw new Error('meter: unprocessed items in a BatchWriteItem (none expected locally)');
      const after = requests.map((r) => r.PutRequest?.Item);
      for (const [i, key] of keys.entries()) await this.settle(key, after[i]);
      const costs = keys.map((_, i) => itemWriteCost(before[i], after[i], this.table));
      this.calls.push({
        payer,
        operation: 'BatchWriteItem',
        step: `BatchWriteItem ${[...new Set(keys.map((_, i) => writeDetailOf(before[i], after[i], false)))].join(', ')}`,
        tableWriteUnits: costs.reduce((sum, c) => sum + c.tableUnits, 0),
        indexWriteUnits: costs.reduce((sum, c) => sum + c.indexWrites.reduce((s, w) => s + w.units, 0), 0),
        indexWrites: costs.reduce((sum, c) => sum + c.indexWrites.length, 0),
        readUnits: 0,
        partitionWrites: costs.flatMap((c) => [
          { space: 'table', partition: c.tablePartition, units: c.tableUnits },
          ...c.indexWrites.map((w) => ({ space: w.index, partition: w.partition, units: w.units })),
        ]),
      });
      return out;
    } finally {
      release();
    }
  }

  private recordWrite(
    operation: string,
    payer: string,
    before: RawItem | undefined,
    after: RawItem | undefined,
    refused: boolean,
    attemptedBytes: number,
  ): void {
    const cost = itemWriteCost(before, after, this.table, attemptedBytes);
    this.calls.push({
      payer,
      operation,
      step: `${operation} ${writeDetailOf(before, after, refused)}`,
      tableWriteUnits: cost.tableUnits,
      indexWriteUnits: cost.indexWrites.reduce((sum, w) => sum + w.units, 0),
      indexWrites: cost.indexWrites.length,
      readUnits: 0,
      partitionWrites: [
        { space: 'table', partition: cost.tablePartition, units: cost.tableUnits },
        ...cost.indexWrites.map((w) => ({ space: w.index, partition: w.partition, units: w.units })),
      ],
    });
  }

  private async read(operation: string, payer: string, input: Record<string, unknown>): Promise<void> {
    let units = 0;
    let what = '';
    if (operation === 'GetItem') {
      const key = input.Key as RawItem;
      const [item] = await this.imagesOf([key]);
      units = readUnits(itemSize(item), input.ConsistentRead === true);
      what = itemKindOf(key);
    } else if (operation === 'BatchGetItem') {
      const request = (input.RequestItems as Record<string, KeysAndAttributes>)[this.tableName];
      const keys = (request?.Keys ?? []) as RawItem[];
      // Each item is rounded up on its own; a key with no item still costs the minimum.
      for (const item of await this.imagesOf(keys))
        units += readUnits(itemSize(item), request?.ConsistentRead === true);
      what = [...new Set(keys.map((k) => itemKindOf(k)))].join(', ');
    } else {
      const query = input as unknown as QueryCommandInput;
      if (query.FilterExpression !== undefined) throw new Error('meter: filtered queries are not sized yet');
      // The entries the query evaluated, whatever it returned (COUNT, a projection): what is billed.
      const out = await this.shadow.send(
        new QueryCommand({
          TableName: query.TableName,
          IndexName: query.IndexName,
          KeyConditionExpression: query.KeyConditionExpression,
          ExpressionAttributeNames: query.ExpressionAttributeNames,
          ExpressionAttributeValues: query.ExpressionAttributeValues,
          ExclusiveStartKey: query.ExclusiveStartKey,
          ScanIndexForward: query.ScanIndexForward,
          Limit: query.Limit,
          ConsistentRead: query.ConsistentRead,
        }),
      );
      const index = this.table.indexes.find((i) => i.name === query.IndexName);
      const bytes = ((out.Items ?? []) as RawItem[]).reduce(
        (sum, item) => sum + itemSize(index ? indexEntryOf(item, this.table, index) : item),
        0,
      );
      units = readUnits(bytes, query.ConsistentRead === true);
      const partition = Object.values(query.ExpressionAttributeValues ?? {})[0]?.S ?? '';
      what = `${query.IndexName ?? 'table'} ${partition.startsWith('S#') ? 'send shard' : partition}${query.Select === 'COUNT' ? ' (COUNT)' : ''}`;
    }
    this.calls.push({
      payer,
      operation,
      step: `${operation} ${what}`,
      tableWriteUnits: 0,
      indexWriteUnits: 0,
      indexWrites: 0,
      readUnits: units,
      partitionWrites: [],
    });
  }
}

/** An item as text with its attributes in a fixed order, numbers as DynamoDB normalises them. */
function canonical(item: RawItem | undefined): string {
  if (item === undefined) return 'absent';
  const norm = (v: AttributeValueLike): unknown => {
    if (v.N !== undefined) return { N: String(Number(v.N)) };
    if (v.M !== undefined)
      return {
        M: Object.fromEntries(
          Object.keys(v.M)
            .sort()
            .map((k) => [k, norm(v.M?.[k] ?? {})]),
        ),
      };
    if (v.L !== undefined) return { L: v.L.map(norm) };
    if (v.SS !== undefined) return { SS: [...v.SS].sort() };
    if (v.NS !== undefined) return { NS: [...v.NS].map((n) => String(Number(n))).sort() };
    return v;
  };
  return JSON.stringify(
    Object.keys(item)
      .sort()
      .map((k) => [k, norm(item[k] ?? {})]),
  );
}

type AttributeValueLike = RawItem[string];

/** One billed SQS request (a 64 KB chunk of payload counts as one request). */
export interface SqsCall {
  payer: string;
  operation: string;
  queue: string;
  requests: number;
  messages: number;
  /** A receive that returned nothing. */
  empty: boolean;
}

const SQS_CHUNK_BYTES = 64 * 1024;
const sqsRequestsOf = (payloadBytes: number) => Math.max(1, Math.ceil(payloadBytes / SQS_CHUNK_BYTES));

/** Counts the SQS requests of a client: every API action is a billed request, per started 64 KB of payload. */
export class SqsMeter {
  readonly calls: SqsCall[] = [];

  attach(client: SQSClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const payer = payerNow();
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        const input = (args as unknown as Args).input;
        const out = await next(args);
        if (payer === BENCH) return out;
        const queue =
          String(input.QueueUrl ?? '')
            .split('/')
            .pop() ?? '';
        let payload = 0;
        let messages = 0;
        let empty = false;
        if (operation === 'SendMessageBatch') {
          const entries = (input.Entries ?? []) as { MessageBody?: string }[];
          messages = entries.length;
          payload = entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ''), 0);
        } else if (operation === 'SendMessage') {
          messages = 1;
          payload = Buffer.byteLength(String(input.MessageBody ?? ''));
        } else if (operation === 'ReceiveMessage') {
          const received = (out as { output?: { Messages?: { Body?: string }[] } }).output?.Messages ?? [];
          messages = received.length;
          empty = messages === 0;
          payload = received.reduce((sum, m) => sum + Buffer.byteLength(m.Body ?? ''), 0);
        } else if (operation.endsWith('Batch')) {
          messages = ((input.Entries ?? []) as unknown[]).length;
        } else {
          messages = 1;
        }
        this.calls.push({ payer, operation, queue, requests: sqsRequestsOf(payload), messages, empty });
        return out;
      },
      { step: 'build', name: 'sqsMeter', override: true },
    );
  }

  take(): SqsCall[] {
    return this.calls.splice(0, this.calls.length);
  }
}

export interface S3Call {
  payer: string;
  operation: string;
  /** PUT-class (PUT, COPY, POST, LIST) or GET-class (GET, HEAD and the rest) request pricing. */
  tier: 'PUT' | 'GET';
  key: string;
  bytes: number;
}

const PUT_CLASS = new Set([
  'PutObject',
  'CopyObject',
  'ListObjectsV2',
  'ListObjects',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
]);

/** Counts the S3 requests of a client by pricing tier, and the bytes each PUT stores. */
export class S3Meter {
  readonly calls: S3Call[] = [];

  attach(client: S3Client): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const payer = payerNow();
        const out = await next(args);
        if (payer === BENCH) return out;
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        const input = (args as unknown as Args).input;
        const body = input.Body;
        const bytes =
          typeof body === 'string'
            ? Buffer.byteLength(body)
            : body instanceof Uint8Array
              ? body.byteLength
              : 0;
        this.calls.push({
          payer,
          operation,
          tier: PUT_CLASS.has(operation) ? 'PUT' : 'GET',
          key: String(input.Key ?? ''),
          bytes,
        });
        return out;
      },
      { step: 'build', name: 's3Meter', override: true },
    );
  }

  take(): S3Call[] {
    return this.calls.splice(0, this.calls.length);
  }
}
