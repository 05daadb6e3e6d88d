import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsKeyOf } from '../../lambdas/contract/upload-object.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { type SendRecord, SUBJECT_KEPT_BYTES } from '../../lambdas/core/domain/send-record.js';
import type { SendStatus } from '../../lambdas/core/domain/send-status.js';
import { RowChunks } from '../../lambdas/core/files/row-chunks.js';
import { BatchStarts } from '../../lambdas/core/store/batch-starts.js';
import { counterShardOf } from '../../lambdas/core/store/item-keys.js';
import { createTestKey } from '../helpers/api-keys.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import {
  csvText,
  moveSend,
  putLargeFile,
  REJECTED,
  runWriter,
  type UploadedBatch,
  uploadAt,
} from '../helpers/campaign-fixtures.js';
import {
  dataOf,
  type GraphqlQuery,
  type GraphqlResult,
  graphqlOver,
  newestFirst,
  walkPages,
} from '../helpers/graphql-client.js';
import { storesOf } from '../helpers/send-pipeline.js';
import { refOf } from '../helpers/send-records.js';

/**
 * The analysts' questions against the emulators: one send and its mail (from its chunk of rows),
 * batches with their reports, their sends and when they started and finished, the list of batches, files
 * and where the writer is with them, the query limits, and proof that nothing scans.
 * Seven batches over three days, uploaded as a user uploads them, with sends in every status, a dry run,
 * HTML content with variables.
 */

let aws: TestAws;
let key: string;
let query: GraphqlQuery;
let queryProduction: GraphqlQuery;
/** Every DynamoDB and S3 command sent, by name. */
const commands: string[] = [];
const s3Commands: string[] = [];
/** Every batch of this file, as `batches` lists them. */
const listed: { batchId: string; createdAt: string }[] = [];
/** The seven batches of the fixture, `batch-0` … `batch-6`. */
const fixture = new Map<string, UploadedBatch>();
/** Their sends, as they were after the fixture moved them on. */
const sends: SendRecord[] = [];

const HTML = '<p>Hello {{first_name}}, see <a href="https://example.com/offer">the offer</a>.</p>';
const TEXT = 'Hi {{first_name}}, plain and simple.';
const DAYS = ['2026-11-16', '2026-11-17', '2026-11-18'];
/** The statuses the fixture's sends are in: where sending leaves them (SES's events are tested elsewhere). */
const SENDING_STATUSES: readonly SendStatus[] = ['QUEUED', 'SENDING', 'SENT', 'ERROR'];
const HEADER = ['email', 'subject', 'content', 'first_name'];

const batchOf = (name: string): UploadedBatch => {
  const batch = fixture.get(name);
  if (!batch) throw new Error(`no ${name} in the fixture`);
  return batch;
};
const sendOf = (name: string, i: number): SendRecord => {
  const found = sends.find((s) => s.batchId === batchOf(name).batchId && s.email === `r${i}@example.com`);
  if (!found) throw new Error(`no send r${i} in ${name}`);
  return found;
};

/** Row i of a fixture file: HTML content for every third, the first recipient's name needs escaping. */
const rowOf = (i: number) => [
  `r${i}@example.com`,
  'Offer for {{first_name}}',
  i % 3 === 0 ? HTML : TEXT,
  i === 0 ? 'Ana <b>&</b>' : `R${i}`,
];

/**
 * Ten recipients r0…r9, with an invalid address on line 4 and a duplicate of line 3 (r1) on line 7:
 * 12 rows received, 10 accepted.
 */
const fixtureCsv = () =>
  csvText([
    HEADER,
    rowOf(0),
    rowOf(1),
    ['not-an-address', 'Offer', TEXT, 'X'],
    rowOf(2),
    rowOf(3),
    rowOf(1),
    ...[4, 5, 6, 7, 8, 9].map(rowOf),
  ]);

async function upload(csv: string, at: Date, options: Parameters<typeof uploadAt>[3] = {}) {
  const batch = await uploadAt(aws, csv, at, options);
  listed.push({ batchId: batch.batchId, createdAt: batch.createdAt });
  return batch;
}

/** The sends of a batch by recipient row (`r<i>@example.com`), as written. */
async function sendsOfRows(batchId: string, rows: number): Promise<SendRecord[]> {
  const ids = Array.from({ length: rows }, (_, i) => sendIdFor(batchId, `r${i}@example.com`));
  const found = new Map((await storesOf(aws).sends.getSends(ids)).map((s) => [s.sendId, s]));
  return ids.map((id) => {
    const send = found.get(id);
    if (!send) throw new Error(`send ${id} of batch ${batchId} was not written`);
    return send;
  });
}

beforeAll(async () => {
  aws = await startTestAws();
  // Records every command, on the clients every reader and store of the handler shares.
  aws.clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      if (context.commandName === 'ScanCommand') throw new Error('a Scan was issued');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  aws.s3.client.middlewareStack.add(
    (next, context) => async (args) => {
      s3Commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  key = await createTestKey(aws, ['read']);
  query = await graphqlOver(aws, { key });
  queryProduction = await graphqlOver(aws, { key, introspection: false });

  for (let b = 0; b < 7; b++) {
    const day = DAYS[b % DAYS.length] ?? DAYS[0];
    const createdAt = new Date(`${day}T0${b}:30:00.000Z`);
    const dryRun = b === 3;
    const batch = await upload(fixtureCsv(), createdAt, { fileName: `list-${b}.csv`, dryRun });
    fixture.set(`batch-${b}`, batch);
    // batch-1 is finished (only SENT and ERROR); the others have sends in every status.
    const statusOf = (i: number): SendStatus =>
      b === 1 ? (i % 2 === 0 ? 'SENT' : 'ERROR') : (SENDING_STATUSES[i % SENDING_STATUSES.length] ?? 'SENT');
    const movedAt = new Date(createdAt.getTime() + 60_000);
    for (const [i, send] of (await sendsOfRows(batch.batchId, 10)).entries()) {
      sends.push(await moveSend(aws, send, statusOf(i), movedAt, { dryRun }));
    }
  }
});
afterAll(() => aws.stop());

describe('emailSend', () => {
  it('gives one send with its delivery record and its mail as rendered for the recipient', async () => {
    const target = sendOf('batch-0', 3);
    const result = await query(
      `query($id: String!) { emailSend(sendId: $id) {
        sendId batchId email subject status createdAt updatedAt attempts errorCode errorMessage
        sesMessageId sentAt dryRun content { subject text html } } }`,
      { id: target.sendId },
    );
    expect(dataOf(result, 'emailSend')).toEqual({
      sendId: target.sendId,
      batchId: batchOf('batch-0').batchId,
      email: 'r3@example.com',
      subject: 'Offer for {{first_name}}',
      status: 'ERROR',
      createdAt: '2026-11-16T00:30:00.000Z',
      updatedAt: '2026-11-16T00:31:00.000Z',
      attempts: 1,
      errorCode: REJECTED.code,
      errorMessage: REJECTED.message,
      sesMessageId: null,
      sentAt: null,
      dryRun: false,
      content: {
        subject: 'Offer for R3',
        html: '<p>Hello R3, see <a href="https://example.com/offer">the offer</a>.</p>',
        text: 'Hello R3, see the offer (https://example.com/offer).',
      },
    });
  });

  it('escapes variables in HTML content and renders plain-text content as text', async () => {
    const ask = (id: string) =>
      query('query($id: String!) { emailSend(sendId: $id) { content { subject text html } } }', { id });
    const html = dataOf<{ content: unknown }>(await ask(sendOf('batch-2', 0).sendId), 'emailSend');
    expect(html.content).toMatchObject({
      subject: 'Offer for Ana <b>&</b>',
      html: expect.stringContaining('Hello Ana &lt;b&gt;&amp;&lt;/b&gt;,'),
    });
    const text = dataOf<{ content: unknown }>(await ask(sendOf('batch-2', 1).sendId), 'emailSend');
    expect(text.content).toEqual({ subject: 'Offer for R1', text: 'Hi R1, plain and simple.', html: null });
  });

  it('marks a rehearsed send as a dry run', async () => {
    const dry = sendOf('batch-3', 2);
    const result = await query(
      'query($id: String!) { emailSend(sendId: $id) { dryRun status sesMessageId } }',
      {
        id: dry.sendId,
      },
    );
    expect(dataOf(result, 'emailSend')).toEqual({
      dryRun: true,
      status: 'SENT',
      sesMessageId: `dry-run-${dry.sendId}`,
    });
  });

  it('is null for an unknown send and refuses an empty id', async () => {
    expect(await query('{ emailSend(sendId: "0123456789abcdef") { sendId } }')).toEqual({
      data: { emailSend: null },
    });
    const empty = await query('{ emailSend(sendId: "") { sendId } }');
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'sendId' });
  });

  describe('a subject longer than the send item keeps', () => {
    // 60 × "Überraschung " is 780 bytes of UTF-8 (Ü is two bytes), far above the 256 the item keeps.
    const LONG = `${'Überraschung '.repeat(60)}for {{first_name}}`;
    let batch: UploadedBatch;
    let send: SendRecord;

    beforeAll(async () => {
      batch = await upload(
        csvText([HEADER, ['long@example.com', LONG, TEXT, 'Lena'], ['short@example.com', 'Hi', TEXT, 'Sam']]),
        new Date('2026-11-15T08:00:00.000Z'),
      );
      const found = await storesOf(aws).sends.getSend(sendIdFor(batch.batchId, 'long@example.com'));
      if (!found) throw new Error('the long-subject send was not written');
      send = found;
    });

    it('shows a subject longer than 256 bytes whole, from its chunk', async () => {
      // The send item keeps the first 256 bytes, cut at a character boundary.
      expect(send.subjectCut).toBe(true);
      expect(Buffer.byteLength(send.subject)).toBeLessThanOrEqual(SUBJECT_KEPT_BYTES);
      expect(LONG.startsWith(send.subject)).toBe(true);
      const one = await query(
        'query($id: String!) { emailSend(sendId: $id) { subject content { subject } } }',
        { id: send.sendId },
      );
      expect(dataOf(one, 'emailSend')).toEqual({
        subject: LONG,
        content: { subject: LONG.replace('{{first_name}}', 'Lena') },
      });
      const page = await query(
        'query($id: String) { emailSendsPage(batchId: $id) { items { email subject } } }',
        { id: batch.batchId },
      );
      expect(dataOf<{ items: unknown[] }>(page, 'emailSendsPage').items).toEqual([
        { email: expect.any(String), subject: expect.any(String) },
        { email: expect.any(String), subject: expect.any(String) },
      ]);
      const subjects = dataOf<{ items: { email: string; subject: string }[] }>(page, 'emailSendsPage').items;
      expect(Object.fromEntries(subjects.map((s) => [s.email, s.subject]))).toEqual({
        'long@example.com': LONG,
        'short@example.com': 'Hi',
      });
    });

    it('shows no content and the kept part of a long subject once its rows have expired', async () => {
      await aws.s3.client.send(
        new DeleteObjectCommand({ Bucket: aws.s3.bucket, Key: rowsKeyOf(batch.batchId, send.chunk) }),
      );
      // A new container: the chunk is not in its cache.
      const fresh = await graphqlOver(aws, { key });
      const result = await fresh(
        'query($id: String!) { emailSend(sendId: $id) { email subject content { subject } } }',
        { id: send.sendId },
      );
      expect(dataOf(result, 'emailSend')).toEqual({
        email: 'long@example.com',
        subject: send.subject,
        content: null,
      });
    });
  });

  it('reads each chunk of rows once for a page, whatever the number of its sends', async () => {
    const batch = await upload(
      csvText([HEADER, ...Array.from({ length: 7 }, (_, i) => rowOf(i))]),
      new Date('2026-11-15T09:00:00.000Z'),
      { chunkRows: 3 },
    );
    const reads: string[] = [];
    const rows = new RowChunks(aws.s3.client, aws.s3.bucket);
    const counting = await graphqlOver(aws, {
      key,
      rows: {
        get: (batchId, chunk) => {
          reads.push(`${batchId}/${chunk}`);
          return rows.get(batchId, chunk);
        },
      },
    });
    const result = await counting(
      'query($id: String) { emailSendsPage(batchId: $id) { items { email subject content { subject text } } } }',
      { id: batch.batchId },
    );
    const items = dataOf<{ items: { email: string; content: { subject: string } }[] }>(
      result,
      'emailSendsPage',
    ).items;
    expect(items).toHaveLength(7);
    for (const item of items) {
      const i = Number(/^r(\d+)@/.exec(item.email)?.[1]);
      expect(item.content.subject).toBe(i === 0 ? 'Offer for Ana <b>&</b>' : `Offer for R${i}`);
    }
    // Seven sends in three chunks of at most three rows: three reads, one per chunk.
    expect(reads.sort()).toEqual([0, 1, 2].map((chunk) => `${batch.batchId}/${chunk}`));
  });
});

describe('batch', () => {
  it('gives the upload report, the dry-run flag and whether the batch has finished', async () => {
    const result = await query(
      `query($running: String!, $done: String!, $dry: String!) {
      running: batch(batchId: $running) { fileName received total duplicates invalid dryRun finished
        report { truncated encoding errors { line reason value } duplicatesList { line email firstLine } } }
      done: batch(batchId: $done) { finished counts { pending queued sending sent error } }
      dry: batch(batchId: $dry) { dryRun }
    }`,
      {
        running: batchOf('batch-0').batchId,
        done: batchOf('batch-1').batchId,
        dry: batchOf('batch-3').batchId,
      },
    );
    expect(result.errors).toBeUndefined();
    const answered = batchOf('batch-0').report;
    expect(answered.errors).toEqual([{ line: 4, reason: expect.any(String), value: 'not-an-address' }]);
    expect(result.data?.running).toEqual({
      fileName: 'list-0.csv',
      received: 12,
      total: 10,
      duplicates: 1,
      invalid: 1,
      dryRun: false,
      finished: false,
      report: {
        truncated: false,
        encoding: 'utf-8',
        // As the upload answered them.
        errors: answered.errors,
        duplicatesList: [{ line: 7, email: 'r1@example.com', firstLine: 3 }],
      },
    });
    expect(result.data?.done).toEqual({
      finished: true,
      counts: { pending: 0, queued: 0, sending: 0, sent: 5, error: 5 },
    });
    expect(result.data?.dry).toEqual({ dryRun: true });
  });

  it.each([
    // batch-4: ten sends in four statuses, two or three of each.
    ['every status', '', (s: SendRecord) => s.batchId === batchOf('batch-4').batchId, 10],
    [
      'one status',
      'status: "sent", ',
      (s: SendRecord) => s.batchId === batchOf('batch-4').batchId && s.status === 'SENT',
      2,
    ],
    [
      'the open status QUEUED',
      'status: "QUEUED", ',
      (s: SendRecord) => s.batchId === batchOf('batch-4').batchId && s.status === 'QUEUED',
      3,
    ],
  ])(
    'pages through the sends of a batch in %s exactly once, newest first',
    async (_, status, match, size) => {
      const seen = await walkPages(
        query,
        `query($after: String, $id: String!) { batch(batchId: $id) { sends(${status}first: 2, after: $after) { items { sendId } nextCursor } } }`,
        (result) =>
          dataOf<{ sends: { items: { sendId: string }[]; nextCursor: string | null } }>(result, 'batch')
            .sends,
        { variables: { id: batchOf('batch-4').batchId } },
      );
      const expected = newestFirst(sends.filter(match), (s) => s.sendId).map((s) => s.sendId);
      expect(expected).toHaveLength(size);
      expect(seen.map((s) => s.sendId)).toEqual(expected);
    },
  );

  it('refuses a cursor of another status or another batch, and an unknown status', async () => {
    const [four, five] = [batchOf('batch-4').batchId, batchOf('batch-5').batchId];
    const first = await query(
      `{ batch(batchId: "${four}") { sends(status: "SENT", first: 1) { nextCursor } } }`,
    );
    const cursor = dataOf<{ sends: { nextCursor: string } }>(first, 'batch').sends.nextCursor;
    for (const other of [
      `batch(batchId: "${four}") { sends(status: "ERROR"`,
      `batch(batchId: "${five}") { sends(status: "SENT"`,
    ]) {
      const result = await query(`query($c: String) { ${other}, after: $c) { nextCursor } } }`, {
        c: cursor,
      });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    }
    const unknown = await query(`{ batch(batchId: "${four}") { sends(status: "OPENED") { nextCursor } } }`);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'status' });
    expect(unknown.errors?.[0]?.message).toMatch(/QUEUED, SENDING, SENT, DELIVERED, BOUNCED/);
  });

  it('costs the same reads at any size: the record, the writer state and the 8 counter items', async () => {
    const small = batchOf('batch-5');
    const large = await upload(
      csvText([HEADER, ...Array.from({ length: 150 }, (_, i) => rowOf(i))]),
      new Date('2026-11-15T10:00:00.000Z'),
    );
    const progress = async (batchId: string) => {
      const ask = () =>
        query(
          `query($id: String!) { batch(batchId: $id) { total finished finishedAt countsExact
            counts { queued sending sent error } writing { state rowsWritten } } }`,
          { id: batchId },
        );
      // Once first, so that the API key check's read is cached for the measured request.
      await ask();
      const before = commands.length;
      const result = await ask();
      return { data: dataOf(result, 'batch'), commands: commands.slice(before).sort() };
    };
    const a = await progress(small.batchId);
    const b = await progress(large.batchId);
    expect(b.data).toMatchObject({ total: 150, counts: { queued: 150 }, writing: { rowsWritten: 150 } });
    expect(a.commands).toEqual(b.commands);
    // No Query: nothing that reads the batch's sends or its index.
    expect(b.commands.filter((c) => c !== 'GetItemCommand' && c !== 'BatchGetItemCommand')).toEqual([]);
    expect(b.commands.filter((c) => c === 'BatchGetItemCommand')).toHaveLength(1);
  });
});

describe('batch startedAt and finishedAt', () => {
  const at = (second: number) => new Date(Date.UTC(2026, 10, 19, 10, 0, second));
  const LEASE_MS = 60_000;
  const timesOf = async (batchId: string) =>
    dataOf(
      await query('query($id: String!) { batch(batchId: $id) { finished startedAt finishedAt } }', {
        id: batchId,
      }),
      'batch',
    );
  const rowsCsv = (rows: number) => csvText([HEADER, ...Array.from({ length: rows }, (_, i) => rowOf(i))]);

  it('gives when the first send was claimed and when the last one became SENT or ERROR', async () => {
    const batch = await upload(rowsCsv(3), new Date('2026-11-19T10:00:00.000Z'));
    const [a, b, c] = (await sendsOfRows(batch.batchId, 3)).map(refOf) as [
      ReturnType<typeof refOf>,
      ReturnType<typeof refOf>,
      ReturnType<typeof refOf>,
    ];
    expect(await timesOf(batch.batchId)).toEqual({ finished: false, startedAt: null, finishedAt: null });

    // Two sender containers record their first claim of the batch, the later claim's write first.
    const { counted } = storesOf(aws);
    const containerA = new BatchStarts(aws.clients.documents, aws.tableName);
    const containerB = new BatchStarts(aws.clients.documents, aws.tableName);
    await counted.claim(a, 'lease-a', at(5), LEASE_MS);
    await containerA.record(batch.batchId, at(5));
    await counted.claim(b, 'lease-b', at(3), LEASE_MS);
    await containerB.record(batch.batchId, at(3));
    await counted.markSent(a, 'lease-a', 'ses-a', at(7));
    expect(await timesOf(batch.batchId)).toEqual({
      finished: false,
      startedAt: at(3).toISOString(),
      finishedAt: null,
    });

    await counted.claim(c, 'lease-c', at(9), LEASE_MS);
    await containerA.record(batch.batchId, at(9));
    await counted.markSent(c, 'lease-c', 'ses-c', at(10));
    await counted.markError(b, REJECTED, at(11), 'lease-b');
    expect(await timesOf(batch.batchId)).toEqual({
      finished: true,
      startedAt: at(3).toISOString(),
      finishedAt: at(11).toISOString(),
    });
  });

  it('gives as finishedAt the latest change, even when an earlier change of the same counter shard is written last', async () => {
    // Nine sends over eight counter shards: two of them share one.
    const batch = await upload(rowsCsv(9), new Date('2026-11-19T11:00:00.000Z'));
    const all = (await sendsOfRows(batch.batchId, 9)).map(refOf);
    const shardOf = (ref: { sendId: string }) => counterShardOf(ref.sendId);
    const x = all.find((r, i) => all.some((o, j) => j !== i && shardOf(o) === shardOf(r)));
    const y = all.find((r) => r !== x && x !== undefined && shardOf(r) === shardOf(x));
    if (!x || !y) throw new Error('no two sends share a counter shard');
    const { counted } = storesOf(aws);
    for (const ref of all) await counted.claim(ref, `lease-${ref.sendId}`, at(1), LEASE_MS);
    for (const ref of all.filter((r) => r !== x && r !== y)) {
      await counted.markSent(ref, `lease-${ref.sendId}`, 'ses', at(2));
    }
    // Two senders: the one that settled later (at 11 s) writes first.
    await counted.markError(x, REJECTED, at(11), `lease-${x.sendId}`);
    await counted.markSent(y, `lease-${y.sendId}`, 'ses-y', at(10));
    expect(await timesOf(batch.batchId)).toMatchObject({ finished: true, finishedAt: at(11).toISOString() });
  });

  it('writes the start of a batch once per sender container', async () => {
    // The start is kept on the batch's writer item, which the writer makes.
    const batchId = await putLargeFile(aws, rowsCsv(1));
    await runWriter(aws, batchId);
    listed.push({ batchId, createdAt: (await storesOf(aws).batches.getBatch(batchId))?.createdAt ?? '' });
    const container = new BatchStarts(aws.clients.documents, aws.tableName);
    const before = commands.length;
    for (const second of [1, 2, 3]) await container.record(batchId, at(second));
    expect(commands.slice(before).filter((c) => c === 'UpdateItemCommand')).toHaveLength(1);
    expect(await container.get(batchId)).toBe(at(1).toISOString());
  });

  it('keeps the start when the writer records the report of a large file after its first sends were claimed', async () => {
    const batchId = await putLargeFile(aws, rowsCsv(4));
    expect((await runWriter(aws, batchId, { chunkRows: 2, chunksPerRun: 1 })).batchItemFailures).toEqual([]);
    const [first] = await sendsOfRows(batchId, 1);
    if (!first) throw new Error('the first chunk was not written');
    await storesOf(aws).counted.claim(refOf(first), 'lease-1', at(4), LEASE_MS);
    await new BatchStarts(aws.clients.documents, aws.tableName).record(batchId, at(4));
    expect(await timesOf(batchId)).toMatchObject({ startedAt: at(4).toISOString() });
    // The rest of the file, and its report at the end.
    expect((await runWriter(aws, batchId, { chunkRows: 2 })).batchItemFailures).toEqual([]);
    const after = await query('query($id: String!) { batch(batchId: $id) { received startedAt } }', {
      id: batchId,
    });
    expect(dataOf(after, 'batch')).toEqual({ received: 4, startedAt: at(4).toISOString() });
    listed.push({ batchId, createdAt: (await storesOf(aws).batches.getBatch(batchId))?.createdAt ?? '' });
  });

  it('gives a batch with nothing to send finished, with no start and no finish time', async () => {
    const batchId = await putLargeFile(aws, csvText([HEADER, ['not-an-address', 'Hi', TEXT, 'X']]));
    await runWriter(aws, batchId);
    listed.push({ batchId, createdAt: (await storesOf(aws).batches.getBatch(batchId))?.createdAt ?? '' });
    const result = await query(
      'query($id: String!) { batch(batchId: $id) { total finished countsExact startedAt finishedAt writing { state error { code } } } }',
      { id: batchId },
    );
    expect(dataOf(result, 'batch')).toEqual({
      total: 0,
      finished: true,
      countsExact: true,
      startedAt: null,
      finishedAt: null,
      writing: { state: 'FAILED', error: { code: 'NOTHING_ACCEPTED' } },
    });
  });
});

describe('batches', () => {
  const listOf = (result: GraphqlResult) =>
    dataOf<{ items: { batchId: string }[]; nextCursor: string | null }>(result, 'batches');

  it('lists every batch exactly once, newest first, page by page', async () => {
    const seen = await walkPages(
      query,
      'query($after: String) { batches(first: 2, after: $after) { items { batchId } nextCursor } }',
      listOf,
    );
    const expected = newestFirst(listed, (b) => b.batchId).map((b) => b.batchId);
    expect(seen.map((b) => b.batchId)).toEqual(expected);
  });

  it.each([
    [
      'a day',
      'from: "2026-11-17", to: "2026-11-17"',
      (b: { createdAt: string }) => b.createdAt.startsWith('2026-11-17'),
    ],
    [
      'from an instant',
      'from: "2026-11-17T02:00:00Z"',
      (b: { createdAt: string }) => b.createdAt >= '2026-11-17T02:00',
    ],
    [
      'up to an instant',
      'to: "2026-11-16T23:59:59+00:00"',
      (b: { createdAt: string }) => b.createdAt < '2026-11-17',
    ],
  ])('keeps to %s, also across pages', async (_, dates, match) => {
    const seen = await walkPages(
      query,
      `query($after: String) { batches(${dates}, first: 1, after: $after) { items { batchId createdAt fileName total } nextCursor } }`,
      listOf,
    );
    const expected = newestFirst(listed.filter(match), (b) => b.batchId).map((b) => b.batchId);
    expect(expected.length).toBeGreaterThan(0);
    expect(seen.map((b) => b.batchId)).toEqual(expected);
  });

  it('gives each listed batch its counts', async () => {
    const result = await query(
      '{ batches(from: "2026-11-17", to: "2026-11-17") { items { batchId counts { queued sending sent error } } } }',
    );
    const items = listOf(result).items as { batchId: string; counts: unknown }[];
    expect(items).toHaveLength(2);
    for (const item of items) {
      const ofBatch = sends.filter((s) => s.batchId === item.batchId);
      const count = (status: SendStatus) => ofBatch.filter((s) => s.status === status).length;
      expect(item.counts).toEqual({
        queued: count('QUEUED'),
        sending: count('SENDING'),
        sent: count('SENT'),
        error: count('ERROR'),
      });
    }
  });

  it('refuses bad arguments, naming them', async () => {
    const cases: [string, string, RegExp][] = [
      ['from: "2026-11-31"', 'from', /ISO-8601/],
      ['to: "yesterday"', 'to', /ISO-8601/],
      ['from: "2026-11-18", to: "2026-11-17"', 'from', /not be later than "to"/],
      ['first: 1001', 'first', /1 to 1000/],
      ['first: 0', 'first', /1 to 1000/],
      ['after: "not-a-cursor"', 'after', /nextCursor of batches/],
    ];
    for (const [args, argument, message] of cases) {
      const result = await query(`{ batches(${args}) { nextCursor } }`);
      expect(result.errors?.[0]?.extensions, args).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(result.errors?.[0]?.message).toMatch(message);
    }
  });

  it('refuses a cursor issued for other dates or for sends', async () => {
    const page = await query('{ batches(first: 1) { nextCursor } }');
    const cursor = listOf(page).nextCursor;
    const otherDates = await query(
      'query($c: String) { batches(from: "2026-11-17", after: $c) { nextCursor } }',
      {
        c: cursor,
      },
    );
    expect(otherDates.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    const sendsPage = await query('{ emailSendsPage(first: 1) { nextCursor } }');
    const sendCursor = dataOf<{ nextCursor: string }>(sendsPage, 'emailSendsPage').nextCursor;
    const mixed = await query('query($c: String) { batches(after: $c) { nextCursor } }', { c: sendCursor });
    expect(mixed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });
});

describe('upload and Batch.writing', () => {
  interface UploadAnswer {
    batchId: string;
    state: string;
    runs: number;
    updatedAt: string;
    finishedAt: string | null;
    error: { message: string; code: string; line: number | null } | null;
    batch: { batchId: string; total: number; invalid: number | null } | null;
  }
  const UPLOAD = `query($id: String!) {
    upload(batchId: $id) {
      batchId state runs updatedAt finishedAt error { message code line } batch { batchId total invalid }
    }
    batch(batchId: $id) { batchId }
  }`;

  async function askUpload(batchId: string): Promise<{ upload: UploadAnswer | null; batch: unknown }> {
    const result = await query(UPLOAD, { id: batchId });
    if (result.errors || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data as { upload: UploadAnswer | null; batch: unknown };
  }

  /** Stores a large file and runs the writer on it to the end, as S3's event does. */
  async function writeLargeFile(csv: string, options: Parameters<typeof runWriter>[2] = {}) {
    const batchId = await putLargeFile(aws, csv);
    expect((await runWriter(aws, batchId, options)).batchItemFailures).toEqual([]);
    const record = await storesOf(aws).batches.getBatch(batchId);
    if (record) listed.push({ batchId, createdAt: record.createdAt });
    return batchId;
  }

  it('explains a large file refused as a whole, for which no batch exists', async () => {
    const batchId = await writeLargeFile('email,content\na@example.com,Hi');
    const { upload, batch } = await askUpload(batchId);
    expect(batch).toBeNull();
    expect(upload).toMatchObject({
      batchId,
      state: 'FAILED',
      runs: 1,
      error: {
        code: 'MISSING_COLUMNS',
        message: 'missing required column(s): subject (subject, asunto)',
        line: null,
      },
      batch: null,
    });
    expect(upload?.finishedAt).toBe(upload?.updatedAt);
  });

  it('names the line of a refusal found on one line of the file', async () => {
    const batchId = await writeLargeFile('email,subject,content\na@example.com,Hi {{nickname}},Body');
    const { upload } = await askUpload(batchId);
    expect(upload).toMatchObject({ state: 'FAILED', batch: null });
    expect(upload?.error).toEqual({
      code: 'UNKNOWN_PLACEHOLDER',
      message: 'line 2: placeholder {{nickname}} names no column (the file has no personalisation columns)',
      line: 2,
    });
  });

  it('refuses a file over the size limit unread, saying so', async () => {
    const batchId = await writeLargeFile('email,subject,content\na@example.com,Hi,Body', {
      maxFileBytes: 10,
    });
    const { upload } = await askUpload(batchId);
    expect(upload).toMatchObject({
      state: 'FAILED',
      error: {
        code: 'FILE_TOO_LARGE',
        line: null,
        message: expect.stringMatching(/largest file taken is 10 bytes/),
      },
      batch: null,
    });
  });

  it('gives the report of a file none of whose rows could be sent, and the batch says why it failed', async () => {
    const batchId = await writeLargeFile('email,subject,content\nnot-an-address,Hi,Body');
    const { upload } = await askUpload(batchId);
    expect(upload).toMatchObject({
      state: 'FAILED',
      error: { code: 'NOTHING_ACCEPTED', line: null },
      batch: { batchId, total: 0, invalid: 1 },
    });
    const writing = await query(
      'query($id: String!) { batch(batchId: $id) { writing { state rowsWritten runs finishedAt error { code message } } } }',
      { id: batchId },
    );
    expect(dataOf(writing, 'batch')).toEqual({
      writing: {
        state: 'FAILED',
        rowsWritten: 0,
        runs: 1,
        finishedAt: upload?.finishedAt,
        error: { code: 'NOTHING_ACCEPTED', message: 'no row of the file can be sent; nothing was queued' },
      },
    });
  });

  it('gives the batch a large file became once it was read', async () => {
    const batchId = await writeLargeFile(
      'email,subject,content\na@example.com,Hi,Body\nb@example.com,Hi,Body\nnope,Hi,Body',
    );
    const { upload, batch } = await askUpload(batchId);
    expect(batch).toEqual({ batchId });
    expect(upload).toMatchObject({
      state: 'DONE',
      runs: 1,
      error: null,
      finishedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      batch: { batchId, total: 2, invalid: 1 },
    });
  });

  it('shows a large file while it is written: its total grows, received, duplicates and invalid are null until its end', async () => {
    const rows = [
      ...Array.from({ length: 7 }, (_, i) => [`w${i}@example.com`, 'Hi', 'Body']),
      ['nope', 'Hi', 'Body'],
      ['w0@example.com', 'Hi', 'Body'],
    ];
    const batchId = await putLargeFile(aws, csvText([['email', 'subject', 'content'], ...rows]));
    const state = async () =>
      dataOf(
        await query(
          `query($id: String!) {
            upload(batchId: $id) { state runs finishedAt }
            batch(batchId: $id) { total received duplicates invalid finished countsExact
              counts { queued } report { errors { line } encoding }
              writing { state rowsWritten runs finishedAt error { code } } }
          }`,
          { id: batchId },
        ),
        'batch',
      );
    const upload = async () =>
      dataOf(
        await query('query($id: String!) { upload(batchId: $id) { state runs } }', { id: batchId }),
        'upload',
      );
    // Chunks of 3 rows, one chunk per invocation: the writer hands over to a continuation after each.
    const step = { chunkRows: 3, chunksPerRun: 1 };
    expect((await runWriter(aws, batchId, step)).batchItemFailures).toEqual([]);
    expect(await upload()).toEqual({ state: 'INGESTING', runs: 1 });
    expect(await state()).toEqual({
      total: 3,
      received: null,
      duplicates: null,
      invalid: null,
      finished: false,
      countsExact: false,
      counts: { queued: 3 },
      report: { errors: null, encoding: null },
      writing: { state: 'WRITING', rowsWritten: 3, runs: 1, finishedAt: null, error: null },
    });
    await runWriter(aws, batchId, step);
    expect(await state()).toMatchObject({
      total: 6,
      received: null,
      writing: { state: 'WRITING', rowsWritten: 6, runs: 2 },
    });
    await runWriter(aws, batchId, step);
    expect(await upload()).toEqual({ state: 'DONE', runs: 3 });
    expect(await state()).toMatchObject({
      total: 7,
      received: 9,
      duplicates: 1,
      invalid: 1,
      counts: { queued: 7 },
      report: { errors: [{ line: 9 }], encoding: 'utf-8' },
      writing: { state: 'READY', rowsWritten: 7, runs: 3, finishedAt: expect.any(String), error: null },
    });
    listed.push({ batchId, createdAt: (await storesOf(aws).batches.getBatch(batchId))?.createdAt ?? '' });
  });

  it('gives the state of a file uploaded through the API too: DONE once its sends are queued', async () => {
    const batch = batchOf('batch-6');
    const { upload } = await askUpload(batch.batchId);
    expect(upload).toMatchObject({
      batchId: batch.batchId,
      state: 'DONE',
      runs: 1,
      error: null,
      batch: { batchId: batch.batchId, total: 10, invalid: 1 },
    });
  });

  it('is null for an id no file arrived under, and refuses an empty id', async () => {
    expect(await askUpload(crypto.randomUUID())).toEqual({ upload: null, batch: null });
    const empty = await query('{ upload(batchId: "") { state } }');
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'batchId' });
  });
});

describe('query limits', () => {
  it('answers the deepest query the schema allows (6 fields) when its pages are small', async () => {
    const result = await query(
      'fragment Mail on EmailSend { content { subject } } { batches(first: 2) { items { sends(first: 3) { items { batchId ...Mail } } } } }',
    );
    expect(result.errors).toBeUndefined();
    const items = dataOf<{ items: { sends: { items: unknown[] } }[] }>(result, 'batches').items;
    expect(items).toHaveLength(2);
  });

  it('refuses a query whose lists multiply beyond the cost limit, before reading anything', async () => {
    const before = commands.length;
    const result = await query(
      'query($n: Int) { batches(first: 100) { items { sends(first: $n) { items { sendId } } } } }',
      { n: 1000 },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', limit: 10_000 });
    expect(result.errors?.[0]?.message).toMatch(/smaller pages/);
    // At most the API key check's read: no query of sends or batches ran.
    expect(commands.slice(before).filter((c) => c !== 'GetItemCommand')).toEqual([]);
    const counts = await query('{ batches(first: 1000) { items { counts { sent } } } }');
    expect(counts.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY' });
    // A page of 1000 sends with their content is within the limit (one batch's, to keep the test quick).
    const allowed = await query(
      'query($id: String) { emailSendsPage(batchId: $id, first: 1000) { items { sendId content { subject } } } }',
      { id: batchOf('batch-0').batchId },
    );
    expect(allowed.errors).toBeUndefined();
    expect(dataOf<{ items: unknown[] }>(allowed, 'emailSendsPage').items).toHaveLength(10);
  });

  it('refuses introspection and hides suggestions in production mode', async () => {
    const introspection = await queryProduction('{ __schema { types { name } } }');
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await queryProduction('{ emailSend(sendId: "x") { sendI } }');
    expect(typo.errors?.[0]?.message).toBe('Cannot query field "sendI" on type "EmailSend".');
  });

  it('allows introspection and suggestions in local mode', async () => {
    const introspection = await query('{ __schema { queryType { name } } }');
    expect(introspection).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const typo = await query('{ emailSend(sendId: "x") { sendI } }');
    expect(typo.errors?.[0]?.message).toMatch(/Did you mean "sendId"/);
  });
});

describe('access paths', () => {
  it('the recording client refuses a Scan', async () => {
    await expect(aws.clients.dynamodb.send(new ScanCommand({ TableName: aws.tableName }))).rejects.toThrow(
      'a Scan was issued',
    );
  });

  const two = () => batchOf('batch-2').batchId;
  /** Every combination of the send filters, as arguments. */
  function filterCombinations(): string[] {
    const filters = ['status: "SENT"', `batchId: "${two()}"`, 'from: "2026-11-17"', 'to: "2026-11-17"'];
    return Array.from({ length: 1 << filters.length }, (_, mask) =>
      filters.filter((_, i) => mask & (1 << i)).join(', '),
    );
  }
  const KEY_AND_INDEX_READS = ['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand'];
  /**
   * Runs the queries and checks that they sent only key lookups and index Queries to DynamoDB, and only
   * GetObject (a chunk of rows, unless the container has it already) to S3.
   */
  async function expectKeyAndIndexReadsOnly(texts: string[]): Promise<void> {
    commands.length = 0;
    s3Commands.length = 0;
    for (const text of texts) expect((await query(text)).errors, text).toBeUndefined();
    expect(commands).toContain('QueryCommand');
    expect(commands.filter((c) => !KEY_AND_INDEX_READS.includes(c))).toEqual([]);
    expect(s3Commands.filter((c) => c !== 'GetObjectCommand')).toEqual([]);
  }

  it.each([
    ['without a status', (args: string) => !args.includes('status')],
    ['with a status', (args: string) => args.includes('status')],
  ])('emailSends reads by key and by index Query only, with every filter combination %s', async (_, kept) => {
    await expectKeyAndIndexReadsOnly(
      filterCombinations()
        .filter(kept)
        .map(
          (args) =>
            `{ emailSends(${args ? `${args}, ` : ''}limit: 8) { sendId subject content { subject } } }`,
        ),
    );
  });

  it('emailSendsPage reads by key and by index Query only, with every filter combination', async () => {
    await expectKeyAndIndexReadsOnly(
      filterCombinations().map(
        (args) => `{ emailSendsPage(${args ? `${args}, ` : ''}first: 5) { items { sendId } nextCursor } }`,
      ),
    );
  });

  it('every other query reads by key and by index Query only', async () => {
    await expectKeyAndIndexReadsOnly([
      `{ emailSend(sendId: "${sends[0]?.sendId ?? ''}") { sendId content { text } } }`,
      `{ batch(batchId: "${two()}") { total finished finishedAt countsExact counts { sent } writing { state } report { truncated } sends(status: "ERROR") { items { sendId } } } }`,
      '{ batches(from: "2026-11-16", to: "2026-11-18", first: 3) { items { batchId finished sends(first: 2) { nextCursor } } nextCursor } }',
      '{ batches { items { batchId } } }',
      `{ batch(batchId: "${batchOf('batch-1').batchId}") { startedAt finishedAt } }`,
      `{ upload(batchId: "${two()}") { state error { code } batch { batchId } } }`,
      '{ upload(batchId: "no-such-upload") { state error { code } batch { batchId } } }',
    ]);
  });
});
