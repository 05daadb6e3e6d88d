import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PageCursors } from '../../lambdas/core/domain/page-cursor.js';
import { noChanges } from '../../lambdas/core/store/counter-store.js';
import { createGraphqlHandler } from '../../lambdas/graphql/handler.js';
import { MAX_COST } from '../../lambdas/graphql/query-cost.js';
import {
  MAX_ALIASES,
  MAX_DEPTH,
  MAX_DIRECTIVES,
  MAX_QUERY_LENGTH,
  MAX_TOKENS,
} from '../../lambdas/graphql/query-limits.js';
import { aliases, commentPadded, directives, fragmentFanOut, nesting } from '../helpers/hostile-queries.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

/**
 * What a client gets for a query over a limit: 400 with the limit's code, whatever it accepts (a plain
 * application/json client included, where GraphQL over HTTP would answer a validation error 200), never
 * a 500 and never a read. test/unit/graphql-hostile-queries.test.ts grows each kind to its extreme.
 */

const reads: string[] = [];
/** Readers that record being called: a refused query must read nothing. */
function recordingDeps() {
  const read =
    <T>(name: string, answer: T) =>
    async () => {
      reads.push(name);
      return answer;
    };
  return {
    reader: { page: read('sends', { sends: [] }) },
    batches: { page: read('batches', { batches: [] }) },
    sends: { getSend: read('send', undefined) },
    rows: { get: read('rows', undefined) },
    batchRecords: { getBatch: read('batch', undefined) },
    progress: {
      progress: read('progress', {
        counts: noChanges(),
        unsubscribed: 0,
        finished: false,
        reconciled: false,
      }),
    },
    starts: { get: read('start', undefined) },
    controls: { get: read('control', undefined) },
    writers: { get: read('writer', undefined) },
    suppressions: { get: read('suppression', undefined), page: read('suppressions', { entries: [] }) },
    cursors: new PageCursors('unit-test-secret-1234'),
    apiKeys: { require: async () => 'test-key-id' },
  };
}

const local = createGraphqlHandler({ ...recordingDeps(), introspection: true });
const production = createGraphqlHandler({ ...recordingDeps(), introspection: false });

interface Answer {
  status: number | undefined;
  body: {
    data?: unknown;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

async function ask(
  handler: typeof local,
  query: string | string[],
  accept = 'application/graphql-response+json',
  variables: Record<string, unknown> = {},
): Promise<Answer> {
  const operations = Array.isArray(query) ? query.map((q) => ({ query: q, variables })) : undefined;
  const result = (await handler(
    httpApiEvent({
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify(operations ?? { query, variables }),
    }),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(String(result.body)) };
}

const refusals: {
  name: string;
  query: string | string[];
  variables?: Record<string, unknown>;
  error: object;
}[] = [
  {
    name: 'a batch of two operations',
    query: ['{ __typename }', '{ __typename }'],
    error: {
      message: 'The request holds 2 operations; send one operation per request (batching is not supported).',
      extensions: { code: 'BATCHING_NOT_SUPPORTED', limit: 1, actual: 2 },
    },
  },
  {
    name: 'too long (comments, which are no tokens)',
    query: commentPadded('{ __typename }', MAX_QUERY_LENGTH + 1),
    error: {
      message: `Query is ${MAX_QUERY_LENGTH + 1} characters long; at most ${MAX_QUERY_LENGTH} are allowed. Split it into several queries.`,
      extensions: { code: 'QUERY_TOO_LONG', limit: MAX_QUERY_LENGTH, actual: MAX_QUERY_LENGTH + 1 },
    },
  },
  {
    name: 'too deep',
    query: '{ batches { items { sends { items { content { text { length } } } } } } }',
    error: {
      message: `Query is 7 fields deep; at most ${MAX_DEPTH} are allowed. Split it into several queries.`,
      extensions: { code: 'QUERY_TOO_DEEP', limit: MAX_DEPTH, actual: 7 },
    },
  },
  {
    name: 'too costly',
    query: 'query($n: Int) { batches(first: 100) { items { sends(first: $n) { items { sendId } } } } }',
    variables: { n: 1000 },
    error: {
      message: `Query costs about 200200 (items and reads it may touch); at most ${MAX_COST} are allowed. Ask for smaller pages (first/limit) or fewer nested lists.`,
      extensions: { code: 'QUERY_TOO_COSTLY', limit: MAX_COST, actual: 200_200 },
    },
  },
  {
    name: 'a fan-out of 20 fragments',
    query: fragmentFanOut(20),
    error: { extensions: { code: 'QUERY_TOO_COSTLY', limit: MAX_COST, actual: 2 ** 21 } },
  },
  {
    name: 'too many aliases',
    query: aliases(MAX_ALIASES + 1),
    error: {
      message: `Query uses ${MAX_ALIASES + 1} aliases; at most ${MAX_ALIASES} are allowed. Split it into several queries.`,
      extensions: { code: 'QUERY_TOO_MANY_ALIASES', limit: MAX_ALIASES, actual: MAX_ALIASES + 1 },
    },
  },
  {
    name: 'too many directives',
    query: directives(MAX_DIRECTIVES + 1),
    error: {
      message: `Query uses ${MAX_DIRECTIVES + 1} directives; at most ${MAX_DIRECTIVES} are allowed. Split it into several queries.`,
      extensions: { code: 'QUERY_TOO_MANY_DIRECTIVES', limit: MAX_DIRECTIVES, actual: MAX_DIRECTIVES + 1 },
    },
  },
  {
    name: 'too many tokens (a 2,000-level nesting)',
    query: nesting(2000),
    error: {
      message: `Query has more than ${MAX_TOKENS} tokens (names, values and punctuation); at most ${MAX_TOKENS} are allowed. Split it into several queries.`,
      extensions: { code: 'QUERY_TOO_MANY_TOKENS', limit: MAX_TOKENS },
    },
  },
  {
    name: 'a 4,000-level nesting, within the length limit',
    query: nesting(4000),
    error: { extensions: { code: 'QUERY_TOO_MANY_TOKENS', limit: MAX_TOKENS } },
  },
];

describe('a query over a limit', () => {
  for (const { name, query, variables, error } of refusals) {
    it(`is refused with a 400 and its code, reading nothing: ${name}`, async () => {
      reads.length = 0;
      const answer = await ask(local, query, undefined, variables);
      expect(answer.status).toBe(400);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors?.[0]).toMatchObject(error);
      // Yoga's own marker (`http`) stays out of the answer.
      expect(Object.keys(answer.body.errors?.[0]?.extensions ?? {})).not.toContain('http');
      expect(reads).toEqual([]);
    });
  }

  it('is refused with the same 400 and errors for a plain JSON client, which gets 200 for a validation error', async () => {
    const validation = await ask(local, '{ emailSend(sendId: "s") { nothing } }', 'application/json');
    expect(validation.status).toBe(200);
    for (const { query, variables } of refusals) {
      const plain = await ask(local, query, 'application/json', variables);
      const spec = await ask(local, query, undefined, variables);
      expect(plain).toEqual(spec);
      expect(plain.status).toBe(400);
    }
  });

  it('is refused the same way with introspection off', async () => {
    for (const { query, variables, error } of refusals) {
      const answer = await ask(production, query, undefined, variables);
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.[0]).toMatchObject(error);
    }
  });
});

describe('introspection', () => {
  it("answers GraphiQL's introspection query locally, within every limit", async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const answer = await ask(local, query);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toMatchObject({ __schema: { queryType: { name: 'Query' } } });
  });

  it('is refused with a 400 in production, and error messages suggest no field', async () => {
    const introspection = await ask(production, '{ __schema { types { name } } }');
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection has been disabled/);
    // A misspelt type, argument and field: graphql would suggest a name of the schema for each.
    const typos = 'query($s: Strin) { emailSend(sendI: $s) { sendI } }';
    const typo = await ask(production, typos);
    expect(typo.status).toBe(400);
    expect(typo.body.errors?.map((e) => e.message)).toEqual([
      'Unknown type "Strin".',
      'Unknown argument "sendI" on field "Query.emailSend".',
      'Cannot query field "sendI" on type "EmailSend".',
      'Field "emailSend" argument "sendId" of type "String!" is required, but it was not provided.',
    ]);
    const suggesting = await ask(local, typos);
    expect(suggesting.body.errors?.slice(0, 3).map((e) => e.message)).toEqual([
      'Unknown type "Strin". Did you mean "String"?',
      'Unknown argument "sendI" on field "Query.emailSend". Did you mean "sendId"?',
      'Cannot query field "sendI" on type "EmailSend". Did you mean "sendId" or "sentAt"?',
    ]);
  });
});
