import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import { SEND_STATUSES, type SendStatus } from '../../lambdas/core/domain/send-status.js';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import { BatchStore } from '../../lambdas/core/store/batch-store.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { createGraphqlHandler } from '../../lambdas/graphql/handler.js';
import { PageCursors } from '../../lambdas/graphql/page-cursor.js';
import { tableReaders } from '../../lambdas/graphql/table-readers.js';
import { createTestKey } from '../helpers/api-keys.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

/**
 * The query side against the DynamoDB emulator: 3 batches × 3 days × 5 statuses, so that every
 * filter combination has something to include and something to leave out.
 */
const BATCHES = ['batch-a', 'batch-b', 'batch-c'];
const DAYS = ['2026-11-18', '2026-11-19', '2026-11-20'];
const PER_STATUS = 4;

let aws: TestAws;
let store: SendStore;
let query: (text: string, variables?: Record<string, unknown>) => Promise<GraphqlResult>;
const all: SendRecord[] = [];

interface GraphqlResult {
  data?: Record<string, unknown>;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One field of a successful answer. */
function dataOf<T>(result: GraphqlResult, field: string): T {
  if (result.errors || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data[field] as T;
}

beforeAll(async () => {
  aws = await startTestAws();
  store = new SendStore(aws.clients.documents, aws.tableName);
  const handler = createGraphqlHandler({
    ...tableReaders(aws.clients.documents, aws.tableName),
    cursors: new PageCursors('integration-test-secret'),
    apiKeys: new ApiKeyCheck(new ApiKeyStore(aws.clients.documents, aws.tableName), () => new Date()),
  });
  const key = await createTestKey(aws, ['read']);
  query = async (text, variables = {}) => {
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

  for (const [b, batchId] of BATCHES.entries()) {
    for (const [d, day] of DAYS.entries()) {
      const createdAt = `${day}T1${b}:0${d}:00.000Z`;
      for (const status of SEND_STATUSES) {
        for (let i = 0; i < PER_STATUS; i++) {
          const email = `${status.toLowerCase()}${i}.d${d}@example.com`;
          all.push({
            sendId: sendIdFor(batchId, email),
            batchId,
            email,
            subject: `Subject ${i}`,
            contentId: 'c',
            variables: {},
            status,
            createdAt,
            updatedAt: createdAt,
            attempts: status === 'SENT' ? 1 : 0,
          });
        }
      }
    }
    await new BatchStore(aws.clients.documents, aws.tableName).putBatch({
      batchId,
      createdAt: `${DAYS[0]}T1${b}:00:00.000Z`,
      fileName: `${batchId}.csv`,
      received: DAYS.length * SEND_STATUSES.length * PER_STATUS,
      accepted: DAYS.length * SEND_STATUSES.length * PER_STATUS,
      duplicates: 0,
      invalid: 0,
    });
  }
  await store.putNewSends(all);
});
afterAll(() => aws.stop());

const newestFirst = (sends: SendRecord[]) =>
  [...sends].sort((a, b) =>
    a.createdAt === b.createdAt ? (a.sendId < b.sendId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
  );

describe('emailSends', () => {
  it('answers the query our users already run, unchanged', async () => {
    const result = await query(
      'query MyQuery { emailSends(status: "SENT") { sendId batchId email subject status createdAt } }',
    );
    expect(result.errors).toBeUndefined();
    const sends = result.data?.emailSends as SendRecord[];
    const expected = newestFirst(all.filter((s) => s.status === 'SENT'));
    expect(sends.map((s) => s.sendId)).toEqual(expected.map((s) => s.sendId));
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
  const cases: { name: string; args: string; match: (s: SendRecord) => boolean; size: number }[] = [
    // 3 batches × 3 days × 4.
    { name: 'a status', args: 'status: "ERROR"', match: (s) => s.status === 'ERROR', size: 36 },
    // 3 days × 5 statuses × 4.
    { name: 'a batch', args: 'batchId: "batch-b"', match: (s) => s.batchId === 'batch-b', size: 60 },
    {
      name: 'a batch and a status',
      args: 'batchId: "batch-c", status: "QUEUED"',
      match: (s) => s.batchId === 'batch-c' && s.status === 'QUEUED',
      // 3 days × 4.
      size: 12,
    },
    {
      name: 'a status and a date range',
      args: 'status: "SENT", from: "2026-11-19T00:00:00Z", to: "2026-11-19T23:59:59Z"',
      match: (s) => s.status === 'SENT' && s.createdAt.startsWith('2026-11-19'),
      // 3 batches × 4.
      size: 12,
    },
    {
      name: 'a batch, a status and a date range',
      args: 'batchId: "batch-a", status: "PENDING", from: "2026-11-20T00:00:00Z"',
      match: (s) => s.batchId === 'batch-a' && s.status === 'PENDING' && s.createdAt >= '2026-11-20',
      // One day × 4.
      size: 4,
    },
    {
      name: 'a date range alone',
      args: 'from: "2026-11-18T00:00:00Z", to: "2026-11-18T23:59:59.999Z"',
      match: (s) => s.createdAt.startsWith('2026-11-18'),
      // 3 batches × 5 statuses × 4.
      size: 60,
    },
  ];
  it.each(cases)('returns exactly the sends of $name, newest first', async ({ args, match, size }) => {
    const result = await query(`{ emailSends(${args}, limit: 1000) { sendId } }`);
    expect(result.errors).toBeUndefined();
    const expected = newestFirst(all.filter(match)).map((s) => s.sendId);
    expect(expected).toHaveLength(size);
    expect(dataOf<{ sendId: string }[]>(result, 'emailSends').map((s) => s.sendId)).toEqual(expected);
  });

  it('returns the newest `limit` sends', async () => {
    const result = await query('{ emailSends(status: "SENT", limit: 5) { sendId } }');
    const expected = newestFirst(all.filter((s) => s.status === 'SENT')).slice(0, 5);
    expect(dataOf<{ sendId: string }[]>(result, 'emailSends').map((s) => s.sendId)).toEqual(
      expected.map((s) => s.sendId),
    );
  });

  it('refuses an unknown status, naming the argument and the allowed values', async () => {
    const result = await query('{ emailSends(status: "DELIVERED") { sendId } }');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'status' });
    expect(result.errors?.[0]?.message).toMatch(/PENDING.*QUEUED.*SENDING.*SENT.*ERROR/);
  });
});

describe('emailSendsPage', () => {
  async function walk(args: string, first: number, onPage?: (n: number) => Promise<void>) {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pageNo = 0; pageNo < 100; pageNo++) {
      const result = await query(
        `query($after: String) { emailSendsPage(${args}, first: ${first}, after: $after) { items { sendId } nextCursor } }`,
        { after },
      );
      expect(result.errors).toBeUndefined();
      const page = result.data?.emailSendsPage as { items: { sendId: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((s) => s.sendId));
      await onPage?.(pageNo);
      after = page.nextCursor;
      if (after === null) return seen;
    }
    throw new Error('pagination did not end');
  }

  it.each([
    ['status', 'status: "SENT"', (s: SendRecord) => s.status === 'SENT'],
    ['batch', 'batchId: "batch-b"', (s: SendRecord) => s.batchId === 'batch-b'],
    ['date range', 'from: "2026-11-19T00:00:00Z"', (s: SendRecord) => s.createdAt >= '2026-11-19'],
  ])('visits every send matching a %s exactly once, in order, page by page', async (_, args, match) => {
    const seen = await walk(args, 7);
    expect(seen).toEqual(newestFirst(all.filter(match)).map((s) => s.sendId));
  });

  it('still visits every original send exactly once while new sends keep arriving', async () => {
    const original = newestFirst(all.filter((s) => s.batchId === 'batch-a')).map((s) => s.sendId);
    const seen = await walk('batchId: "batch-a"', 9, async (pageNo) => {
      const email = `late${pageNo}@example.com`;
      const createdAt = new Date(Date.UTC(2026, 10, 21, 0, 0, pageNo)).toISOString();
      await store.putNewSends([
        {
          sendId: sendIdFor('batch-a', email),
          batchId: 'batch-a',
          email,
          subject: 'Late',
          contentId: 'c',
          variables: {},
          status: 'PENDING',
          createdAt,
          updatedAt: createdAt,
          attempts: 0,
        },
      ]);
    });
    expect(seen).toEqual(original);
  });

  it('refuses a cursor used with other filters, or tampered with', async () => {
    const first = await query('{ emailSendsPage(status: "SENT", first: 2) { nextCursor } }');
    const cursor = dataOf<{ nextCursor: string }>(first, 'emailSendsPage').nextCursor;
    const other = await query(
      'query($c: String) { emailSendsPage(status: "ERROR", first: 2, after: $c) { nextCursor } }',
      {
        c: cursor,
      },
    );
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    const forged = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`;
    const tampered = await query(
      'query($c: String) { emailSendsPage(status: "SENT", first: 2, after: $c) { nextCursor } }',
      {
        c: forged,
      },
    );
    expect(tampered.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });
});

describe('batch', () => {
  it('gives the batch with its total and exact counts per status', async () => {
    const result = await query(
      '{ batch(batchId: "batch-c") { batchId createdAt fileName total counts { pending queued sending sent error } } }',
    );
    expect(result.errors).toBeUndefined();
    const perStatus = DAYS.length * PER_STATUS;
    expect(result.data?.batch).toEqual({
      batchId: 'batch-c',
      createdAt: '2026-11-18T12:00:00.000Z',
      fileName: 'batch-c.csv',
      total: DAYS.length * SEND_STATUSES.length * PER_STATUS,
      counts: {
        pending: perStatus,
        queued: perStatus,
        sending: perStatus,
        sent: perStatus,
        error: perStatus,
      },
    });
  });

  it('is null for a batch that does not exist', async () => {
    const result = await query('{ batch(batchId: "no-such-batch") { batchId } }');
    expect(result).toEqual({ data: { batch: null } });
  });

  it('counts follow a send as it moves on', async () => {
    const send = all.find((s) => s.batchId === 'batch-c' && s.status === ('QUEUED' satisfies SendStatus));
    if (!send) throw new Error('fixture has no QUEUED send in batch-c');
    const claimed = await store.claim(send, 'lease-1', new Date(), 60_000);
    expect(claimed).toMatchObject({
      sendId: send.sendId,
      status: 'SENDING',
      leaseId: 'lease-1',
      attempts: 1,
    });
    const result = await query('{ batch(batchId: "batch-c") { counts { queued sending } } }');
    const perStatus = DAYS.length * PER_STATUS;
    expect(result.data?.batch).toEqual({ counts: { queued: perStatus - 1, sending: perStatus + 1 } });
  });
});
