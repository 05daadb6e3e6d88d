import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PageCursors } from '../../lambdas/core/domain/page-cursor.js';
import type { RowChunks } from '../../lambdas/core/files/row-chunks.js';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import { createGraphqlHandler } from '../../lambdas/graphql/handler.js';
import { tableReaders } from '../../lambdas/graphql/table-readers.js';
import { createTestKey } from './api-keys.js';
import type { TestAws } from './aws-emulators.js';
import { httpApiEvent } from './http-api-event.js';
import { storesOf } from './send-pipeline.js';

export interface GraphqlResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Runs one GraphQL request through the handler, as a POST of JSON with a key of the read scope. */
export type GraphqlQuery = (text: string, variables?: Record<string, unknown>) => Promise<GraphqlResult>;

export interface GraphqlOptions {
  /** As GRAPHQL_INTROSPECTION; on by default (local mode). */
  introspection?: boolean;
  /** The row chunks the resolvers read; by default a RowChunks of the test bucket. */
  rows?: Pick<RowChunks, 'get'>;
  /** A key to send; a new key of the read scope by default. */
  key?: string;
}

/**
 * The GraphQL function over the emulators, wired as its entry (lambdas/graphql/index.ts) wires it: the
 * table's readers, the bucket's row chunks, signed cursors and the API key check.
 */
export async function graphqlOver(aws: TestAws, options: GraphqlOptions = {}): Promise<GraphqlQuery> {
  const handler = createGraphqlHandler({
    ...tableReaders(aws.clients.documents, aws.tableName, options.rows ?? storesOf(aws).rows),
    cursors: new PageCursors('graphql-test-secret'),
    apiKeys: new ApiKeyCheck(new ApiKeyStore(aws.clients.documents, aws.tableName), () => new Date()),
    introspection: options.introspection ?? true,
  });
  const key = options.key ?? (await createTestKey(aws, ['read']));
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

/** One field of a successful answer; throws with the errors otherwise. */
export function dataOf<T>(result: GraphqlResult, field: string): T {
  if (result.errors || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data[field] as T;
}

/**
 * Every item of a paged query, page after page: `text` takes `$after`; `pick` finds the page in an
 * answer; `between` runs after each page (a change made while a client pages). Fails past 200 pages.
 */
export async function walkPages<T>(
  run: GraphqlQuery,
  text: string,
  pick: (result: GraphqlResult) => { items: T[]; nextCursor: string | null },
  options: { variables?: Record<string, unknown>; between?: (pageNo: number) => Promise<void> } = {},
): Promise<T[]> {
  const seen: T[] = [];
  let after: string | null = null;
  for (let pageNo = 0; pageNo < 200; pageNo++) {
    const page = pick(await run(text, { ...options.variables, after }));
    seen.push(...page.items);
    await options.between?.(pageNo);
    after = page.nextCursor;
    if (after === null) return seen;
  }
  throw new Error('pagination did not end');
}

/** Sends (or anything with createdAt and an id) in the order GraphQL lists them: newest first. */
export function newestFirst<T extends { createdAt: string }>(items: T[], id: (item: T) => string): T[] {
  return [...items].sort((a, b) => {
    const ka = `${a.createdAt}#${id(a)}`;
    const kb = `${b.createdAt}#${id(b)}`;
    return ka < kb ? 1 : ka > kb ? -1 : 0;
  });
}
