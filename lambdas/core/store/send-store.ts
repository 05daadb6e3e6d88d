import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { BATCH_INDEX } from '../../contract/table-schema.js';
import { retryLeftovers } from '../async/retry-leftovers.js';
import { chunksOf, runBounded } from '../async/run-bounded.js';
import { RETRIES_EXHAUSTED } from '../domain/retries-exhausted.js';
import { factReplaces, type SendEventUpdate } from '../domain/send-event-update.js';
import type { SendRecord, SendRef } from '../domain/send-record.js';
import { canTransition, type SendStatus, statusesBefore } from '../domain/send-status.js';
import { batchPut } from './batch-put.js';
import { indexedStatusOf, sendIndexKeysFor, sendKey } from './item-keys.js';
import { type Item, recordOfItem } from './item-records.js';

export interface StoreOptions {
  /** Batch writes or single updates in flight at once. */
  concurrency: number;
}

/** What a status change did: the status the send left (for the counters), or undefined when refused. */
export type Transition = { from: SendStatus } | undefined;

// Defined with the parsing of SES's events (core/domain), re-exported for the store's callers.
export type { EventFactName, SendEventUpdate } from '../domain/send-event-update.js';

/** What an event did to its send: its status before and after (the same when only a fact was kept). */
export type EventResult =
  | { kind: 'unknown' }
  | { kind: 'unchanged'; send: SendRecord }
  | { kind: 'recorded'; send: SendRecord; from: SendStatus; to: SendStatus };

/** Concurrent changes an event write tries again after (its condition names the status it read). */
const EVENT_WRITE_TRIES = 5;

/** DynamoDB's BatchGetItem limit. */
const BATCH_GET_SIZE = 100;

/** Failure messages are cut so that an ERROR send stays under 1 KB. */
const MAX_ERROR_MESSAGE = 300;

/**
 * The sends: written by the writer, claimed and settled by the sender, read by key. Status changes are
 * conditional updates: each names the statuses it may start from, so a repeated or late step is
 * refused by DynamoDB instead of moving a send backwards, and each says which status the send left, so
 * that only the write that changed a status moves a counter (counter-store.ts).
 */
export class SendStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: StoreOptions = { concurrency: 8 },
  ) {}

  /** Writes new QUEUED sends; the caller guarantees these sendIds were never written before. */
  async putNewSends(records: SendRecord[], expiresAt: number): Promise<void> {
    await batchPut(
      this.db,
      this.tableName,
      'send items',
      records.map((r) => this.itemOf(r, expiresAt)),
      this.options.concurrency,
    );
  }

  /**
   * Writes sends that do not exist yet, one conditional put each, leaving any existing send as it is
   * (it may be SENT already): for a chunk a resumed writer may have written in part. Returns the sends
   * it wrote, in the order given.
   */
  async putSendsIfAbsent(records: SendRecord[], expiresAt: number): Promise<SendRecord[]> {
    const written = await runBounded(records, this.options.concurrency, async (r) => {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: this.itemOf(r, expiresAt),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    });
    return records.filter((_, i) => written[i]);
  }

  private itemOf(r: SendRecord, expiresAt: number): Item {
    return {
      ...sendKey(r.sendId),
      type: 'send',
      ...r,
      expiresAt,
      ...sendIndexKeysFor(r.status, r.batchId, r.sendId, r.createdAt),
    };
  }

  async getSend(sendId: string): Promise<SendRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: sendKey(sendId) }));
    return out.Item ? recordOfItem<SendRecord>(out.Item) : undefined;
  }

  /** Sends by id, in no particular order; ids with no send are left out. */
  async getSends(sendIds: readonly string[]): Promise<SendRecord[]> {
    const found: SendRecord[] = [];
    await runBounded(chunksOf([...new Set(sendIds)], BATCH_GET_SIZE), this.options.concurrency, (ids) =>
      retryLeftovers(
        'send reads',
        ids.map((id) => sendKey(id)),
        async (keys) => {
          const out = await this.db.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
          );
          for (const item of out.Responses?.[this.tableName] ?? [])
            found.push(recordOfItem<SendRecord>(item));
          return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
        },
      ),
    );
    return found;
  }

  /**
   * Takes the send for delivery: from QUEUED, from SENDING when the previous claim's lease has run out,
   * and from ERROR "retries exhausted" (an operator redrove its message from the DLQ: see
   * send-status.ts). Returns the claimed send and the status it left, or undefined when it is not
   * claimable (SENT, rejected for good, under a live lease, or unknown).
   */
  async claim(
    ref: SendRef,
    leaseId: string,
    now: Date,
    leaseMs: number,
  ): Promise<{ send: SendRecord; from: SendStatus } | undefined> {
    // DynamoDB refuses a value no expression uses: each claim passes only its own.
    const values: Item = {
      ':sending': 'SENDING',
      ':now': now.toISOString(),
      ':lease': leaseId,
      ':until': now.getTime() + leaseMs,
      ':createdAt': ref.createdAt,
      ':one': 1,
    };
    const claimed =
      // QUEUED and SENDING share an index key: the usual claim writes the send item only.
      (await this.claimIf(ref, '#status = :queued OR (#status = :sending AND leaseUntil < :nowMs)', '', {
        ...values,
        ':queued': 'QUEUED',
        ':nowMs': now.getTime(),
      })) ??
      // A redriven send leaves ERROR: its index key moves back to the open sends.
      (await this.claimIf(ref, '#status = :error AND errorCode = :exhausted', ', #sort = :openSort', {
        ...values,
        ':error': 'ERROR',
        ':exhausted': RETRIES_EXHAUSTED.code,
        ':openSort': sendIndexKeysFor('SENDING', ref.batchId, ref.sendId, ref.createdAt)[BATCH_INDEX.sort],
      }));
    return claimed;
  }

  private async claimIf(
    ref: SendRef,
    statusCondition: string,
    extraSet: string,
    values: Item,
  ): Promise<{ send: SendRecord; from: SendStatus } | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(ref.sendId),
          UpdateExpression: `SET #status = :sending, updatedAt = :now, leaseId = :lease, leaseUntil = :until${extraSet} ADD attempts :one`,
          ConditionExpression: `createdAt = :createdAt AND (${statusCondition})`,
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(extraSet.includes('#sort') ? { '#sort': BATCH_INDEX.sort } : {}),
          },
          ExpressionAttributeValues: values,
          // The item before the claim: its status is what the counters move from.
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (!out.Attributes) return undefined;
      const before = recordOfItem<SendRecord>(out.Attributes);
      const send: SendRecord = {
        ...before,
        status: 'SENDING',
        updatedAt: String(values[':now']),
        leaseId: String(values[':lease']),
        leaseUntil: Number(values[':until']),
        attempts: (before.attempts ?? 0) + 1,
      };
      return { send, from: before.status };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Records SES's acceptance; only the holder of the claim can. Returns the status left (SENDING), or
   * undefined if the claim was lost. A dry run records `dryRun: true` with its synthetic message id.
   */
  markSent(
    ref: SendRef,
    leaseId: string,
    sesMessageId: string,
    now: Date,
    options: { dryRun?: boolean } = {},
  ): Promise<Transition> {
    return this.transition(ref, 'SENT', now, {
      set: { sesMessageId, sentAt: now.toISOString(), ...(options.dryRun ? { dryRun: true } : {}) },
      // The transient errors before this success are history, not the send's state.
      remove: ['leaseUntil', 'errorCode', 'errorMessage'],
      leaseId,
    });
  }

  /**
   * Moves the send to ERROR. With a leaseId only the holder of that claim can; without one (a dead
   * letter, the sweeper giving up) any send not yet SENT or ERROR is moved.
   */
  markError(
    ref: SendRef,
    error: { code: string; message: string },
    now: Date,
    leaseId?: string,
  ): Promise<Transition> {
    return this.transition(ref, 'ERROR', now, {
      set: { errorCode: error.code, errorMessage: error.message.slice(0, MAX_ERROR_MESSAGE) },
      remove: ['leaseUntil'],
      ...(leaseId === undefined ? {} : { leaseId }),
    });
  }

  /**
   * Ends the send SUPPRESSED without an SES call: its address is on the suppression list. With a leaseId
   * only the holder of that claim can (the sender); without one, any send not claimed yet.
   */
  markSuppressed(ref: SendRef, reason: string, now: Date, leaseId?: string): Promise<Transition> {
    return this.transition(ref, 'SUPPRESSED', now, {
      set: { suppressedReason: reason },
      remove: ['leaseUntil'],
      ...(leaseId === undefined ? {} : { leaseId }),
    });
  }

  /**
   * Ends the send CANCELLED without an SES call: its batch was cancelled. Taken from QUEUED, and from
   * SENDING only by the holder of the claim (`leaseId`) or once the claim's lease has run out: a sender
   * in the middle of its SES call keeps the send, and records what SES answered.
   */
  async markCancelled(ref: SendRef, now: Date, leaseId?: string): Promise<Transition> {
    const values: Item = {
      ':to': 'CANCELLED',
      ':now': now.toISOString(),
      ':nowMs': now.getTime(),
      ':createdAt': ref.createdAt,
      ':queued': 'QUEUED',
      ':sending': 'SENDING',
      ':sort': sendIndexKeysFor('CANCELLED', ref.batchId, ref.sendId, ref.createdAt)[BATCH_INDEX.sort],
    };
    let claimHeld = 'leaseUntil < :nowMs';
    if (leaseId !== undefined) {
      values[':lease'] = leaseId;
      claimHeld = `${claimHeld} OR leaseId = :lease`;
    }
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(ref.sendId),
          UpdateExpression: 'SET #status = :to, updatedAt = :now, #sort = :sort REMOVE leaseUntil',
          ConditionExpression: `createdAt = :createdAt AND (#status = :queued OR (#status = :sending AND (${claimHeld})))`,
          ExpressionAttributeNames: { '#status': 'status', '#sort': BATCH_INDEX.sort },
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return { from: out.Attributes?.status as SendStatus };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Writes what one SES event says about a send: its fact, and its status when the rank allows (send-status.ts).
   * The send is read first (its batch and createdAt place its index entry), then written with a
   * condition on the status it was read in, so a concurrent change (the sender's SENT, another event)
   * makes this read and decide again rather than overwrite it; the fact's condition does the same for a
   * concurrent event that wrote only a fact. Which of two facts of one name stays is the domain's rule
   * (send-event-update.ts, factReplaces): a repeated or late event leaves the status and the facts as
   * they are, `unchanged`, nothing written.
   *
   * `known`: the send as an earlier event of the same invocation left it (its Send event before its
   * Delivery, say), taken instead of the first read. It is only a guess: the write's conditions hold it
   * to what the item is, and a send that changed since is read and decided again.
   */
  async recordEvent(
    sendId: string,
    update: SendEventUpdate,
    now: Date,
    known?: SendRecord,
  ): Promise<EventResult> {
    for (let attempt = 1; ; attempt++) {
      let send: SendRecord;
      if (attempt === 1 && known !== undefined && known.sendId === sendId) {
        send = known;
      } else {
        const out = await this.db.send(
          new GetCommand({ TableName: this.tableName, Key: sendKey(sendId), ConsistentRead: true }),
        );
        if (!out.Item) return { kind: 'unknown' };
        send = recordOfItem<SendRecord>(out.Item);
      }
      const to =
        update.status !== undefined && canTransition(send.status, update.status) ? update.status : undefined;
      const fact = update.fact;
      const kept = fact === undefined ? undefined : send[fact.name];
      const keepsFact = fact !== undefined && factReplaces(fact, kept);
      if (to === undefined && !keepsFact) return { kind: 'unchanged', send };
      // What the event changes, once: it is written, and it is what the send is afterwards (`written`).
      const changed: Partial<Record<keyof SendRecord, unknown>> = { updatedAt: now.toISOString() };
      const removed: (keyof SendRecord)[] = [];
      if (keepsFact && fact) changed[fact.name] = fact.value;
      if (to !== undefined) {
        changed.status = to;
        if (send.sesMessageId === undefined) changed.sesMessageId = update.sesMessageId;
        if (send.sentAt === undefined) changed.sentAt = update.sentAt;
        // SES has the mail: the sender's claim, if it is still held, has nothing left to do.
        if (send.status === 'SENDING') removed.push('leaseUntil', 'errorCode', 'errorMessage');
      }
      const entries = Object.entries(changed);
      const names: Record<string, string> = { '#status': 'status' };
      const values: Item = { ':read': send.status };
      const sets = entries.map(([name, value], i) => {
        names[`#c${i}`] = name;
        values[`:c${i}`] = value;
        return `#c${i} = :c${i}`;
      });
      let condition = '#status = :read';
      if (keepsFact && fact) {
        names['#fact'] = fact.name;
        // The fact as read, so that a concurrent event's fact (same status, another invocation) makes this
        // one read and decide again instead of overwriting it.
        // A kept fact is told by its time (the fact itself for the first-open and first-click times).
        if (kept === undefined) {
          condition += ' AND attribute_not_exists(#fact)';
        } else if (typeof kept === 'string') {
          values[':kept'] = kept;
          condition += ' AND #fact = :kept';
        } else {
          names['#factAt'] = 'at';
          values[':kept'] = kept.at;
          condition += ' AND #fact.#factAt = :kept';
        }
      }
      if (to !== undefined && indexedStatusOf(send.status) !== indexedStatusOf(to)) {
        names['#sort'] = BATCH_INDEX.sort;
        values[':sort'] = sendIndexKeysFor(to, send.batchId, send.sendId, send.createdAt)[BATCH_INDEX.sort];
        sets.push('#sort = :sort');
      }
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: sendKey(sendId),
            UpdateExpression: `SET ${sets.join(', ')}${removed.length ? ` REMOVE ${removed.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException && attempt < EVENT_WRITE_TRIES) continue;
        throw error;
      }
      const written = { ...send, ...changed } as SendRecord;
      for (const name of removed) delete written[name];
      return to === undefined
        ? { kind: 'unchanged', send: written }
        : { kind: 'recorded', send: written, from: send.status, to };
    }
  }

  /**
   * Notes that the recipient unsubscribed through this send's link. Returns true the first time only:
   * what the batch's `unsubscribed` count moves by.
   */
  async markUnsubscribed(sendId: string, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(sendId),
          UpdateExpression: 'SET unsubscribedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(unsubscribedAt)',
          ExpressionAttributeValues: { ':now': now.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Gives up a claim after a transient failure, so that the next delivery can claim the send at once. */
  async releaseClaim(
    ref: SendRef,
    leaseId: string,
    error: { code: string; message: string },
    now: Date,
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(ref.sendId),
          UpdateExpression:
            'SET leaseUntil = :expired, updatedAt = :now, errorCode = :code, errorMessage = :message',
          ConditionExpression: '#status = :sending AND leaseId = :lease',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':expired': 0,
            ':now': now.toISOString(),
            ':sending': 'SENDING',
            ':lease': leaseId,
            ':code': error.code,
            ':message': error.message.slice(0, MAX_ERROR_MESSAGE),
          },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  /**
   * Notes that the sweeper put an open send back on the queue (its message had expired, or the queue
   * was lost): the send's own status does not change.
   */
  async markRequeued(ref: SendRef, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(ref.sendId),
          UpdateExpression: 'SET requeuedAt = :now',
          ConditionExpression: '#status IN (:queued, :sending)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':now': now.toISOString(),
            ':queued': 'QUEUED',
            ':sending': 'SENDING',
          },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /**
   * One forward status change, conditioned on the send being in a status that may precede `to` (and on
   * holding the claim when a leaseId is given). Returns the status the send left, or undefined when the
   * condition refused the change.
   */
  private async transition(
    ref: SendRef,
    to: SendStatus,
    now: Date,
    extra: { set?: Item; remove?: string[]; leaseId?: string },
  ): Promise<Transition> {
    const from = statusesBefore(to);
    const values: Item = { ':to': to, ':now': now.toISOString(), ':createdAt': ref.createdAt };
    const sets = ['#status = :to', 'updatedAt = :now'];
    // The index key moves only when the indexed status changes (SENDING → SENT does; QUEUED → SENDING not).
    if (from.some((status) => indexedStatusOf(status) !== indexedStatusOf(to))) {
      sets.push('#sort = :sort');
      values[':sort'] = sendIndexKeysFor(to, ref.batchId, ref.sendId, ref.createdAt)[BATCH_INDEX.sort];
    }
    for (const [name, value] of Object.entries(extra.set ?? {})) {
      sets.push(`${name} = :set_${name}`);
      values[`:set_${name}`] = value;
    }
    const fromNames = from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    let condition = `createdAt = :createdAt AND #status IN (${fromNames.join(', ')})`;
    if (extra.leaseId !== undefined) {
      condition += ' AND leaseId = :lease';
      values[':lease'] = extra.leaseId;
    }
    const remove = extra.remove?.length ? ` REMOVE ${extra.remove.join(', ')}` : '';
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sendKey(ref.sendId),
          UpdateExpression: `SET ${sets.join(', ')}${remove}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(sets.includes('#sort = :sort') ? { '#sort': BATCH_INDEX.sort } : {}),
          },
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return { from: out.Attributes?.status as SendStatus };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
