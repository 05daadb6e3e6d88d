import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { csvText, moveSend, uploadAt } from '../helpers/campaign-fixtures.js';
import { dataOf, type GraphqlQuery, graphqlOver, newestFirst, walkPages } from '../helpers/graphql-client.js';
import { storesOf } from '../helpers/send-pipeline.js';

/**
 * SENT and DELIVERED share their index entries (item-keys.ts): a page of SENT sends in a batch where
 * nearly every send was delivered passes over the delivered ones, and must stay bounded in what it reads.
 */
const ROWS = 120;
/** The oldest sends in page order are left SENT, every other one DELIVERED: a page must pass over 117. */
const LEFT_SENT = 3;

let aws: TestAws;
let query: GraphqlQuery;
let batchId: string;
const sends: SendRecord[] = [];
/** Sends read by key per GraphQL request (BatchGetItem keys), measured by middleware. */
let keysRead = 0;

beforeAll(async () => {
  aws = await startTestAws();
  aws.clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchGetItemCommand') {
        const input = args.input as { RequestItems?: Record<string, { Keys?: unknown[] }> };
        for (const table of Object.values(input.RequestItems ?? {})) keysRead += table.Keys?.length ?? 0;
      }
      return next(args);
    },
    { step: 'initialize', name: 'countKeysRead' },
  );
  query = await graphqlOver(aws);
  const emails = Array.from({ length: ROWS }, (_, i) => `d${i}@example.com`);
  const at = new Date('2026-11-25T09:00:00.000Z');
  const batch = await uploadAt(
    aws,
    csvText([['email', 'subject', 'content'], ...emails.map((e) => [e, 'Hi', 'Hello'])]),
    at,
  );
  batchId = batch.batchId;
  const written = newestFirst(
    await storesOf(aws).sends.getSends(emails.map((e) => sendIdFor(batchId, e))),
    (s) => s.sendId,
  );
  const movedAt = new Date(at.getTime() + 60_000);
  await Promise.all(
    written.map(async (send, i) => {
      sends.push(await moveSend(aws, send, i >= ROWS - LEFT_SENT ? 'SENT' : 'DELIVERED', movedAt));
    }),
  );
}, 60_000);
afterAll(() => aws.stop());

const pageOf = (result: Awaited<ReturnType<GraphqlQuery>>) =>
  dataOf<{ sends: { items: { sendId: string }[]; nextCursor: string | null } }>(result, 'batch').sends;

describe('a page of a status that shares its index entries with another', () => {
  it('returns every SENT send exactly once, newest first, passing over the DELIVERED ones', async () => {
    const seen = await walkPages(
      query,
      'query($after: String, $id: String!) { batch(batchId: $id) { sends(status: "SENT", first: 2, after: $after) { items { sendId } nextCursor } } }',
      pageOf,
      { variables: { id: batchId } },
    );
    const expected = newestFirst(
      sends.filter((s) => s.status === 'SENT'),
      (s) => s.sendId,
    ).map((s) => s.sendId);
    expect(expected).toHaveLength(LEFT_SENT);
    expect(seen.map((s) => s.sendId)).toEqual(expected);
  });

  it('reads at most 10 sends per wanted send in one request: a page that reaches the bound ends early with a cursor', async () => {
    keysRead = 0;
    const result = await query(
      'query($id: String!) { batch(batchId: $id) { sends(status: "SENT", first: 1) { items { sendId } nextCursor } } }',
      { id: batchId },
    );
    const page = pageOf(result);
    // first: 1 wants 2 matches (one to know there is a next page): at most 20 sends read, where an
    // unbounded page would read the 117 delivered ones first.
    expect(keysRead).toBeLessThanOrEqual(20);
    expect(page.items).toEqual([]);
    expect(page.nextCursor).not.toBeNull();
  });

  it('returns the DELIVERED sends of a page in full: they match nearly every entry', async () => {
    keysRead = 0;
    const page = pageOf(
      await query(
        'query($id: String!) { batch(batchId: $id) { sends(status: "DELIVERED", first: 50) { items { sendId } nextCursor } } }',
        { id: batchId },
      ),
    );
    expect(page.items).toHaveLength(50);
    expect(keysRead).toBeLessThanOrEqual(60);
  });
});
