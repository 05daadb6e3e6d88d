import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PageCursors } from '../../lambdas/core/domain/page-cursor.js';
import type { Suppression } from '../../lambdas/core/domain/suppression.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { dataOf, type GraphqlQuery, graphqlOver, walkPages } from '../helpers/graphql-client.js';
import { csvOf, ingestText, storesOf } from '../helpers/send-pipeline.js';

/**
 * The suppression list in GraphQL, with a key of the read scope: one address by key, the list newest
 * first with the cursors and page sizes of every page of the schema, and what an upload's batch says of
 * the rows it left out.
 */

let aws: TestAws;
let query: GraphqlQuery;
let stores: ReturnType<typeof storesOf>;

beforeAll(async () => {
  aws = await startTestAws();
  stores = storesOf(aws);
  query = await graphqlOver(aws);
});
afterAll(async () => aws?.stop());

const FIELDS = 'email reason detail sourceSendId sourceBatchId addedAt';

describe('suppression(email)', () => {
  it("answers an address's entry, looked up as the list keys it (trimmed, lower-cased)", async () => {
    const entry: Suppression = {
      email: `bounced-${randomUUID().slice(0, 8)}@example.com`,
      reason: 'BOUNCED',
      detail: 'OnAccountSuppressionList',
      sourceSendId: 'send-1',
      sourceBatchId: 'batch-1',
      addedAt: '2026-12-01T09:00:00.000Z',
    };
    await stores.suppressions.put(entry);
    const result = await query(`query($email: String!) { suppression(email: $email) { ${FIELDS} } }`, {
      email: ` ${entry.email.toUpperCase()} `,
    });
    expect(dataOf(result, 'suppression')).toEqual(entry);
  });

  it('answers null for an address not on the list, and refuses one that is not an address', async () => {
    const missing = await query('{ suppression(email: "nobody-here@example.com") { email } }');
    expect(dataOf(missing, 'suppression')).toBeNull();
    const invalid = await query('{ suppression(email: "not an address") { email } }');
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'email' });
    expect(invalid.errors?.[0]?.message).toMatch(/Argument "email" must be an address/);
  });
});

describe('suppressions(first, after)', () => {
  it('pages through the list newest first, every entry once', async () => {
    const base = Date.parse('2099-06-01T00:00:00.000Z');
    const tag = randomUUID().slice(0, 8);
    const added = Array.from({ length: 5 }, (_, i) => `walk-${i}-${tag}@example.com`);
    for (const [i, email] of added.entries()) {
      await stores.suppressions.put({ email, reason: 'MANUAL', addedAt: new Date(base + i).toISOString() });
    }
    const text =
      'query($after: String) { suppressions(first: 2, after: $after) { items { email addedAt } nextCursor } }';
    const seen = await walkPages<{ email: string; addedAt: string }>(query, text, (result) =>
      dataOf(result, 'suppressions'),
    );
    expect(seen.slice(0, 5).map((entry) => entry.email)).toEqual([...added].reverse());
    expect(new Set(seen.map((entry) => entry.email)).size).toBe(seen.length);
    const order = seen.map((entry) => entry.addedAt);
    expect(order).toEqual([...order].sort().reverse());
  });

  it('refuses a page size out of 1 to 1000, and a cursor it did not issue for this list', async () => {
    for (const first of [0, 1001]) {
      const result = await query(`{ suppressions(first: ${first}) { nextCursor } }`);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    }
    const rest = new PageCursors('graphql-test-secret').encode('2099#a@example.com', 'rest:suppressions');
    for (const after of ['garbage', rest]) {
      const result = await query('query($after: String) { suppressions(after: $after) { nextCursor } }', {
        after,
      });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    }
  });
});

describe("a batch's suppressed rows", () => {
  it('are counted and listed with their line and reason', async () => {
    const tag = randomUUID().slice(0, 8);
    const [ana, bob, carl] = ['ana', 'bob', 'carl'].map((name) => `${name}-${tag}@example.com`) as [
      string,
      string,
      string,
    ];
    await stores.suppressions.put({ email: bob, reason: 'COMPLAINED', addedAt: new Date().toISOString() });
    const report = await ingestText(
      aws,
      csvOf([
        ['email', 'subject', 'content'],
        [ana, 'S', 'C'],
        [bob, 'S', 'C'],
        [carl, 'S', 'C'],
      ]),
    );
    const result = await query(
      `query($id: String!) { batch(batchId: $id) {
        total received duplicates invalid suppressed report { suppressedList { line email reason } }
      } }`,
      { id: report.batchId },
    );
    expect(dataOf(result, 'batch')).toEqual({
      total: 2,
      received: 3,
      duplicates: 0,
      invalid: 0,
      suppressed: 1,
      report: { suppressedList: [{ line: 3, email: bob, reason: 'COMPLAINED' }] },
    });
  });
});
