import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MAX_GRAPHQL_REQUEST_BYTES } from '../../lambdas/contract/api-schemas.js';
import { PageCursors } from '../../lambdas/core/domain/page-cursor.js';
import { noChanges } from '../../lambdas/core/store/counter-store.js';
import { createGraphqlHandler } from '../../lambdas/graphql/handler.js';
import { MAX_QUERY_LENGTH, MAX_TOKENS, type QueryWorkMeter } from '../../lambdas/graphql/query-limits.js';
import {
  aliases,
  commentPadded,
  directives,
  fragmentFanOut,
  nesting,
  whitespacePadded,
} from '../helpers/hostile-queries.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

/**
 * The generator of hostile queries, grown to sizes no client needs: every one is refused with a 4xx
 * naming its limit, and the work the server did for it, counted, stays within a constant times the
 * request's size. Work is counted, never timed (timings belong to benchmarks): characters and tokens
 * the parser read, nodes validation visited, selections the cost estimate looked at. An expansion of
 * fragment spreads without memory would count 2^n for a fan-out of n; a parser without limits, every
 * character of a megabyte of comments.
 */

interface Work {
  characters: number;
  tokens: number;
  validated: number;
  costed: number;
}

let work: Work = { characters: 0, tokens: 0, validated: 0, costed: 0 };
const meter: QueryWorkMeter = {
  parsed: (characters, tokens) => {
    work.characters += characters;
    work.tokens += tokens;
  },
  validated: (nodes) => {
    work.validated += nodes;
  },
  costed: (selections) => {
    work.costed += selections;
  },
};
const total = (w: Work) => w.characters + w.tokens + w.validated + w.costed;

let reads = 0;
const read =
  <T>(answer: T) =>
  async () => {
    reads += 1;
    return answer;
  };
const handler = createGraphqlHandler({
  reader: { page: read({ sends: [] }) },
  batches: { page: read({ batches: [] }) },
  sends: { getSend: read(undefined) },
  rows: { get: read(undefined) },
  batchRecords: { getBatch: read(undefined) },
  progress: {
    progress: read({
      counts: noChanges(),
      unsubscribed: 0,
      finished: false,
      reconciled: false,
    }),
  },
  starts: { get: read(undefined) },
  controls: { get: read(undefined) },
  writers: { get: read(undefined) },
  suppressions: { get: read(undefined), page: read({ entries: [] }) },
  cursors: new PageCursors('unit-test-secret-1234'),
  apiKeys: { require: async () => 'test-key-id' },
  introspection: false,
  queryWork: meter,
});

interface Outcome {
  status: number | undefined;
  /** The GraphQL error's code, or the problem of an HTTP refusal. */
  code: string | undefined;
  limit: unknown;
  /** Bytes of the request's body as sent. */
  size: number;
  work: Work;
}

async function send(body: string | Buffer, headers: Record<string, string> = {}): Promise<Outcome> {
  work = { characters: 0, tokens: 0, validated: 0, costed: 0 };
  reads = 0;
  const result = (await handler(
    httpApiEvent({
      method: 'POST',
      path: '/graphql',
      // A plain JSON client: the one GraphQL over HTTP would answer 200.
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body,
    }),
  )) as APIGatewayProxyStructuredResultV2;
  expect(reads, 'a refused query reads nothing').toBe(0);
  const answer = JSON.parse(String(result.body)) as {
    errors?: { extensions?: { code?: string; limit?: unknown } }[];
    problem?: string;
  };
  const error = answer.errors?.[0]?.extensions;
  return {
    status: result.statusCode,
    code: error?.code ?? answer.problem,
    limit: error?.limit,
    size: Buffer.byteLength(body),
    work,
  };
}

const ask = (query: string) => send(JSON.stringify({ query }));

/** What every refusal's work is held to: linear in the request, and never past the parser's limits. */
function expectLinearWork(outcome: Outcome) {
  expect(outcome.work.characters).toBeLessThanOrEqual(Math.min(outcome.size, MAX_QUERY_LENGTH));
  expect(outcome.work.tokens).toBeLessThanOrEqual(MAX_TOKENS + 1);
  // Each node of a document stands for at least one token; the estimate looks at selections only.
  expect(outcome.work.validated).toBeLessThanOrEqual(3 * outcome.work.tokens);
  expect(outcome.work.costed).toBeLessThanOrEqual(outcome.work.validated);
  expect(total(outcome.work)).toBeLessThanOrEqual(2 * outcome.size + 100);
}

const KB = 1024;

describe('hostile queries grown to extremes', () => {
  it('refuses fragment fan-outs from n = 13 (the first over the cost limit) to 80 as too costly, in work linear in n (not 2^n)', async () => {
    const outcomes = new Map<number, Outcome>();
    for (const n of [13, 20, 40, 80]) {
      const outcome = await ask(fragmentFanOut(n));
      expect([n, outcome.status, outcome.code]).toEqual([n, 400, 'QUERY_TOO_COSTLY']);
      expectLinearWork(outcome);
      outcomes.set(n, outcome);
    }
    // From n = 20 to 80 the query grows 4-fold and so does the work, where an expansion would grow 2^60-fold.
    const ratio = total(outcomes.get(80)?.work as Work) / total(outcomes.get(20)?.work as Work);
    expect(ratio).toBeLessThan(4.5);
  });

  it('refuses nesting from 1,000 to 100,000 levels at the token, length or body limit, parsing at most the token limit', async () => {
    const expected: [number, number, string][] = [
      [1000, 400, 'QUERY_TOO_MANY_TOKENS'],
      [4000, 400, 'QUERY_TOO_MANY_TOKENS'],
      [10_000, 400, 'QUERY_TOO_LONG'],
      [100_000, 413, 'REQUEST_TOO_LARGE'],
    ];
    for (const [levels, status, code] of expected) {
      const outcome = await ask(nesting(levels));
      expect([levels, outcome.status, outcome.code]).toEqual([levels, status, code]);
      expectLinearWork(outcome);
    }
  });

  it('refuses 16 to 100,000 aliases at the alias, token or body limit', async () => {
    const expected: [number, number, string][] = [
      [16, 400, 'QUERY_TOO_MANY_ALIASES'],
      [1000, 400, 'QUERY_TOO_MANY_TOKENS'],
      [100_000, 413, 'REQUEST_TOO_LARGE'],
    ];
    for (const [count, status, code] of expected) {
      const outcome = await ask(aliases(count));
      expect([count, outcome.status, outcome.code]).toEqual([count, status, code]);
      expectLinearWork(outcome);
    }
  });

  it('refuses 51 to 10,000 directives at the directive, token, length or body limit', async () => {
    const expected: [number, number, string][] = [
      [51, 400, 'QUERY_TOO_MANY_DIRECTIVES'],
      [500, 400, 'QUERY_TOO_MANY_TOKENS'],
      [1000, 400, 'QUERY_TOO_LONG'],
      [10_000, 413, 'REQUEST_TOO_LARGE'],
    ];
    for (const [count, status, code] of expected) {
      const outcome = await ask(directives(count));
      expect([count, outcome.status, outcome.code]).toEqual([count, status, code]);
      expectLinearWork(outcome);
    }
  });

  it('refuses comments and whitespace (no tokens) past the length limit unread, and 1 MB bodies unparsed', async () => {
    for (const pad of [commentPadded, whitespacePadded]) {
      const within = await ask(pad('{ __typename }', MAX_QUERY_LENGTH));
      expect(within.status).toBe(200);
      const over = await ask(pad('{ __typename }', MAX_QUERY_LENGTH + 1));
      expect([over.status, over.code, over.limit]).toEqual([400, 'QUERY_TOO_LONG', MAX_QUERY_LENGTH]);
      expect(over.work).toEqual({ characters: 0, tokens: 0, validated: 0, costed: 0 });
      for (const size of [60 * KB, 1024 * KB]) {
        const outcome = await ask(pad('{ __typename }', size));
        expect([size, outcome.status]).toEqual([size, size > MAX_GRAPHQL_REQUEST_BYTES ? 413 : 400]);
        expectLinearWork(outcome);
      }
    }
  });

  it('refuses a 1 MB body even when it is sent gzip-compressed to a few KB, unpacking no more than the limit', async () => {
    const body = gzipSync(JSON.stringify({ query: commentPadded('{ __typename }', 1024 * KB) }));
    expect(body.length).toBeLessThan(MAX_GRAPHQL_REQUEST_BYTES);
    const outcome = await send(body, { 'content-encoding': 'gzip' });
    expect([outcome.status, outcome.code]).toEqual([413, 'REQUEST_TOO_LARGE']);
    expect(total(outcome.work)).toBe(0);
  });

  it('refuses batches of 2 to 1,000 operations before parsing any', async () => {
    for (const count of [2, 10, 1000]) {
      const operations = Array.from({ length: count }, () => ({ query: '{ __typename }' }));
      const outcome = await send(JSON.stringify(operations));
      expect([count, outcome.status, outcome.code, outcome.limit]).toEqual([
        count,
        400,
        'BATCHING_NOT_SUPPORTED',
        1,
      ]);
      expect(total(outcome.work)).toBe(0);
    }
  });
});
