import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_INDEX } from '../../lambdas/contract/table-schema.js';
import { runBounded } from '../../lambdas/core/async/run-bounded.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import { SEND_STATUSES, type SendStatus } from '../../lambdas/core/domain/send-status.js';
import { BatchReconciler } from '../../lambdas/core/store/batch-progress.js';
import { CountedSends } from '../../lambdas/core/store/counted-sends.js';
import { CounterStore } from '../../lambdas/core/store/counter-store.js';
import { SendReader } from '../../lambdas/core/store/send-reader.js';
import { type SweepSettings, sweepBatches } from '../../lambdas/sweeper/sweep-batches.js';
import { localClients } from '../../local/local-clients.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { csvText, moveSend, REJECTED, type UploadedBatch, uploadAt } from '../helpers/campaign-fixtures.js';
import {
  dataOf,
  type GraphqlQuery,
  type GraphqlResult,
  graphqlOver,
  newestFirst,
  walkPages,
} from '../helpers/graphql-client.js';
import { RETENTION_SECONDS, storesOf } from '../helpers/send-pipeline.js';
import { queuedSend, refOf } from '../helpers/send-records.js';

/**
 * The query side against the emulators: three lists uploaded on each of three days (nine batches), and a
 * tenth uploaded in the same millisecond as one of them, each with four sends in each status, made by
 * the upload, the writer and the sender's status changes. Every filter combination has something to
 * include and something to leave out.
 */
const DAYS = ['2026-11-18', '2026-11-19', '2026-11-20'];
const LISTS = ['a', 'b', 'c'];
const PER_STATUS = 4;
const PER_BATCH = PER_STATUS * SEND_STATUSES.length;
/** The status the fixture gives the i-th row of every batch. */
const statusOfRow = (i: number): SendStatus => SEND_STATUSES[i % SEND_STATUSES.length] ?? 'QUEUED';

let aws: TestAws;
let query: GraphqlQuery;
/** The fixture's batches by name (`a-2026-11-18`, …, `twin`). */
const batches = new Map<string, UploadedBatch>();
/** Every send the tests made, by id: what `current()` reads back by key. */
const sendIds: string[] = [];
/** Every DynamoDB command the handler and the stores sent, with its input. */
const commands: { name: string; input: Record<string, unknown>; count?: number }[] = [];

const batchOf = (name: string): UploadedBatch => {
  const batch = batches.get(name);
  if (!batch) throw new Error(`no batch ${name} in the fixture`);
  return batch;
};

/** The sends as they are now, read by key (not through the index the queries use). */
async function current(): Promise<SendRecord[]> {
  return storesOf(aws).sends.getSends(sendIds);
}

/** Uploads rows `s0…` with the fixture's subjects, then moves row i to statusOfRow(i) a minute later. */
async function fixtureBatch(at: Date, rows: number, status = statusOfRow): Promise<UploadedBatch> {
  const emails = Array.from({ length: rows }, (_, i) => `s${i}@example.com`);
  const batch = await uploadAt(
    aws,
    csvText([['email', 'subject', 'content'], ...emails.map((e, i) => [e, `Subject ${i}`, 'Hello'])]),
    at,
    { fileName: `list-${at.toISOString().slice(0, 10)}.csv` },
  );
  const written = await storesOf(aws).sends.getSends(emails.map((e) => sendIdFor(batch.batchId, e)));
  const moveAt = new Date(at.getTime() + 60_000);
  // As senders do: several sends at once.
  await Promise.all(written.map((send) => moveSend(aws, send, status(emails.indexOf(send.email)), moveAt)));
  sendIds.push(...written.map((s) => s.sendId));
  return batch;
}

/** The partitions of batch_index that the Queries since `from` (an index into `commands`) read. */
function queriedPartitions(from: number): string[] {
  return commands.slice(from).flatMap(({ name, input }) => {
    if (name !== 'QueryCommand') return [];
    const value = (input.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[':pk'];
    const partition = typeof value === 'object' && value !== null ? (value as { S?: string }).S : value;
    return typeof partition === 'string' ? [partition] : [];
  });
}

beforeAll(async () => {
  aws = await startTestAws();
  aws.clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const command: (typeof commands)[number] = {
        name: String(context.commandName),
        input: args.input as Record<string, unknown>,
      };
      commands.push(command);
      const result = await next(args);
      // How many items a Query read (and was billed for).
      const { Count } = result.output as { Count?: number };
      if (Count !== undefined) command.count = Count;
      return result;
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  query = await graphqlOver(aws);
  const named = DAYS.flatMap((day, d) =>
    LISTS.map((list, l) => ({ name: `${list}-${day}`, at: new Date(`${day}T1${l}:0${d}:00.000Z`) })),
  );
  // Uploaded in the same millisecond as c-2026-11-20: pages merge the two batches' sends by sendId.
  named.push({ name: 'twin', at: new Date('2026-11-20T12:02:00.000Z') });
  await runBounded(named, 4, async ({ name, at }) => {
    batches.set(name, await fixtureBatch(at, PER_BATCH));
  });
  expect(batchOf('twin').createdAt).toBe(batchOf('c-2026-11-20').createdAt);
  // Ten uploads and 120 status changes take a while on a slow machine that runs another test file.
}, 120_000);
afterAll(() => aws.stop());

const ids = (sends: { sendId: string }[]) => sends.map((s) => s.sendId);
const newest = (sends: SendRecord[]) => ids(newestFirst(sends, (s) => s.sendId));

describe('emailSends', () => {
  it('answers the query our users already run, unchanged', async () => {
    const result = await query(
      'query MyQuery { emailSends(status: "SENT") { sendId batchId email subject status createdAt } }',
    );
    expect(result.errors).toBeUndefined();
    const sends = dataOf<SendRecord[]>(result, 'emailSends');
    const expected = newestFirst(
      (await current()).filter((s) => s.status === 'SENT'),
      (s) => s.sendId,
    );
    expect(ids(sends)).toEqual(ids(expected));
    expect(sends[0]).toEqual({
      sendId: expected[0]?.sendId,
      batchId: expected[0]?.batchId,
      email: expected[0]?.email,
      subject: expected[0]?.subject,
      status: 'SENT',
      createdAt: expected[0]?.createdAt,
    });
  });

  // `size`: how many sends of the fixture the filter keeps, so that no case passes by matching none.
  const cases: { name: string; args: () => string; match: (s: SendRecord) => boolean; size: number }[] = [
    // 10 batches × 4.
    { name: 'a status', args: () => 'status: "ERROR"', match: (s) => s.status === 'ERROR', size: 40 },
    // QUEUED and SENDING share the index's OPEN entries: each is told apart by the send's own status.
    { name: 'QUEUED alone', args: () => 'status: "queued"', match: (s) => s.status === 'QUEUED', size: 40 },
    {
      name: 'SENDING alone',
      args: () => 'status: "Sending"',
      match: (s) => s.status === 'SENDING',
      size: 40,
    },
    {
      name: 'a batch',
      args: () => `batchId: "${batchOf('b-2026-11-19').batchId}"`,
      match: (s) => s.batchId === batchOf('b-2026-11-19').batchId,
      size: PER_BATCH,
    },
    // DELIVERED shares SENT's index entries: each is told apart by the send's own status.
    {
      name: 'DELIVERED alone',
      args: () => 'status: "delivered"',
      match: (s) => s.status === 'DELIVERED',
      size: 40,
    },
    { name: 'BOUNCED', args: () => 'status: "BOUNCED"', match: (s) => s.status === 'BOUNCED', size: 40 },
    {
      name: 'a batch and a status',
      args: () => `batchId: "${batchOf('c-2026-11-18').batchId}", status: "QUEUED"`,
      match: (s) => s.batchId === batchOf('c-2026-11-18').batchId && s.status === 'QUEUED',
      size: 4,
    },
    {
      name: 'a status and a date range',
      args: () => 'status: "SENT", from: "2026-11-19T00:00:00Z", to: "2026-11-19T23:59:59Z"',
      match: (s) => s.status === 'SENT' && s.createdAt.startsWith('2026-11-19'),
      // 3 batches × 4.
      size: 12,
    },
    {
      name: 'a batch, a status and a date range',
      args: () =>
        `batchId: "${batchOf('a-2026-11-20').batchId}", status: "SENDING", from: "2026-11-20T00:00:00Z"`,
      match: (s) => s.batchId === batchOf('a-2026-11-20').batchId && s.status === 'SENDING',
      size: 4,
    },
    {
      name: 'a date range alone',
      args: () => 'from: "2026-11-18T00:00:00Z", to: "2026-11-18T23:59:59.999Z"',
      match: (s) => s.createdAt.startsWith('2026-11-18'),
      // 3 batches × PER_BATCH.
      size: 3 * PER_BATCH,
    },
    {
      name: 'two batches uploaded in the same millisecond',
      args: () => `from: "${batchOf('twin').createdAt}", to: "${batchOf('twin').createdAt}"`,
      match: (s) => s.createdAt === batchOf('twin').createdAt,
      size: 2 * PER_BATCH,
    },
  ];
  it.each(cases)('returns exactly the sends of $name, newest first', async ({ args, match, size }) => {
    const result = await query(`{ emailSends(${args()}, limit: 1000) { sendId status } }`);
    expect(result.errors).toBeUndefined();
    const expected = newest((await current()).filter(match));
    expect(expected).toHaveLength(size);
    expect(ids(dataOf<{ sendId: string }[]>(result, 'emailSends'))).toEqual(expected);
  });

  it('returns every send, newest first, without any filter', async () => {
    const result = await query('{ emailSends(limit: 1000) { sendId } }');
    const expected = newest(await current());
    expect(expected).toHaveLength(10 * PER_BATCH);
    expect(ids(dataOf<{ sendId: string }[]>(result, 'emailSends'))).toEqual(expected);
  });

  it('returns the newest `limit` sends', async () => {
    const result = await query('{ emailSends(status: "SENT", limit: 5) { sendId } }');
    const expected = newest((await current()).filter((s) => s.status === 'SENT')).slice(0, 5);
    expect(ids(dataOf<{ sendId: string }[]>(result, 'emailSends'))).toEqual(expected);
  });

  it('refuses an unknown status, naming the argument and the allowed values', async () => {
    const result = await query('{ emailSends(status: "OPENED") { sendId } }');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'status' });
    expect(result.errors?.[0]?.message).toMatch(
      /QUEUED, SENDING, SENT, DELIVERED, BOUNCED, COMPLAINED, REJECTED, SUPPRESSED, CANCELLED, ERROR/,
    );
  });

  it('refuses PENDING, a status no send is in any more (a send is queued as it is written)', async () => {
    const result = await query('{ emailSends(status: "PENDING") { sendId } }');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'status' });
    expect(result.errors?.[0]?.message).toBe(
      'Argument "status" must be one of QUEUED, SENDING, SENT, DELIVERED, BOUNCED, COMPLAINED, REJECTED, SUPPRESSED, CANCELLED, ERROR (any case); got "PENDING".',
    );
  });
});

describe('emailSendsPage', () => {
  const pageOf = (result: GraphqlResult) =>
    dataOf<{ items: { sendId: string }[]; nextCursor: string | null }>(result, 'emailSendsPage');
  const walk = (args: string, first: number, between?: (pageNo: number) => Promise<void>) =>
    walkPages(
      query,
      `query($after: String) { emailSendsPage(${args}, first: ${first}, after: $after) { items { sendId } nextCursor } }`,
      pageOf,
      between ? { between } : {},
    );

  it.each([
    ['status', () => 'status: "SENT"', (s: SendRecord) => s.status === 'SENT'],
    ['status of the open sends', () => 'status: "QUEUED"', (s: SendRecord) => s.status === 'QUEUED'],
    [
      'batch',
      () => `batchId: "${batchOf('b-2026-11-20').batchId}"`,
      (s: SendRecord) => s.batchId === batchOf('b-2026-11-20').batchId,
    ],
    [
      'date range',
      () => 'from: "2026-11-19T00:00:00Z", to: "2026-11-19T23:59:59Z"',
      (s: SendRecord) => s.createdAt.startsWith('2026-11-19'),
    ],
  ])('visits every send matching a %s exactly once, in order, page by page', async (_, args, match) => {
    const expected = newest((await current()).filter(match));
    expect(expected.length).toBeGreaterThan(7);
    expect(ids(await walk(args(), 7))).toEqual(expected);
  });

  it('gives exact cursors across batches and across two batches of one millisecond', async () => {
    // Pages of 6 over the 4 × PER_BATCH sends of 2026-11-20: page boundaries fall inside batches and inside the twins.
    const expected = newest((await current()).filter((s) => s.createdAt.startsWith('2026-11-20')));
    expect(expected).toHaveLength(4 * PER_BATCH);
    expect(ids(await walk('from: "2026-11-20", to: "2026-11-20"', 6))).toEqual(expected);
  });

  it('visits every send of a batch exactly once while its sends change status between pages', async () => {
    const batch = await fixtureBatch(new Date('2026-11-17T08:00:00.000Z'), 12, () => 'QUEUED');
    const original = newest((await current()).filter((s) => s.batchId === batch.batchId));
    const later = new Date('2026-11-17T09:00:00.000Z');
    // After each page, the three newest sends still QUEUED move on (OPEN → SENT or ERROR in the index).
    const seen = await walk(`batchId: "${batch.batchId}"`, 4, async () => {
      const queued = newestFirst(
        (await current()).filter((s) => s.batchId === batch.batchId && s.status === 'QUEUED'),
        (s) => s.sendId,
      );
      for (const [i, send] of queued.slice(0, 3).entries()) {
        await moveSend(aws, send, i === 2 ? 'ERROR' : 'SENT', later);
      }
    });
    expect(ids(seen)).toEqual(original);
  });

  it('still visits every original send exactly once while new batches keep arriving', async () => {
    const original = newest((await current()).filter((s) => s.status === 'SENT'));
    // A batch uploaded after the walk began sorts above every page already given: the walk ends without it.
    const seen = await walk('status: "SENT"', 13, async (pageNo) => {
      await fixtureBatch(new Date(Date.UTC(2026, 11, 1, 0, 0, pageNo)), 4, () => 'SENT');
    });
    expect(ids(seen)).toEqual(original);
  });

  it('refuses a cursor used with other filters, or tampered with', async () => {
    const first = await query('{ emailSendsPage(status: "SENT", first: 2) { nextCursor } }');
    const cursor = dataOf<{ nextCursor: string }>(first, 'emailSendsPage').nextCursor;
    const other = await query(
      'query($c: String) { emailSendsPage(status: "ERROR", first: 2, after: $c) { nextCursor } }',
      { c: cursor },
    );
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    const forged = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`;
    const tampered = await query(
      'query($c: String) { emailSendsPage(status: "SENT", first: 2, after: $c) { nextCursor } }',
      { c: forged },
    );
    expect(tampered.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });

  it('reads batch_index and items by key for a page across batches, never the table at large', async () => {
    const from = commands.length;
    for (const text of [
      '{ emailSendsPage(status: "ERROR", first: 30) { items { sendId } } }',
      '{ emailSendsPage(first: 30) { items { sendId } } }',
      '{ emailSends(from: "2026-11-19", to: "2026-11-19") { sendId } }',
    ]) {
      expect((await query(text)).errors, text).toBeUndefined();
    }
    const used = commands.slice(from);
    const names = new Set(used.map((c) => c.name));
    expect(names).toContain('QueryCommand');
    expect(names).toContain('BatchGetItemCommand');
    // GetItem: the writer states of the batches, and the API key check when its cache is cold.
    for (const name of names)
      expect(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand']).toContain(name);
    const queries = used.filter((c) => c.name === 'QueryCommand');
    expect(queries.every((c) => c.input.IndexName === BATCH_INDEX.name)).toBe(true);
  });
});

describe('a page of a large batch', () => {
  /** Index entries the Queries since `from` read. */
  const entriesRead = (from: number) =>
    commands.slice(from).reduce((sum, c) => sum + (c.name === 'QueryCommand' ? (c.count ?? 0) : 0), 0);

  /** A batch of `size` sends as the writer writes them, in the fixture's mix of statuses. */
  async function writtenBatch(batchId: string, size: number): Promise<void> {
    const createdAt = '2026-11-16T08:00:00.000Z';
    const statuses: SendStatus[] = ['SENT', 'SENT', 'ERROR', 'QUEUED'];
    const records = Array.from({ length: size }, (_, i) =>
      queuedSend(batchId, `p${i}@example.com`, {
        createdAt,
        status: statuses[i % statuses.length] ?? 'SENT',
      }),
    );
    await storesOf(aws).sends.putNewSends(
      records,
      Math.floor(Date.parse(createdAt) / 1000) + RETENTION_SECONDS,
    );
  }

  it.each([
    ['every status', ''],
    ['one status', 'status: "SENT", '],
  ])(
    'reads about as many index entries for a page of a 4,000-send batch as of a 1,000-send batch (%s)',
    async (_, status) => {
      // Batches without a record: listed by no query across batches, read only by their id here.
      await writtenBatch('page-cost-small', 1000);
      await writtenBatch('page-cost-large', 4000);
      const read = async (batchId: string) => {
        const from = commands.length;
        const page = await query(
          `query($id: String) { emailSendsPage(${status}batchId: $id, first: 100) { items { sendId } } }`,
          { id: batchId },
        );
        expect(dataOf<{ items: unknown[] }>(page, 'emailSendsPage').items).toHaveLength(100);
        return entriesRead(from);
      };
      const small = await read('page-cost-small');
      const large = await read('page-cost-large');
      // Each shard's stream first reads twice its share of the page, not a whole page (a page from each
      // of the 24 streams of a batch would be 2,424 entries).
      expect(large).toBeLessThanOrEqual(small * 1.25);
      expect(large).toBeLessThan(808);
    },
  );
});

describe('batch', () => {
  const COUNTS = 'counts { pending queued sending sent error }';

  it('gives the batch with its total, its counts per status from its counters, and where its writer is', async () => {
    const batch = batchOf('c-2026-11-18');
    const result = await query(
      `query($id: String!) { batch(batchId: $id) { batchId createdAt fileName total finished countsExact ${COUNTS}
        writing { state rowsWritten runs error { code } } } }`,
      { id: batch.batchId },
    );
    expect(dataOf(result, 'batch')).toEqual({
      batchId: batch.batchId,
      createdAt: '2026-11-18T12:00:00.000Z',
      fileName: 'list-2026-11-18.csv',
      total: PER_BATCH,
      finished: false,
      countsExact: false,
      // PENDING is gone: the deprecated field stays for queries written before, always 0.
      counts: { pending: 0, queued: PER_STATUS, sending: PER_STATUS, sent: PER_STATUS, error: PER_STATUS },
      writing: { state: 'READY', rowsWritten: PER_BATCH, runs: 1, error: null },
    });
  });

  it('is null for a batch that does not exist', async () => {
    const result = await query('{ batch(batchId: "no-such-batch") { batchId } }');
    expect(result).toEqual({ data: { batch: null } });
  });

  it('counts follow a send as it moves on, once however often its message is delivered', async () => {
    const batch = batchOf('c-2026-11-19');
    const countsOf = async () =>
      dataOf<{ counts: unknown }>(
        await query(`query($id: String!) { batch(batchId: $id) { ${COUNTS} } }`, { id: batch.batchId }),
        'batch',
      ).counts;
    const send = (await current()).find((s) => s.batchId === batch.batchId && s.status === 'QUEUED');
    if (!send) throw new Error('fixture has no QUEUED send in c-2026-11-19');
    const { counted } = storesOf(aws);
    const now = new Date('2026-11-19T13:00:00.000Z');
    expect(await counted.claim(refOf(send), 'lease-1', now, 60_000)).toMatchObject({
      sendId: send.sendId,
      status: 'SENDING',
      attempts: 1,
    });
    const claimed = { pending: 0, queued: 3, sending: 5, sent: 4, error: 4 };
    expect(await countsOf()).toEqual(claimed);
    // A second delivery of the same message finds the send under a live lease: refused, not counted.
    expect(await counted.claim(refOf(send), 'lease-2', now, 60_000)).toBeUndefined();
    expect(await countsOf()).toEqual(claimed);
    expect(await counted.markSent(refOf(send), 'lease-1', 'ses-1', now)).toBe(true);
    expect(await counted.markSent(refOf(send), 'lease-1', 'ses-1', now)).toBe(false);
    expect(await countsOf()).toEqual({ pending: 0, queued: 3, sending: 4, sent: 5, error: 4 });
  });

  describe('once finished', () => {
    const settings: SweepSettings = {
      stalledAfterSeconds: 3600,
      maxAttempts: 3,
      maxPerRun: 100,
      retentionSeconds: RETENTION_SECONDS,
    };
    /**
     * The sweeper as its entry wires it, run on 2026-11-17 at noon: the batches these tests finish were
     * uploaded that morning and are quiet by then; the fixture's others (uploaded later) are left alone.
     */
    function sweep(now = new Date('2026-11-17T12:00:00.000Z')) {
      const { writers, counters, counted, sends, queue, writeQueue, controls } = storesOf(aws);
      return sweepBatches(
        {
          writers,
          counters,
          reconciler: new BatchReconciler(aws.clients.documents, aws.tableName),
          reader: new SendReader(aws.clients.documents, aws.tableName),
          sends: counted,
          requeued: sends,
          sendQueueFor: () => queue,
          writeQueue,
          controls,
          clock: () => now,
        },
        settings,
      );
    }
    const progressOf = async (batchId: string) =>
      dataOf(
        await query(
          `query($id: String!) { batch(batchId: $id) { finished finishedAt countsExact ${COUNTS} } }`,
          { id: batchId },
        ),
        'batch',
      );

    it('says its counts are exact once the sweeper found it finished and reconciled it', async () => {
      const batch = await fixtureBatch(new Date('2026-11-17T09:00:00.000Z'), 6, (i) =>
        i < 4 ? 'SENT' : 'ERROR',
      );
      batches.set('done', batch);
      const counts = { pending: 0, queued: 0, sending: 0, sent: 4, error: 2 };
      const finishedAt = '2026-11-17T09:01:00.000Z';
      expect(await progressOf(batch.batchId)).toEqual({
        finished: true,
        finishedAt,
        countsExact: false,
        counts,
      });
      await sweep();
      expect(await progressOf(batch.batchId)).toEqual({
        finished: true,
        finishedAt,
        countsExact: true,
        counts,
      });
    });

    it('shows counts one behind after a crash between a send write and its counter write (injected), exact once reconciled', async () => {
      const batch = await fixtureBatch(new Date('2026-11-17T10:00:00.000Z'), 2, () => 'QUEUED');
      const [lost, kept] = (await current()).filter((s) => s.batchId === batch.batchId);
      if (!lost || !kept) throw new Error('the batch has not its two sends');
      // The emulator cannot crash between two writes: a client of its own fails every counter update.
      const faulty = localClients(aws.emulators.endpoints);
      faulty.dynamodb.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'UpdateItemCommand') throw new Error('crashed before the counter');
          return next(args);
        },
        { step: 'initialize', name: 'crashBeforeCounter' },
      );
      const { sends, writers } = storesOf(aws);
      const crashing = new CountedSends(
        sends,
        new CounterStore(faulty.documents, aws.tableName),
        writers,
        RETENTION_SECONDS,
      );
      const at = new Date('2026-11-17T10:01:00.000Z');
      try {
        await moveSend(aws, kept, 'ERROR', at);
        const claimed = await storesOf(aws).counted.claim(refOf(lost), 'lease-x', at, 60_000);
        expect(claimed?.status).toBe('SENDING');
        expect(await crashing.markSent(refOf(lost), 'lease-x', 'ses-x', at)).toBe(true);
      } finally {
        faulty.destroy();
      }
      expect(await progressOf(batch.batchId)).toEqual({
        finished: false,
        finishedAt: null,
        countsExact: false,
        counts: { pending: 0, queued: 0, sending: 1, sent: 0, error: 1 },
      });
      const result = await sweep();
      expect(result.corrected).toBeGreaterThanOrEqual(1);
      expect(await progressOf(batch.batchId)).toEqual({
        finished: true,
        finishedAt: at.toISOString(),
        countsExact: true,
        counts: { pending: 0, queued: 0, sending: 0, sent: 1, error: 1 },
      });
      expect((await storesOf(aws).sends.getSend(kept.sendId))?.errorCode).toBe(REJECTED.code);
    });

    it('is skipped unread by a page of a status its counters show none of', async () => {
      const done = batchOf('done');
      const shards = (from: number) =>
        queriedPartitions(from).filter((p) => p.startsWith(`S#${done.batchId}#`));
      let from = commands.length;
      const queued = await query('{ emailSends(status: "QUEUED", limit: 1000) { sendId batchId } }');
      expect(dataOf<{ batchId: string }[]>(queued, 'emailSends').length).toBeGreaterThan(0);
      expect(shards(from)).toEqual([]);
      // The finished batch holds SENT sends: a page of SENT reads its shards.
      from = commands.length;
      const sent = await query('{ emailSends(status: "SENT", limit: 1000) { sendId batchId } }');
      const ofDone = dataOf<{ batchId: string }[]>(sent, 'emailSends').filter(
        (s) => s.batchId === done.batchId,
      );
      expect(ofDone).toHaveLength(4);
      expect(new Set(shards(from)).size).toBe(8);
    });
  });
});
