import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GRAPHIQL_FILES } from '../../lambdas/contract/docs-files.js';
import { PageCursors } from '../../lambdas/core/domain/page-cursor.js';
import type { RowChunk } from '../../lambdas/core/domain/row-chunk.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import type { BatchProgress } from '../../lambdas/core/store/batch-progress.js';
import type { BatchRecord } from '../../lambdas/core/store/batch-store.js';
import { noChanges } from '../../lambdas/core/store/counter-store.js';
import type { SendFilter } from '../../lambdas/core/store/send-filter.js';
import type { SendPage } from '../../lambdas/core/store/send-reader.js';
import type { WriterRecord } from '../../lambdas/core/store/writer-store.js';
import { EXAMPLES } from '../../lambdas/graphql/example-queries.js';
import { createGraphqlHandler, type GraphqlHandlerDeps } from '../../lambdas/graphql/handler.js';
import type { GraphiqlPageOptions } from '../../lambdas/graphql/offline-graphiql.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

const send: SendRecord = {
  sendId: 'a'.repeat(32),
  batchId: 'batch-1',
  email: 'ada@example.com',
  subject: 'Hello',
  chunk: 0,
  status: 'SENT',
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:05.000Z',
  attempts: 1,
  sesMessageId: 'ses-1',
  sentAt: '2026-11-20T10:00:05.000Z',
};

function fakeDeps(page: (filter: SendFilter, first: number) => Promise<SendPage>) {
  return {
    reader: { page },
    batches: { page: async () => ({ batches: [] }) },
    sends: { getSend: async (): Promise<SendRecord | undefined> => undefined },
    rows: { get: async (): Promise<RowChunk | undefined> => undefined },
    batchRecords: { getBatch: async (): Promise<BatchRecord | undefined> => undefined },
    progress: {
      progress: async (): Promise<BatchProgress> => ({
        counts: noChanges(),
        unsubscribed: 0,
        finished: false,
        reconciled: false,
      }),
    },
    starts: { get: async (): Promise<string | undefined> => undefined },
    controls: { get: async () => undefined },
    writers: { get: async (): Promise<WriterRecord | undefined> => undefined },
    suppressions: { get: async () => undefined, page: async () => ({ entries: [] }) },
    cursors: new PageCursors('unit-test-secret-1234'),
    apiKeys: { require: async () => 'test-key-id' },
  };
}

const sentQuery = '{ emailSends(status: "SENT") { sendId email status } }';
const json = (result: APIGatewayProxyStructuredResultV2) => JSON.parse(String(result.body));
const postGraphql = (body: unknown, init: { stage?: string } = {}) =>
  httpApiEvent({
    method: 'POST',
    path: '/graphql',
    headers: { 'Content-Type': 'application/json', Host: 'api.example.test' },
    body: JSON.stringify(body),
    ...init,
  });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('GraphQL handler over HTTP API events', () => {
  it('answers a POSTed query as JSON', async () => {
    const handler = createGraphqlHandler(fakeDeps(async () => ({ sends: [send] })));
    const result = await handler(postGraphql({ query: sentQuery }));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/json/);
    expect(result.isBase64Encoded).toBe(false);
    expect(json(result)).toEqual({
      data: { emailSends: [{ sendId: send.sendId, email: send.email, status: 'SENT' }] },
    });
  });

  it('passes the validated filter and page size to the reader', async () => {
    const page = vi.fn(async () => ({ sends: [] }));
    const handler = createGraphqlHandler(fakeDeps(page));
    await handler(
      postGraphql({ query: '{ emailSends(status: "queued", from: "2026-11-20", limit: 7) { sendId } }' }),
    );
    expect(page).toHaveBeenCalledWith({ status: 'QUEUED', createdFrom: '2026-11-20T00:00:00.000Z' }, 7);
  });

  it('answers a GET query taken from the raw query string', async () => {
    const handler = createGraphqlHandler(fakeDeps(async () => ({ sends: [send] })));
    const result = await handler(
      httpApiEvent({
        path: '/graphql',
        headers: { accept: 'application/json' },
        query: { query: sentQuery },
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(json(result).data.emailSends).toHaveLength(1);
  });

  it('decodes a base64-encoded request body', async () => {
    const handler = createGraphqlHandler(fakeDeps(async () => ({ sends: [send] })));
    const result = await handler(
      httpApiEvent({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ query: sentQuery })),
      }),
    );
    expect(json(result).data.emailSends).toHaveLength(1);
  });

  it('routes a request under a named stage to /graphql', async () => {
    const handler = createGraphqlHandler(fakeDeps(async () => ({ sends: [send] })));
    const result = await handler(postGraphql({ query: sentQuery }, { stage: 'prod' }));
    expect(result.statusCode).toBe(200);
    expect(json(result).data.emailSends).toHaveLength(1);
  });

  it('answers 404 outside /graphql', async () => {
    const handler = createGraphqlHandler(fakeDeps(async () => ({ sends: [] })));
    const result = await handler(httpApiEvent({ path: '/other', headers: { accept: 'text/html' } }));
    expect(result.statusCode).toBe(404);
  });

  it('serves GraphiQL to a browser when enabled', async () => {
    const handler = createGraphqlHandler({ ...fakeDeps(async () => ({ sends: [] })), graphiql: true });
    const result = await handler(httpApiEvent({ path: '/graphql', headers: { accept: 'text/html' } }));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/text\/html/);
    expect(result.body).toContain('GraphiQL');
  });

  it('renders GraphiQL with no internet: every file it loads comes from /docs/', async () => {
    const handler = createGraphqlHandler(fakeDeps(async () => ({ sends: [] })));
    const result = await handler(httpApiEvent({ path: '/graphql', headers: { accept: 'text/html' } }));
    const html = String(result.body);
    expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL');
    // No address of another host, not even the favicon's; the example tabs are still there.
    expect(html).not.toMatch(/https?:\/\/|["'=(]\/\/[a-z]/i);
    expect(html).toContain('Was a large file read? If not, why was it refused?');
    const loaded = [...new Set(html.match(/\/docs\/[^"'\s>]+/g))].sort();
    expect(loaded).toEqual(GRAPHIQL_FILES.map((file) => `/docs/${file.name}`).sort());
    expect(html).toContain('<title>Campaign mailer: GraphQL</title>');
    expect(html).not.toContain('__TITLE__');
  });

  /** The options the page hands GraphiQL, as the browser reads them. */
  async function pageOptions(deps: Partial<GraphqlHandlerDeps>): Promise<GraphiqlPageOptions> {
    const handler = createGraphqlHandler({ ...fakeDeps(async () => ({ sends: [] })), ...deps });
    const result = await handler(httpApiEvent({ path: '/graphql', headers: { accept: 'text/html' } }));
    const json = /YogaGraphiQL\.renderYogaGraphiQL\(root,(\{.*?\})\)\}\)<\/script>/.exec(
      String(result.body),
    )?.[1];
    return JSON.parse(json ?? 'null') as GraphiqlPageOptions;
  }

  it('opens GraphiQL on the example tabs, each named for its title, the seed query first and open', async () => {
    const options = await pageOptions({});
    expect(options.defaultTabs?.map((tab) => /^query (\w+)/m.exec(tab.query ?? '')?.[1])).toEqual(
      EXAMPLES.map((example) => example.name),
    );
    expect(options.defaultTabs?.[0]?.query).toContain('emailSends(status: "SENT")');
    expect(options.query).toBe(options.defaultTabs?.[0]?.query);
  });

  it("leaves GraphiQL's key empty, kept by the browser once pasted, unless the page is given one", async () => {
    const withoutKey = await pageOptions({});
    expect(JSON.parse(withoutKey.headers ?? '')).toEqual({ 'x-api-key': '' });
    expect(withoutKey.shouldPersistHeaders).toBe(true);
    expect(withoutKey.initialHeaders).toBeUndefined();

    const withKey = await pageOptions({ graphiqlApiKey: 'cmk_local-development-key' });
    expect(JSON.parse(withKey.initialHeaders ?? '')).toEqual({ 'x-api-key': 'cmk_local-development-key' });
    expect(withKey.headers).toBe(withKey.initialHeaders);
    // This run's key, not one the browser kept from a run whose key is revoked.
    expect(withKey.shouldPersistHeaders).toBe(false);
  });

  it('writes the options into the page as JSON no value can break out of', async () => {
    const key = "cmk_$'</script><script>alert(1)</script>";
    const handler = createGraphqlHandler({ ...fakeDeps(async () => ({ sends: [] })), graphiqlApiKey: key });
    const html = String(
      (await handler(httpApiEvent({ path: '/graphql', headers: { accept: 'text/html' } }))).body,
    );
    expect(html).not.toContain('<script>alert(1)');
    expect(JSON.parse((await pageOptions({ graphiqlApiKey: key })).headers ?? '')).toEqual({
      'x-api-key': key,
    });
  });

  it('does not let GraphiQL ask for the schema when introspection is off', async () => {
    expect((await pageOptions({ introspection: false })).schema).toBeNull();
    expect(await pageOptions({})).not.toHaveProperty('schema');
  });

  it('serves no GraphiQL when disabled', async () => {
    const handler = createGraphqlHandler({ ...fakeDeps(async () => ({ sends: [] })), graphiql: false });
    const result = await handler(httpApiEvent({ path: '/graphql', headers: { accept: 'text/html' } }));
    expect(result.headers?.['content-type'] ?? '').not.toMatch(/text\/html/);
    expect(result.body ?? '').not.toContain('GraphiQL');
  });

  it('reports a bad argument without reading anything', async () => {
    const page = vi.fn(async () => ({ sends: [] }));
    const handler = createGraphqlHandler(fakeDeps(page));
    const result = await handler(postGraphql({ query: '{ emailSends(status: "DONE") { sendId } }' }));
    const body = json(result);
    expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'status' });
    expect(page).not.toHaveBeenCalled();
  });

  it.each(['production', 'development'])(
    'hides the message and stack of an unexpected failure (NODE_ENV=%s)',
    async (nodeEnv) => {
      vi.stubEnv('NODE_ENV', nodeEnv);
      const handler = createGraphqlHandler(
        fakeDeps(async () => {
          throw new Error('connect ECONNREFUSED 10.0.0.7:8000 (internal detail)');
        }),
      );
      const result = await handler(postGraphql({ query: sentQuery }));
      const body = json(result);
      expect(body.errors).toEqual([
        expect.objectContaining({
          message: 'Unexpected error.',
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        }),
      ]);
      expect(result.body).not.toContain('ECONNREFUSED');
      expect(result.body).not.toContain('stack');
    },
  );
});

describe('CORS', () => {
  it('is left to API Gateway: no header echoes an Origin, with or without credentials, preflight or not', async () => {
    const handler = createGraphqlHandler(fakeDeps(async () => ({ sends: [] })));
    const evil = 'https://evil.example';
    const answer = (await handler(
      httpApiEvent({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', origin: evil },
        body: JSON.stringify({ query: '{ __typename }' }),
      }),
    )) as APIGatewayProxyStructuredResultV2;
    expect(answer.statusCode).toBe(200);
    const corsHeaders = Object.keys(answer.headers ?? {}).filter((name) =>
      name.startsWith('access-control-'),
    );
    expect(corsHeaders).toEqual([]);
    expect(JSON.stringify(answer.headers)).not.toContain(evil);
  });
});
