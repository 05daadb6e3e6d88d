import { Readable } from 'node:stream';
import { QueryCommand as RawQueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyStructuredResultV2, S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_INDEX } from '../../lambdas/contract/table-schema.js';
import { uploadKeyOf } from '../../lambdas/contract/upload-object.js';
import { contentIdFor, sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import { SEND_STATUSES, type SendStatus } from '../../lambdas/core/domain/send-status.js';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { SendQueue } from '../../lambdas/core/queue/send-queue.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import { BatchStarts } from '../../lambdas/core/store/batch-starts.js';
import { type BatchRecord, BatchStore } from '../../lambdas/core/store/batch-store.js';
import { ContentStore } from '../../lambdas/core/store/content-store.js';
import { batchStatusKeyOf } from '../../lambdas/core/store/item-keys.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { UploadClaims } from '../../lambdas/core/store/upload-claims.js';
import { createGraphqlHandler } from '../../lambdas/graphql/handler.js';
import { PageCursors } from '../../lambdas/graphql/page-cursor.js';
import { tableReaders } from '../../lambdas/graphql/table-readers.js';
import { createS3IngestHandler } from '../../lambdas/ingest-s3/handler.js';
import { createTestKey } from '../helpers/api-keys.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

/**
 * The analysts' questions against the DynamoDB emulator: one send and its mail, batches with their
 * reports, their sends and when they started and finished, the list of batches, large uploads and why
 * a file was refused, the query limits, and proof that nothing scans.
 * Seven batches over three days, sends in every status, a dry run, HTML content with variables.
 */

interface GraphqlResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}
type Query = (text: string, variables?: Record<string, unknown>) => Promise<GraphqlResult>;

let aws: TestAws;
let store: SendStore;
let query: Query;
let queryProduction: Query;
/** Every DynamoDB command the handlers sent, by name. */
const commands: string[] = [];
const sends: SendRecord[] = [];
const batches: BatchRecord[] = [];

const HTML = '<p>Hello {{first_name}}, see <a href="https://example.com/offer">the offer</a>.</p>';
const TEXT = 'Hi {{first_name}}, plain and simple.';
const DAYS = ['2026-11-16', '2026-11-17', '2026-11-18'];

function dataOf<T>(result: GraphqlResult, field: string): T {
  if (result.errors || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data[field] as T;
}

function handlerQuery(introspection: boolean, key: string): Query {
  const handler = createGraphqlHandler({
    ...tableReaders(aws.clients.documents, aws.tableName),
    cursors: new PageCursors('analysts-test-secret'),
    apiKeys: new ApiKeyCheck(new ApiKeyStore(aws.clients.documents, aws.tableName), () => new Date()),
    introspection,
  });
  return async (text, variables = {}) => {
    const result = (await handler(
      httpApiEvent({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ query: text, variables }),
      }),
    )) as APIGatewayProxyStructuredResultV2;
    return JSON.parse(result.body ?? '{}') as GraphqlResult;
  };
}

function send(batch: BatchRecord, i: number, status: SendStatus): SendRecord {
  const email = `r${i}.${status.toLowerCase()}@example.com`;
  const html = i % 2 === 0;
  return {
    sendId: sendIdFor(batch.batchId, email),
    batchId: batch.batchId,
    email,
    subject: 'Offer for {{first_name}}',
    contentId: contentIdFor(html ? HTML : TEXT),
    variables: { first_name: i === 0 ? 'Ana <b>&</b>' : `R${i}` },
    status,
    createdAt: batch.createdAt,
    updatedAt: batch.createdAt,
    attempts: status === 'SENT' || status === 'ERROR' ? 2 : status === 'SENDING' ? 1 : 0,
    ...(status === 'SENT' ? { sesMessageId: `ses-${i}`, sentAt: batch.createdAt } : {}),
    ...(status === 'ERROR'
      ? { errorCode: 'MessageRejected', errorMessage: 'Email address is not verified.' }
      : {}),
    ...(batch.dryRun ? { dryRun: true } : {}),
  };
}

beforeAll(async () => {
  aws = await startTestAws();
  // Records every command, on the client every reader and store of the handler shares.
  aws.clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      if (context.commandName === 'ScanCommand') throw new Error('a Scan was issued');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  store = new SendStore(aws.clients.documents, aws.tableName);
  const key = await createTestKey(aws, ['read']);
  query = handlerQuery(true, key);
  queryProduction = handlerQuery(false, key);

  await new ContentStore(aws.clients.documents, aws.tableName).putContents(
    [HTML, TEXT].map((content) => ({ contentId: contentIdFor(content), content })),
  );
  for (let b = 0; b < 7; b++) {
    const day = DAYS[b % DAYS.length] ?? DAYS[0];
    const batch: BatchRecord = {
      batchId: `batch-${b}`,
      createdAt: `${day}T0${b}:30:00.000Z`,
      fileName: `list-${b}.csv`,
      received: 12,
      accepted: 10,
      duplicates: 1,
      invalid: 1,
      encoding: 'utf-8',
      errors: [{ line: 4, reason: 'invalid email address', value: 'not-an-address' }],
      duplicatesList: [{ line: 7, email: 'r1.sent@example.com', firstLine: 3 }],
      truncated: false,
      ...(b === 3 ? { dryRun: true } : {}),
    };
    batches.push(batch);
    await new BatchStore(aws.clients.documents, aws.tableName).putBatch(batch);
    // batch-1 is finished (only SENT and ERROR); the others have sends in every status.
    const statuses: SendStatus[] = b === 1 ? ['SENT', 'ERROR'] : [...SEND_STATUSES];
    for (let i = 0; i < 10; i++) sends.push(send(batch, i, statuses[i % statuses.length] ?? 'SENT'));
  }
  await store.putNewSends(sends);
});
afterAll(() => aws.stop());

const newestFirst = <T extends { createdAt: string }>(items: T[], id: (t: T) => string) =>
  [...items].sort((a, b) => {
    const ka = `${a.createdAt}#${id(a)}`;
    const kb = `${b.createdAt}#${id(b)}`;
    return ka < kb ? 1 : ka > kb ? -1 : 0;
  });

async function walk<T>(
  run: Query,
  text: string,
  pick: (result: GraphqlResult) => { items: T[]; nextCursor: string | null },
  variables: Record<string, unknown> = {},
): Promise<T[]> {
  const seen: T[] = [];
  let after: string | null = null;
  for (let pageNo = 0; pageNo < 200; pageNo++) {
    const result = await run(text, { ...variables, after });
    const page = pick(result);
    seen.push(...page.items);
    after = page.nextCursor;
    if (after === null) return seen;
  }
  throw new Error('pagination did not end');
}

describe('emailSend', () => {
  it('gives one send with its delivery record and its mail as rendered for the recipient', async () => {
    const target = sends.find(
      (s) => s.batchId === 'batch-0' && s.status === 'ERROR' && s.email.startsWith('r4.'),
    );
    if (!target) throw new Error('fixture has no ERROR send r4 in batch-0');
    const result = await query(
      `query($id: String!) { emailSend(sendId: $id) {
        sendId batchId email subject status createdAt updatedAt attempts errorCode errorMessage
        sesMessageId sentAt dryRun content { subject text html } } }`,
      { id: target.sendId },
    );
    expect(dataOf(result, 'emailSend')).toEqual({
      sendId: target.sendId,
      batchId: 'batch-0',
      email: target.email,
      subject: 'Offer for {{first_name}}',
      status: 'ERROR',
      createdAt: target.createdAt,
      updatedAt: target.updatedAt,
      attempts: 2,
      errorCode: 'MessageRejected',
      errorMessage: 'Email address is not verified.',
      sesMessageId: null,
      sentAt: null,
      dryRun: false,
      content: {
        subject: 'Offer for R4',
        html: '<p>Hello R4, see <a href="https://example.com/offer">the offer</a>.</p>',
        text: 'Hello R4, see the offer (https://example.com/offer).',
      },
    });
  });

  it('escapes variables in HTML content and renders plain-text content as text', async () => {
    const htmlSend = sends.find((s) => s.batchId === 'batch-2' && s.email.startsWith('r0.'));
    const textSend = sends.find((s) => s.batchId === 'batch-2' && s.email.startsWith('r1.'));
    const ask = (id: string | undefined) =>
      query('query($id: String!) { emailSend(sendId: $id) { content { subject text html } } }', { id });
    expect(dataOf<{ content: unknown }>(await ask(htmlSend?.sendId), 'emailSend').content).toMatchObject({
      subject: 'Offer for Ana <b>&</b>',
      html: expect.stringContaining('Hello Ana &lt;b&gt;&amp;&lt;/b&gt;,'),
    });
    expect(dataOf<{ content: unknown }>(await ask(textSend?.sendId), 'emailSend').content).toEqual({
      subject: 'Offer for R1',
      text: 'Hi R1, plain and simple.',
      html: null,
    });
  });

  it('marks a rehearsed send as a dry run', async () => {
    const dry = sends.find((s) => s.batchId === 'batch-3' && s.status === 'SENT');
    const result = await query('query($id: String!) { emailSend(sendId: $id) { dryRun sesMessageId } }', {
      id: dry?.sendId,
    });
    expect(dataOf(result, 'emailSend')).toMatchObject({ dryRun: true });
  });

  it('is null for an unknown send and refuses an empty id', async () => {
    expect(await query('{ emailSend(sendId: "0123456789abcdef") { sendId } }')).toEqual({
      data: { emailSend: null },
    });
    const empty = await query('{ emailSend(sendId: "") { sendId } }');
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'sendId' });
  });
});

describe('batch', () => {
  it('gives the upload report, the dry-run flag and whether the batch has finished', async () => {
    const result = await query(`{
      running: batch(batchId: "batch-0") { fileName received total duplicates invalid dryRun finished
        report { truncated encoding errors { line reason value } duplicatesList { line email firstLine } } }
      done: batch(batchId: "batch-1") { finished counts { pending queued sending sent error } }
      dry: batch(batchId: "batch-3") { dryRun }
    }`);
    expect(result.errors).toBeUndefined();
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
        errors: [{ line: 4, reason: 'invalid email address', value: 'not-an-address' }],
        duplicatesList: [{ line: 7, email: 'r1.sent@example.com', firstLine: 3 }],
      },
    });
    expect(result.data?.done).toEqual({
      finished: true,
      counts: { pending: 0, queued: 0, sending: 0, sent: 5, error: 5 },
    });
    expect(result.data?.dry).toEqual({ dryRun: true });
  });

  it('gives null report fields for a batch written before reports were kept', async () => {
    const old: BatchRecord = {
      batchId: 'old-batch',
      createdAt: '2026-01-01T00:00:00.000Z',
      received: 1,
      accepted: 1,
      duplicates: 0,
      invalid: 0,
    };
    await new BatchStore(aws.clients.documents, aws.tableName).putBatch(old);
    batches.push(old);
    const result = await query(
      '{ batch(batchId: "old-batch") { dryRun report { errors { line } duplicatesList { line } truncated encoding } } }',
    );
    expect(dataOf(result, 'batch')).toEqual({
      dryRun: false,
      report: { errors: null, duplicatesList: null, truncated: null, encoding: null },
    });
  });

  it.each([
    // batch-4: ten sends, two in each of the five statuses.
    ['every status', '', (s: SendRecord) => s.batchId === 'batch-4', 10],
    ['one status', 'status: "sent", ', (s: SendRecord) => s.batchId === 'batch-4' && s.status === 'SENT', 2],
  ])(
    'pages through the sends of a batch in %s exactly once, newest first',
    async (_, status, match, size) => {
      const seen = await walk(
        query,
        `query($after: String) { batch(batchId: "batch-4") { sends(${status}first: 3, after: $after) { items { sendId } nextCursor } } }`,
        (result) =>
          dataOf<{ sends: { items: { sendId: string }[]; nextCursor: string | null } }>(result, 'batch')
            .sends,
      );
      const expected = newestFirst(sends.filter(match), (s) => s.sendId).map((s) => s.sendId);
      expect(expected).toHaveLength(size);
      expect(seen.map((s) => s.sendId)).toEqual(expected);
    },
  );

  it('refuses a cursor of another status or another batch, and an unknown status', async () => {
    const first = await query(
      '{ batch(batchId: "batch-4") { sends(status: "SENT", first: 1) { nextCursor } } }',
    );
    const cursor = dataOf<{ sends: { nextCursor: string } }>(first, 'batch').sends.nextCursor;
    for (const other of [
      'batch(batchId: "batch-4") { sends(status: "ERROR"',
      'batch(batchId: "batch-5") { sends(status: "SENT"',
    ]) {
      const result = await query(`query($c: String) { ${other}, after: $c) { nextCursor } } }`, {
        c: cursor,
      });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    }
    const unknown = await query('{ batch(batchId: "batch-4") { sends(status: "BOUNCED") { nextCursor } } }');
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'status' });
    expect(unknown.errors?.[0]?.message).toMatch(/PENDING, QUEUED, SENDING, SENT, ERROR/);
  });
});

describe('batch startedAt and finishedAt', () => {
  const at = (second: number) => new Date(Date.UTC(2026, 10, 19, 10, 0, second));
  const LEASE_MS = 60_000;
  const refOf = (s: SendRecord) => ({ sendId: s.sendId, createdAt: s.createdAt });
  const timesOf = async (batchId: string) =>
    dataOf(
      await query('query($id: String!) { batch(batchId: $id) { finished startedAt finishedAt } }', {
        id: batchId,
      }),
      'batch',
    );
  const newBatch = async (batchId: string, accepted: number): Promise<BatchRecord> => {
    const batch: BatchRecord = {
      batchId,
      createdAt: '2026-11-19T10:00:00.000Z',
      received: accepted,
      accepted,
      duplicates: 0,
      invalid: 0,
    };
    await new BatchStore(aws.clients.documents, aws.tableName).putBatch(batch);
    batches.push(batch);
    return batch;
  };

  it('gives when the first send was claimed and when the last one became SENT or ERROR', async () => {
    const batch = await newBatch('timed-batch', 3);
    const [a, b, c] = [0, 1, 2].map((i) => send(batch, i, 'PENDING')) as [SendRecord, SendRecord, SendRecord];
    await store.putNewSends([a, b, c]);
    expect(await timesOf(batch.batchId)).toEqual({ finished: false, startedAt: null, finishedAt: null });

    // Two sender containers record their first claim of the batch, the later claim's write first.
    const containerA = new BatchStarts(aws.clients.documents, aws.tableName);
    const containerB = new BatchStarts(aws.clients.documents, aws.tableName);
    await store.claim(refOf(a), 'lease-a', at(5), LEASE_MS);
    await containerA.record(batch.batchId, at(5));
    await store.claim(refOf(b), 'lease-b', at(3), LEASE_MS);
    await containerB.record(batch.batchId, at(3));
    await store.markSent(refOf(a), 'lease-a', 'ses-a', at(7));
    expect(await timesOf(batch.batchId)).toEqual({
      finished: false,
      startedAt: at(3).toISOString(),
      finishedAt: null,
    });

    await store.claim(refOf(c), 'lease-c', at(9), LEASE_MS);
    await containerA.record(batch.batchId, at(9));
    const rejected = { code: 'MessageRejected', message: 'Email address is not verified.' };
    await store.markError(refOf(b), rejected, at(11), 'lease-b');
    await store.markSent(refOf(c), 'lease-c', 'ses-c', at(10));
    expect(await timesOf(batch.batchId)).toEqual({
      finished: true,
      startedAt: at(3).toISOString(),
      finishedAt: at(11).toISOString(),
    });

    // The upload writes its batch record whole a second time once its last rows are in.
    await new BatchStore(aws.clients.documents, aws.tableName).putBatch(batch);
    expect(await timesOf(batch.batchId)).toMatchObject({ startedAt: at(3).toISOString() });
  });

  it('writes the start of a batch once per sender container', async () => {
    const container = new BatchStarts(aws.clients.documents, aws.tableName);
    const before = commands.length;
    for (const second of [1, 2, 3]) await container.record('once-batch', at(second));
    expect(commands.slice(before).filter((c) => c === 'UpdateItemCommand')).toHaveLength(1);
    expect(await container.get('once-batch')).toBe(at(1).toISOString());
  });

  it('gives a batch without sends no start and no finish time', async () => {
    const batch = await newBatch('empty-batch', 0);
    expect(await timesOf(batch.batchId)).toEqual({ finished: true, startedAt: null, finishedAt: null });
  });
});

describe('batches', () => {
  const listed = (result: GraphqlResult) =>
    dataOf<{ items: { batchId: string }[]; nextCursor: string | null }>(result, 'batches');

  it('lists every batch exactly once, newest first, page by page', async () => {
    const seen = await walk(
      query,
      'query($after: String) { batches(first: 2, after: $after) { items { batchId } nextCursor } }',
      listed,
    );
    const expected = newestFirst(batches, (b) => b.batchId).map((b) => b.batchId);
    expect(seen.map((b) => b.batchId)).toEqual(expected);
  });

  it.each([
    [
      'a day',
      'from: "2026-11-17", to: "2026-11-17"',
      (b: BatchRecord) => b.createdAt.startsWith('2026-11-17'),
    ],
    [
      'from an instant',
      'from: "2026-11-17T02:00:00Z"',
      (b: BatchRecord) => b.createdAt >= '2026-11-17T02:00',
    ],
    ['up to an instant', 'to: "2026-11-16T23:59:59+00:00"', (b: BatchRecord) => b.createdAt < '2026-11-17'],
  ])('keeps to %s, also across pages', async (_, dates, match) => {
    const seen = await walk(
      query,
      `query($after: String) { batches(${dates}, first: 1, after: $after) { items { batchId createdAt fileName total } nextCursor } }`,
      listed,
    );
    const expected = newestFirst(batches.filter(match), (b) => b.batchId).map((b) => b.batchId);
    expect(expected.length).toBeGreaterThan(0);
    expect(seen.map((b) => b.batchId)).toEqual(expected);
  });

  it('gives each listed batch its counts', async () => {
    const result = await query(
      '{ batches(from: "2026-11-17", to: "2026-11-17") { items { batchId counts { sent error } } } }',
    );
    for (const item of listed(result).items as { batchId: string; counts: unknown }[]) {
      const ofBatch = sends.filter((s) => s.batchId === item.batchId);
      expect(item.counts).toEqual({
        sent: ofBatch.filter((s) => s.status === 'SENT').length,
        error: ofBatch.filter((s) => s.status === 'ERROR').length,
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
    const cursor = listed(page).nextCursor;
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

describe('counts', () => {
  it('stay exact when a status holds more than one 1 MB page of the batch index', async () => {
    const padding = 'x'.repeat(4000);
    const big: BatchRecord = {
      batchId: 'big-batch',
      createdAt: '2026-11-10T00:00:00.000Z',
      received: 400,
      accepted: 400,
      duplicates: 0,
      invalid: 0,
    };
    await new BatchStore(aws.clients.documents, aws.tableName).putBatch(big);
    batches.push(big);
    const bigSends = Array.from({ length: 400 }, (_, i) => ({
      ...send(big, i, i < 300 ? 'PENDING' : 'SENT'),
      variables: { padding },
    }));
    await store.putNewSends(bigSends);
    // One COUNT query does not reach the end of the 300 PENDING sends (≈ 1.2 MB): DynamoDB stops at 1 MB.
    const one = await aws.clients.dynamodb.send(
      new RawQueryCommand({
        TableName: aws.tableName,
        IndexName: BATCH_INDEX.name,
        KeyConditionExpression: 'batchId = :b AND begins_with(batchStatusKey, :p)',
        ExpressionAttributeValues: { ':b': { S: 'big-batch' }, ':p': { S: batchStatusKeyOf('PENDING', '') } },
        Select: 'COUNT',
      }),
    );
    expect(one.LastEvaluatedKey).toBeDefined();
    expect(one.Count).toBeLessThan(300);
    const result = await query('{ batch(batchId: "big-batch") { finished counts { pending sent } } }');
    expect(dataOf(result, 'batch')).toEqual({ finished: false, counts: { pending: 300, sent: 100 } });
  });
});

describe('upload', () => {
  interface UploadAnswer {
    batchId: string;
    state: string;
    runs: number;
    updatedAt: string;
    finishedAt: string | null;
    error: { message: string; code: string; line: number | null } | null;
    batch: { batchId: string; total: number; invalid: number } | null;
  }
  const UPLOAD = `query($id: String!) {
    upload(batchId: $id) {
      batchId state runs updatedAt finishedAt error { message code line } batch { batchId total invalid }
    }
    batch(batchId: $id) { batchId }
  }`;

  /** S3 as far as the ingest reads it: GetObject answers the file as a stream (as in s3-ingest.test.ts). */
  const s3With = (csv: string) =>
    ({
      send: async () => ({ Body: Readable.from([Buffer.from(csv)]), Metadata: {} }),
    }) as unknown as S3Client;

  /** Runs the S3 ingest of a large file PUT to a fresh upload URL, as S3's event invokes it. */
  async function ingestLargeFile(csv: string): Promise<string> {
    const batchId = crypto.randomUUID();
    const ingest = createS3IngestHandler({
      s3: s3With(csv),
      sends: store,
      contents: new ContentStore(aws.clients.documents, aws.tableName),
      batches: new BatchStore(aws.clients.documents, aws.tableName),
      queue: new SendQueue(aws.clients.sqs, aws.queues.queueUrl),
      claims: new UploadClaims(aws.clients.documents, aws.tableName),
      clock: () => new Date(),
      chunkRows: 25,
      maxFileBytes: 1024 ** 3,
    });
    const event = {
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'uploads' }, object: { key: uploadKeyOf(batchId), size: csv.length } },
        },
      ],
    } as unknown as S3Event;
    await ingest(event, { getRemainingTimeInMillis: () => 60_000 });
    return batchId;
  }

  async function askUpload(batchId: string): Promise<{ upload: UploadAnswer | null; batch: unknown }> {
    const result = await query(UPLOAD, { id: batchId });
    if (result.errors || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data as { upload: UploadAnswer | null; batch: unknown };
  }

  it('explains a large file refused as a whole, for which no batch exists', async () => {
    const batchId = await ingestLargeFile('email,content\na@example.com,Hi');
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
    const batchId = await ingestLargeFile('email,subject,content\na@example.com,Hi {{nickname}},Body');
    const { upload } = await askUpload(batchId);
    expect(upload).toMatchObject({ state: 'FAILED', batch: null });
    expect(upload?.error).toEqual({
      code: 'UNKNOWN_PLACEHOLDER',
      message: 'line 2: placeholder {{nickname}} names no column (the file has no personalisation columns)',
      line: 2,
    });
  });

  it('gives the report of a file none of whose rows could be sent', async () => {
    const batchId = await ingestLargeFile('email,subject,content\nnot-an-address,Hi,Body');
    const { upload } = await askUpload(batchId);
    expect(upload).toMatchObject({
      state: 'FAILED',
      error: { code: 'NOTHING_ACCEPTED', line: null },
      batch: { batchId, total: 0, invalid: 1 },
    });
  });

  it('gives the batch a large file became once it was read', async () => {
    const batchId = await ingestLargeFile(
      'email,subject,content\na@example.com,Hi,Body\nb@example.com,Hi,Body\nnope,Hi,Body',
    );
    const { upload, batch } = await askUpload(batchId);
    expect(batch).toEqual({ batchId });
    expect(upload).toMatchObject({
      state: 'DONE',
      error: null,
      finishedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      batch: { batchId, total: 2, invalid: 1 },
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
    // The API key check reads one item; no query of sends or batches ran.
    expect(commands.slice(before).filter((c) => c === 'QueryCommand')).toEqual([]);
    const counts = await query('{ batches(first: 1000) { items { counts { sent } } } }');
    expect(counts.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY' });
    const allowed = await query('{ emailSendsPage(first: 1000) { items { sendId content { subject } } } }');
    expect(allowed.errors).toBeUndefined();
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

  it('every query and filter combination reads with Query and GetItem only', async () => {
    commands.length = 0;
    const filters = ['', 'status: "SENT"', 'batchId: "batch-2"', 'from: "2026-11-17"', 'to: "2026-11-17"'];
    const combos: string[] = [];
    for (let mask = 0; mask < 1 << (filters.length - 1); mask++) {
      combos.push(
        filters
          .slice(1)
          .filter((_, i) => mask & (1 << i))
          .join(', '),
      );
    }
    for (const args of combos) {
      const withArgs = args ? `(${args})` : '';
      for (const text of [
        `{ emailSends${withArgs} { sendId content { subject } } }`,
        `{ emailSendsPage${args ? `(${args}, first: 5)` : '(first: 5)'} { items { sendId } nextCursor } }`,
      ]) {
        const result = await query(text);
        expect(result.errors, text).toBeUndefined();
      }
    }
    const one = sends[0]?.sendId ?? '';
    const rest = [
      `{ emailSend(sendId: "${one}") { sendId content { text } } }`,
      '{ batch(batchId: "batch-2") { total finished counts { sent } report { truncated } sends(status: "ERROR") { items { sendId } } } }',
      '{ batches(from: "2026-11-16", to: "2026-11-18", first: 3) { items { batchId finished sends(first: 2) { nextCursor } } nextCursor } }',
      '{ batches { items { batchId } } }',
      '{ batch(batchId: "batch-1") { startedAt finishedAt } }',
      '{ upload(batchId: "no-such-upload") { state error { code } batch { batchId } } }',
    ];
    for (const text of rest) expect((await query(text)).errors, text).toBeUndefined();
    expect(new Set(commands)).toEqual(new Set(['GetItemCommand', 'QueryCommand']));
  });
});
