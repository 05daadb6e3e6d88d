import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaignsHandler } from '../../lambdas/campaigns/handler.js';
import { type ApiFunction, routeOfKey } from '../../lambdas/contract/api-routes.js';
import { packagedFileOf } from '../../lambdas/contract/docs-files.js';
import { PageCursors } from '../../lambdas/core/domain/page-cursor.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { CampaignFiles } from '../../lambdas/core/files/campaign-files.js';
import { RowChunks } from '../../lambdas/core/files/row-chunks.js';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import type { HttpHandler } from '../../lambdas/core/http/http-function.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import { BatchControlStore } from '../../lambdas/core/store/batch-control-store.js';
import { BatchProgressReader } from '../../lambdas/core/store/batch-progress.js';
import { BatchStore } from '../../lambdas/core/store/batch-store.js';
import { CounterStore } from '../../lambdas/core/store/counter-store.js';
import { FileRegistry } from '../../lambdas/core/store/file-registry.js';
import { IdempotencyStore } from '../../lambdas/core/store/idempotency-store.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { SuppressionStore } from '../../lambdas/core/store/suppression-store.js';
import { WriterStore } from '../../lambdas/core/store/writer-store.js';
import { createDocsHandler } from '../../lambdas/docs/handler.js';
import { openApiDocument } from '../../lambdas/docs/openapi.js';
import { createGraphqlHandler } from '../../lambdas/graphql/handler.js';
import { tableReaders } from '../../lambdas/graphql/table-readers.js';
import { createHealthHandler } from '../../lambdas/health/handler.js';
import { createSuppressionsHandler } from '../../lambdas/suppressions/handler.js';
import { createUnsubscribeHandler } from '../../lambdas/unsubscribe/handler.js';
import { createIngestHandler } from '../../lambdas/upload-api/handler.js';
import { createUploadUrlHandler } from '../../lambdas/upload-url/handler.js';
import { createWriterHandler } from '../../lambdas/writer/handler.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { type LocalClients, localClients } from '../../local/local-clients.js';
import { createTestKey } from '../helpers/api-keys.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import {
  type Answer,
  answerOf,
  DocumentedAnswers,
  type MediaType,
  type OpenApiDocument,
} from '../helpers/documented-answers.js';
import { type HttpApiEventInit, httpApiEvent } from '../helpers/http-api-event.js';
import { multipartBody } from '../helpers/multipart.js';
import {
  FULL_WRITER_TIME,
  ingestMails,
  RETENTION_SECONDS,
  storesOf,
  testUnsubscribeTokens,
  uploadEventFor,
  writerDepsFor,
} from '../helpers/send-pipeline.js';

/**
 * Every route of the API driven through its function's handler against the emulators, every answer
 * held to the OpenAPI document the docs function serves: its status must be one the document declares
 * for the route, its body must match the schema declared for that status. The last test checks that
 * every answer the document declares was seen, but for the few listed with the reason they cannot be.
 */

const document = openApiDocument() as unknown as OpenApiDocument;
const documented = new DocumentedAnswers(document);
/** `POST /campaigns/upload 202`: what the tests below received. */
const seen = new Set<string>();

/** Declared answers no test here can make a function give, and why. */
const NOT_DRIVEN: Record<string, string> = {
  '429': 'written by API Gateway when it throttles, never by a function',
  'POST /campaigns/uploads 500': 'signing a URL calls nothing that could fail',
  'GET /health 500': 'the answer is a constant',
  'GET /openapi.json 500': 'the document is built when the function starts',
  'GET /docs 500': 'the page is a constant',
};

const UPLOAD = 'POST /campaigns/upload';
const LARGE_UPLOAD = 'POST /campaigns/uploads';
const MAX_BODY_BYTES = 64 * 1024;
const MAX_FILE_BYTES = 1024 ** 3;
const MAX_IMPORT_BYTES = 4096;
const SUPPRESSIONS = 'GET /suppressions';

let aws: TestAws;
/** Clients whose every DynamoDB call fails: an outage the emulator cannot produce, injected. */
let unreachable: LocalClients;
let uploadKey: string;
let readKey: string;
const handlers = new Map<ApiFunction, HttpHandler>();
/** The same functions with the table unreachable. */
const failing = new Map<ApiFunction, HttpHandler>();

function keyCheck(clients: Pick<LocalClients, 'documents'>) {
  return new ApiKeyCheck(new ApiKeyStore(clients.documents, aws.tableName), () => new Date(), {
    cacheSeconds: 0,
    cacheEntries: 10,
  });
}

function functionsOver(
  clients: Pick<LocalClients, 'documents'>,
  fileOf: Parameters<typeof packagedFileOf>[0],
) {
  const db = clients.documents;
  const batches = new BatchStore(db, aws.tableName);
  const apiKeys = keyCheck(clients);
  return new Map<ApiFunction, HttpHandler>([
    [
      'uploadApi',
      createIngestHandler({
        files: new CampaignFiles(aws.s3.client, aws.s3.bucket),
        batches,
        registry: new FileRegistry(db, aws.tableName),
        writers: new WriterStore(db, aws.tableName),
        suppressions: new SuppressionStore(db, aws.tableName),
        controls: storesOf(aws).controls,
        schedules: storesOf(aws).schedules,
        clock: () => new Date(),
        retentionSeconds: RETENTION_SECONDS,
        answerMs: 29_000,
        newBatchId: randomUUID,
        maxBodyBytes: MAX_BODY_BYTES,
        apiKeys,
        idempotency: new IdempotencyStore(db, aws.tableName, { leaseSeconds: 60, ttlSeconds: 3600 }),
      }),
    ],
    [
      'uploadUrl',
      createUploadUrlHandler({
        s3: aws.s3.client,
        bucketName: aws.s3.bucket,
        urlSeconds: 900,
        writers: new WriterStore(db, aws.tableName),
        retentionSeconds: RETENTION_SECONDS,
        clock: () => new Date(),
        newBatchId: randomUUID,
        apiKeys,
        maxFileBytes: MAX_FILE_BYTES,
      }),
    ],
    [
      'graphql',
      createGraphqlHandler({
        ...tableReaders(db, aws.tableName, new RowChunks(aws.s3.client, aws.s3.bucket)),
        cursors: new PageCursors('conformance-test-secret'),
        apiKeys,
      }),
    ],
    [
      'campaigns',
      createCampaignsHandler({
        batches,
        progress: new BatchProgressReader(db, aws.tableName),
        controls: new BatchControlStore(db, aws.tableName),
        writeQueue: storesOf(aws).writeQueue,
        schedules: storesOf(aws).schedules,
        counters: storesOf(aws).counters,
        clock: () => new Date(),
        retentionSeconds: RETENTION_SECONDS,
        apiKeys,
      }),
    ],
    ['health', createHealthHandler()],
    ['docs', createDocsHandler({ fileOf: packagedFileOf(fileOf) })],
    [
      'suppressions',
      createSuppressionsHandler({
        suppressions: new SuppressionStore(db, aws.tableName),
        cursors: new PageCursors('conformance-test-secret'),
        apiKeys,
        clock: () => new Date(),
        maxImportBytes: MAX_IMPORT_BYTES,
      }),
    ],
    [
      'unsubscribe',
      createUnsubscribeHandler({
        tokens: testUnsubscribeTokens(),
        sends: new SendStore(db, aws.tableName),
        suppressions: new SuppressionStore(db, aws.tableName),
        counters: new CounterStore(db, aws.tableName),
        clock: () => new Date(),
        retentionSeconds: RETENTION_SECONDS,
      }),
    ],
  ]);
}

beforeAll(async () => {
  aws = await startTestAws();
  uploadKey = await createTestKey(aws, ['upload']);
  readKey = await createTestKey(aws, ['read']);
  const require = createRequire(import.meta.url);
  const nodeModulesDir = dirname(dirname(require.resolve('swagger-ui-dist/package.json')));
  for (const [fn, handler] of functionsOver(aws.clients, nodeModulesDir)) handlers.set(fn, handler);

  unreachable = localClients(aws.emulators.endpoints);
  unreachable.dynamodb.middlewareStack.add(
    () => async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:8000 (injected outage)');
    },
    { step: 'initialize', name: 'injectedOutage' },
  );
  // The docs function reads its files from a directory that does not exist.
  for (const [fn, handler] of functionsOver(unreachable, '/nonexistent/node_modules'))
    failing.set(fn, handler);
});
afterAll(async () => {
  unreachable?.destroy();
  await aws?.stop();
});

/** Calls the function behind the route of `init` and holds its answer to the document. */
async function call(init: HttpApiEventInit, over = handlers): Promise<Answer & { requestId: string }> {
  const event = httpApiEvent(init);
  const route = routeOfKey(event.routeKey);
  if (route === undefined) throw new Error(`no route for ${event.routeKey}`);
  const handler = over.get(route.fn);
  if (handler === undefined) throw new Error(`no handler for ${route.fn}`);
  const answer = answerOf(event.routeKey, await handler(event, lambdaContext(route.fn)));
  documented.check(answer);
  seen.add(`${answer.routeKey} ${answer.status}`);
  return { ...answer, requestId: event.requestContext.requestId };
}

const statusOf = async (init: HttpApiEventInit, over = handlers) => (await call(init, over)).status;

const uploadAnswer = (body: string | Buffer, headers: Record<string, string> = {}, query?: string) =>
  call({
    method: 'POST',
    path: '/campaigns/upload',
    headers: { 'x-api-key': uploadKey, 'content-type': 'text/csv', ...headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    ...(query ? { query } : {}),
  });

const upload = async (body: string | Buffer, headers: Record<string, string> = {}, query?: string) =>
  (await uploadAnswer(body, headers, query)).status;

const urlAnswer = (body: string, headers: Record<string, string> = {}) =>
  call({
    method: 'POST',
    path: '/campaigns/uploads',
    headers: { 'x-api-key': uploadKey, 'content-type': 'application/json', ...headers },
    body,
  });

const askForUrl = async (body: string, headers: Record<string, string> = {}) =>
  (await urlAnswer(body, headers)).status;

const graphqlPost = (
  body: unknown,
  headers: Record<string, string> = { 'x-api-key': readKey },
  over = handlers,
) =>
  statusOf(
    {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    },
    over,
  );

const CSV =
  'email,subject,content\nana@example.com,Hi,Hello\nbob@example.com,Hi,Hello\nANA@example.com,Hi,Again\n';

describe('the check of answers against the document', () => {
  it('refuses a status the document does not declare for the route', () => {
    expect(() =>
      documented.check({ routeKey: 'GET /health', status: 404, mediaType: 'application/json', body: {} }),
    ).toThrow(/GET \/health answered 404, which the document does not declare/);
  });

  it('refuses a route the document does not have', () => {
    expect(() =>
      documented.check({
        routeKey: 'DELETE /campaigns/upload',
        status: 200,
        mediaType: 'application/json',
        body: {},
      }),
    ).toThrow(/no operation DELETE \/campaigns\/upload/);
  });

  it('refuses a body with a field, or a value, its schema does not have', () => {
    const health = { routeKey: 'GET /health', status: 200, mediaType: 'application/json' };
    expect(() => documented.check({ ...health, body: { status: 'ok' } })).not.toThrow();
    expect(() => documented.check({ ...health, body: { status: 'ok', uptime: 3 } })).toThrow(
      /does not match/,
    );
    expect(() => documented.check({ ...health, body: { status: 'degraded' } })).toThrow(/does not match/);
    expect(() => documented.check({ ...health, mediaType: 'text/plain', body: 'ok' })).toThrow(
      /answered text\/plain/,
    );
  });
});

describe('POST /campaigns/upload answers as documented', () => {
  it('202 with the report', async () => {
    expect(await upload(CSV)).toBe(202);
  });

  it('400 for an unusable file, for a placeholder naming no column, and for a malformed request', async () => {
    const noSubject = await uploadAnswer('email,content\nana@example.com,Hello\n');
    expect([noSubject.status, noSubject.body]).toEqual([400, documented.exampleOf(UPLOAD, 400)]);
    expect(await upload(readFileSync(new URL('../fixtures/unknown-placeholder.csv', import.meta.url)))).toBe(
      400,
    );
    expect(await upload(`sep=|\n${CSV}`)).toBe(400);
    expect(await upload(CSV, { 'idempotency-key': 'é' })).toBe(400);
    expect(await upload(CSV, {}, 'dryRun=maybe')).toBe(400);
    expect(await upload('--x\r\nnot a form', { 'content-type': 'multipart/form-data; boundary=x' })).toBe(
      400,
    );
  });

  it('401 without a key and 403 with a key without the upload scope, as the examples say', async () => {
    const missing = await uploadAnswer(CSV, { 'x-api-key': '' });
    expect([missing.status, missing.body]).toEqual([401, documented.exampleOf(UPLOAD, 401)]);
    expect(await upload(CSV, { 'x-api-key': 'cmk_never-created-anywhere-0000' })).toBe(401);
    const refused = await uploadAnswer(CSV, { 'x-api-key': readKey });
    expect([refused.status, refused.body]).toEqual([403, documented.exampleOf(UPLOAD, 403)]);
  });

  it('409 for an Idempotency-Key reused with another file, and for the same file twice', async () => {
    const key = randomUUID();
    expect(await upload(CSV, { 'idempotency-key': key })).toBe(202);
    expect(await upload(`${CSV}carl@example.com,Hi,Hello\n`, { 'idempotency-key': key })).toBe(409);
    const csv = `email,subject,content\ntwice-${randomUUID()}@example.com,Hi,Hello\n`;
    expect(await upload(csv)).toBe(202);
    const again = await uploadAnswer(csv);
    expect([again.status, (again.body as { problem: string }).problem]).toEqual([409, 'DUPLICATE_FILE']);
  });

  it('413 above the body limit, 415 for a body that is not CSV, 422 when no row can be sent', async () => {
    expect(await upload(`email,subject,content\n${'a@example.com,Hi,Hello\n'.repeat(4000)}`)).toBe(413);
    expect(await upload('{"email":"ana@example.com"}', { 'content-type': 'application/json' })).toBe(415);
    const form = await multipartBody([{ name: 'list', content: CSV, fileName: 'list.csv' }]);
    expect(await upload(form.body, { 'content-type': form.contentType })).toBe(415);
    expect(await upload('email,subject,content\nnot-an-address,Hi,Hello\n')).toBe(422);
  });

  it('500 with a request id when the table is unreachable (an outage injected in the SDK)', async () => {
    const answer = await call(
      {
        method: 'POST',
        path: '/campaigns/upload',
        headers: { 'x-api-key': uploadKey, 'content-type': 'text/csv' },
        body: CSV,
      },
      failing,
    );
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      error: (documented.exampleOf(UPLOAD, 500) as { error: string }).error,
      requestId: answer.requestId,
    });
  });
});

describe('GET /campaigns/{batchId} answers as documented', () => {
  const campaign = (batchId: string, key = readKey, over = handlers) =>
    call({ method: 'GET', path: `/campaigns/${batchId}`, headers: { 'x-api-key': key } }, over);

  it('200 for a batch while it is written and once it is, to a key of either scope', async () => {
    const answer = await uploadAnswer(
      `email,subject,content\ncampaign-${randomUUID()}@example.com,Hi,Hello\n`,
    );
    const batchId = String((answer.body as { batchId: string }).batchId);
    const waiting = await campaign(batchId, uploadKey);
    expect(waiting.status).toBe(200);
    expect(waiting.body).toMatchObject({
      batchId,
      writer: { state: 'WRITING', rowsWritten: 0 },
      total: 1,
      finished: false,
    });
    const result = await createWriterHandler(writerDepsFor(aws))(
      uploadEventFor(aws, batchId),
      FULL_WRITER_TIME,
    );
    expect(result.batchItemFailures).toEqual([]);
    const written = await campaign(batchId);
    expect(written.status).toBe(200);
    expect(written.body).toMatchObject({
      writer: { state: 'READY', rowsWritten: 1 },
      counts: { queued: 1, sending: 0, sent: 0, error: 0 },
    });
  });

  it('404 for a batch that does not exist, and for an id that cannot be one', async () => {
    expect((await campaign(randomUUID())).status).toBe(404);
    expect((await campaign('not a batch id')).status).toBe(404);
  });

  it('401 without a key, 403 with a key of neither scope', async () => {
    expect((await campaign(randomUUID(), '')).status).toBe(401);
    const none = await createTestKey(aws, []);
    expect((await campaign(randomUUID(), none)).status).toBe(403);
  });

  it('500 with a request id when the table is unreachable (an outage injected in the SDK)', async () => {
    const answer = await campaign(randomUUID(), readKey, failing);
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ requestId: answer.requestId });
  });
});

describe('POST /campaigns/{batchId}/pause, /resume, /cancel and /schedule answer as documented', () => {
  const control = (batchId: string, action: string, init: Partial<HttpApiEventInit> = {}, over = handlers) =>
    call(
      {
        method: 'POST',
        path: `/campaigns/${batchId}/${action}`,
        headers: { 'x-api-key': uploadKey, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        ...init,
      },
      over,
    );
  const batch = async (query?: string) => {
    const answer = await uploadAnswer(
      `email,subject,content\ncontrol-${randomUUID()}@example.com,Hi,Hello\n`,
      {},
      query,
    );
    expect(answer.status).toBe(202);
    return String((answer.body as { batchId: string }).batchId);
  };
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  it('200 with the batch in its new state: pause, resume, then cancel; a scheduled batch rescheduled', async () => {
    const batchId = await batch();
    const paused = await control(batchId, 'pause', {
      body: JSON.stringify({ reason: 'wrong subject line' }),
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ sending: { state: 'PAUSED' } });
    expect((paused.body as { sending: { changes: unknown[] } }).sending.changes.at(-1)).toMatchObject({
      state: 'PAUSED',
      by: 'request',
      reason: 'wrong subject line',
    });
    expect((await control(batchId, 'resume')).body).toMatchObject({ sending: { state: 'SENDING' } });
    expect((await control(batchId, 'cancel')).body).toMatchObject({ sending: { state: 'CANCELLED' } });

    const scheduled = await batch(`sendAt=${encodeURIComponent(inAnHour())}`);
    const later = new Date(Date.now() + 7_200_000).toISOString();
    const moved = await control(scheduled, 'schedule', { body: JSON.stringify({ sendAt: later }) });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ sending: { state: 'SCHEDULED', sendAt: later } });
  });

  it('409 naming the state for an action that makes no sense in it', async () => {
    const batchId = await batch();
    expect(await control(batchId, 'resume')).toMatchObject({
      status: 409,
      body: {
        problem: 'INVALID_STATE',
        state: 'SENDING',
        error: 'the batch is SENDING: only a PAUSED batch can be resumed',
      },
    });
    await control(batchId, 'cancel');
    for (const action of ['pause', 'resume', 'cancel', 'schedule']) {
      const answer = await control(batchId, action, { body: JSON.stringify({ sendAt: inAnHour() }) });
      expect([action, answer.status, answer.body]).toMatchObject([action, 409, { state: 'CANCELLED' }]);
    }
  });

  it('400 for a schedule without a good sendAt, or a body that is not the JSON object it takes', async () => {
    const scheduled = await batch(`sendAt=${encodeURIComponent(inAnHour())}`);
    for (const body of [
      JSON.stringify({ sendAt: '2020-01-01T00:00:00Z' }),
      JSON.stringify({ sendAt: 'tomorrow' }),
      '{}',
    ]) {
      expect(await control(scheduled, 'schedule', { body })).toMatchObject({
        status: 400,
        body: { problem: 'INVALID_SEND_OPTION' },
      });
    }
    for (const action of ['pause', 'resume', 'cancel', 'schedule']) {
      expect(await control(scheduled, action, { body: '[1]' })).toMatchObject({
        status: 400,
        body: { problem: 'INVALID_BODY' },
      });
    }
  });

  it('404 for a batch that does not exist; 415 for a body that is not JSON', async () => {
    const batchId = await batch();
    for (const action of ['pause', 'resume', 'cancel', 'schedule']) {
      expect((await control(randomUUID(), action)).status).toBe(404);
      const answer = await control(batchId, action, {
        headers: { 'x-api-key': uploadKey, 'content-type': 'text/csv' },
        body: 'reason,x',
      });
      expect(answer).toMatchObject({ status: 415, body: { problem: 'UNSUPPORTED_CONTENT_TYPE' } });
    }
  });

  it('401 without a key, 403 with a read key', async () => {
    for (const action of ['pause', 'resume', 'cancel', 'schedule']) {
      expect((await control(randomUUID(), action, { headers: {} })).status).toBe(401);
      expect((await control(randomUUID(), action, { headers: { 'x-api-key': readKey } })).status).toBe(403);
    }
  });

  it('500 with a request id when the table is unreachable (an outage injected in the SDK)', async () => {
    for (const action of ['pause', 'resume', 'cancel', 'schedule']) {
      const answer = await control(randomUUID(), action, {}, failing);
      expect(answer.status).toBe(500);
    }
  });
});

describe('POST /campaigns/uploads answers as documented', () => {
  it('201 with the upload URL, from a body or from query parameters', async () => {
    expect(await askForUrl(JSON.stringify({ fileName: 'list.csv', size: 1234, dryRun: true }))).toBe(201);
    expect(
      await statusOf({
        method: 'POST',
        path: '/campaigns/uploads',
        headers: { 'x-api-key': uploadKey },
        query: { size: '1234' },
      }),
    ).toBe(201);
  });

  it('400 for a missing or invalid size, unknown fields or bad JSON', async () => {
    const noSize = await urlAnswer(JSON.stringify({ fileName: 'list.csv' }));
    expect([noSize.status, noSize.body]).toEqual([400, documented.exampleOf(LARGE_UPLOAD, 400)]);
    expect(await askForUrl(JSON.stringify({ size: 0 }))).toBe(400);
    expect(await askForUrl(JSON.stringify({ size: 10, filesize: 10 }))).toBe(400);
    expect(await askForUrl('{"size": 10')).toBe(400);
  });

  it('401 and 403 before the body is read, 413 above the largest file, 415 for the CSV itself', async () => {
    expect(await askForUrl('{"size": 10', { 'x-api-key': '' })).toBe(401);
    expect(await askForUrl('{"size": 10', { 'x-api-key': readKey })).toBe(403);
    expect(await askForUrl(JSON.stringify({ size: MAX_FILE_BYTES + 1 }))).toBe(413);
    const twice = await urlAnswer(JSON.stringify({ size: 2 * MAX_FILE_BYTES }));
    expect([twice.status, twice.body]).toEqual([413, documented.exampleOf(LARGE_UPLOAD, 413)]);
    expect(await askForUrl(CSV, { 'content-type': 'text/csv' })).toBe(415);
  });
});

describe('GraphQL answers as documented', () => {
  const query = '{ emailSends(status: "SENT", limit: 5) { sendId email status } }';

  it('200 for a query by POST and by GET, and for the GraphiQL page', async () => {
    expect(await graphqlPost({ query })).toBe(200);
    expect(await graphqlPost({ query: '{ emailSends(status: "DONE") { sendId } }' })).toBe(200);
    expect(
      await statusOf({
        path: '/graphql',
        headers: { 'x-api-key': readKey, accept: 'application/json' },
        query: { query },
      }),
    ).toBe(200);
    expect(await statusOf({ path: '/graphql', headers: { accept: 'text/html' } })).toBe(200);
  });

  it('200 and 400 as GraphQL over HTTP has them, for either answer type', async () => {
    const strict = { 'x-api-key': readKey, accept: 'application/graphql-response+json' };
    expect(await graphqlPost({ query }, strict)).toBe(200);
    expect(await graphqlPost({ query: '{ emailSends(' }, strict)).toBe(400);
    expect(await graphqlPost({ query: '{ emailSends(' })).toBe(200);
    expect(await statusOf({ path: '/graphql', headers: strict, query: { query: '{ nope' } })).toBe(400);
    expect(
      await statusOf({
        method: 'POST',
        path: '/graphql',
        headers: { 'x-api-key': readKey, 'content-type': 'application/json' },
        body: 'not json',
      }),
    ).toBe(400);
  });

  it('405 for a mutation by GET, 406 for an Accept it cannot answer, 415 for a body that is not JSON', async () => {
    const get = (headers: Record<string, string>, text: string) =>
      statusOf({ path: '/graphql', headers: { 'x-api-key': readKey, ...headers }, query: { query: text } });
    expect(await get({ accept: 'application/json' }, 'mutation { nothing }')).toBe(405);
    expect(await get({ accept: 'application/xml' }, query)).toBe(406);
    expect(await graphqlPost({ query }, { 'x-api-key': readKey, accept: 'application/xml' })).toBe(406);
    expect(
      await statusOf({
        method: 'POST',
        path: '/graphql',
        headers: { 'x-api-key': readKey, 'content-type': 'text/plain' },
        body: query,
      }),
    ).toBe(415);
    expect(
      await statusOf({
        method: 'POST',
        path: '/graphql',
        headers: { 'x-api-key': readKey, 'content-type': 'application/json', 'content-encoding': 'zstd' },
        body: JSON.stringify({ query }),
      }),
    ).toBe(415);
  });

  it('413 for a body over the limit', async () => {
    const padded = `${' '.repeat(70 * 1024)}${query}`;
    expect(await graphqlPost({ query: padded }, { 'x-api-key': readKey })).toBe(413);
  });

  it('401 and 403 on both methods', async () => {
    expect(await graphqlPost({ query }, {})).toBe(401);
    const refused = await call({
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', 'x-api-key': uploadKey },
      body: JSON.stringify({ query }),
    });
    expect([refused.status, refused.body]).toEqual([403, documented.exampleOf('POST /graphql', 403)]);
    const get = (headers: Record<string, string>) =>
      statusOf({ path: '/graphql', headers: { accept: 'application/json', ...headers }, query: { query } });
    expect(await get({})).toBe(401);
    expect(await get({ 'x-api-key': uploadKey })).toBe(403);
  });

  it('500 with a request id when the table is unreachable (an outage injected in the SDK), on both methods', async () => {
    expect(await graphqlPost({ query }, { 'x-api-key': readKey }, failing)).toBe(500);
    expect(
      await statusOf(
        { path: '/graphql', headers: { 'x-api-key': readKey, accept: 'application/json' }, query: { query } },
        failing,
      ),
    ).toBe(500);
  });
});

describe('health and documentation answer as documented', () => {
  it('GET /health: 200', async () => {
    expect(await statusOf({ path: '/health' })).toBe(200);
  });

  it('GET /openapi.json and GET /docs: 200', async () => {
    expect(await statusOf({ path: '/openapi.json' })).toBe(200);
    expect(await statusOf({ path: '/docs' })).toBe(200);
  });

  it('GET /docs/{asset}: 200 for each kind of file, 404 for an unknown name, 406 when gzip is refused', async () => {
    expect(await statusOf({ path: '/docs/swagger-ui.css' })).toBe(200);
    expect(await statusOf({ path: '/docs/swagger-initializer.js' })).toBe(200);
    expect(await statusOf({ path: '/docs/package.json' })).toBe(404);
    expect(
      await statusOf({ path: '/docs/yoga-graphiql.umd.js', headers: { 'accept-encoding': 'identity' } }),
    ).toBe(406);
  });

  it('GET /docs/{asset}: 500 with a request id when its file cannot be read', async () => {
    expect(await statusOf({ path: '/docs/swagger-ui.css' }, failing)).toBe(500);
  });
});

describe('the suppression list answers as documented', () => {
  const get = (query: Record<string, string>, key = uploadKey, over = handlers) =>
    call({ path: '/suppressions', headers: { 'x-api-key': key }, query }, over);
  const put = (email: string, body: string, headers: Record<string, string> = {}, over = handlers) =>
    call(
      {
        method: 'PUT',
        path: `/suppressions/${encodeURIComponent(email)}`,
        headers: { 'x-api-key': uploadKey, 'content-type': 'application/json', ...headers },
        body,
      },
      over,
    );
  const remove = (email: string, key = uploadKey, over = handlers) =>
    call(
      { method: 'DELETE', path: `/suppressions/${encodeURIComponent(email)}`, headers: { 'x-api-key': key } },
      over,
    );
  const importCsv = (body: string | Buffer, headers: Record<string, string> = {}, over = handlers) =>
    call(
      {
        method: 'POST',
        path: '/suppressions/import',
        headers: { 'x-api-key': uploadKey, 'content-type': 'text/csv', ...headers },
        body,
      },
      over,
    );
  const note = JSON.stringify({ reason: 'asked us by phone' });

  it('GET: 200 for an entry and for a page, 400 for a bad address, limit or cursor, 404 naming the address', async () => {
    const email = `conformance-${randomUUID().slice(0, 8)}@example.com`;
    expect((await put(email, note)).status).toBe(200);
    expect((await put(`second-${email}`, note)).status).toBe(200);
    expect((await get({ email })).status).toBe(200);
    const page = await get({ limit: '1' });
    expect([page.status, typeof (page.body as { nextCursor: unknown }).nextCursor]).toEqual([200, 'string']);
    expect((await get({ email: 'nope' })).status).toBe(400);
    const limit = await get({ limit: '1000' });
    expect([limit.status, limit.body]).toEqual([400, documented.exampleOf(SUPPRESSIONS, 400)]);
    expect((await get({ cursor: 'garbage' })).status).toBe(400);
    const missing = await get({ email: 'carl@example.com' });
    expect([missing.status, missing.body]).toEqual([404, documented.exampleOf(SUPPRESSIONS, 404)]);
  });

  it('PUT: 200 with the entry, 400 for a bad address or note, 415 for a body that is not JSON', async () => {
    const email = `put-${randomUUID().slice(0, 8)}@example.com`;
    expect((await put(email, note)).status).toBe(200);
    expect((await put('nope', note)).status).toBe(400);
    expect((await put(email, JSON.stringify({ reason: '' }))).status).toBe(400);
    expect((await put(email, 'reason=why', { 'content-type': 'text/csv' })).status).toBe(415);
  });

  it('DELETE: 200 with what was removed, then 404; 400 for a bad address', async () => {
    const email = `delete-${randomUUID().slice(0, 8)}@example.com`;
    expect((await put(email, note)).status).toBe(200);
    expect((await remove(email)).status).toBe(200);
    expect((await remove(email)).status).toBe(404);
    expect((await remove('nope')).status).toBe(400);
  });

  it('POST /suppressions/import: 200 with the counts, 400, 413 and 415', async () => {
    expect((await importCsv(`email\nimport-${randomUUID().slice(0, 8)}@example.com\nnope\n`)).status).toBe(
      200,
    );
    expect((await importCsv('sep=|\nemail\n')).status).toBe(400);
    expect(
      (await importCsv('--x\r\nnot a form', { 'content-type': 'multipart/form-data; boundary=x' })).status,
    ).toBe(400);
    const big = await importCsv(`email\n${'someone@example.com\n'.repeat(300)}`);
    expect(big.status).toBe(413);
    expect((await importCsv('{}', { 'content-type': 'application/json' })).status).toBe(415);
  });

  it('401 without a key and 403 with a key without the upload scope, on every route', async () => {
    expect((await get({}, '')).status).toBe(401);
    expect((await get({}, readKey)).status).toBe(403);
    expect((await put('a@example.com', note, { 'x-api-key': '' })).status).toBe(401);
    expect((await put('a@example.com', note, { 'x-api-key': readKey })).status).toBe(403);
    expect((await remove('a@example.com', '')).status).toBe(401);
    expect((await remove('a@example.com', readKey)).status).toBe(403);
    expect((await importCsv('email\n', { 'x-api-key': '' })).status).toBe(401);
    expect((await importCsv('email\n', { 'x-api-key': readKey })).status).toBe(403);
  });

  it('500 with a request id when the table is unreachable (an outage injected in the SDK), on every route', async () => {
    const answers = [
      await get({ email: 'a@example.com' }, uploadKey, failing),
      await put('a@example.com', note, {}, failing),
      await remove('a@example.com', uploadKey, failing),
      await importCsv('email\na@example.com\n', {}, failing),
    ];
    for (const answer of answers) {
      expect([answer.routeKey, answer.status, answer.body]).toEqual([
        answer.routeKey,
        500,
        expect.objectContaining({ requestId: answer.requestId }),
      ]);
    }
  });
});

describe('the unsubscribe link answers as documented', () => {
  const ONE_CLICK = 'List-Unsubscribe=One-Click';
  let token: string;
  beforeAll(async () => {
    const { batchId } = await ingestMails(aws, ['leaving@example.com']);
    token = testUnsubscribeTokens().tokenFor(sendIdFor(batchId, 'leaving@example.com'));
  });
  const post = (body: string | Buffer, headers: Record<string, string> = {}, link = token, over = handlers) =>
    call(
      {
        method: 'POST',
        path: `/unsubscribe/${link}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      },
      over,
    );

  it('GET: 200 with the page, 404 for a link that is not ours', async () => {
    expect(await statusOf({ path: `/unsubscribe/${token}` })).toBe(200);
    expect(await statusOf({ path: '/unsubscribe/forged' })).toBe(404);
  });

  it('POST: 200 to a mail client and to a browser, 404 for a link that is not ours', async () => {
    const client = await post(ONE_CLICK);
    expect([client.status, client.mediaType]).toEqual([200, 'text/plain']);
    const browser = await post(ONE_CLICK, { accept: 'text/html' });
    expect([browser.status, browser.mediaType]).toEqual([200, 'text/html']);
    expect((await post(ONE_CLICK, {}, 'forged')).status).toBe(404);
  });

  it('POST: 400 for another body, 413 above 1 KB, 415 for another type or encoding', async () => {
    expect((await post('unsubscribe=yes')).status).toBe(400);
    expect((await post(`${ONE_CLICK}&${'x'.repeat(2048)}`)).status).toBe(413);
    expect((await post(ONE_CLICK, { 'content-type': 'text/csv' })).status).toBe(415);
    expect((await post(ONE_CLICK, { 'content-encoding': 'zstd' })).status).toBe(415);
  });

  it('500 with a request id when the table is unreachable (an outage injected in the SDK), on both methods', async () => {
    expect(await statusOf({ path: `/unsubscribe/${token}` }, failing)).toBe(500);
    expect((await post(ONE_CLICK, {}, token, failing)).status).toBe(500);
  });
});

/** An operation as the document has it, with what "Try it out" fills in from its examples. */
interface ExampleOperation {
  parameters?: { name: string; in: string; example?: unknown; schema?: { example?: unknown } }[];
  requestBody?: { content: Record<string, MediaType> };
}

describe('the examples of the document', () => {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, ExampleOperation>).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation,
    })),
  );

  it('run as they are, as "Try it out" sends them, with a key of the route\'s scope', async () => {
    const ran: string[] = [];
    for (const { method, path, operation } of operations) {
      const query = Object.fromEntries(
        (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => [parameter.name, parameter.example ?? parameter.schema?.example])
          .filter(([, example]) => example !== undefined)
          .map(([name, example]) => [name, String(example)]),
      );
      const bodies = Object.entries(operation.requestBody?.content ?? {}).filter(
        ([, media]) => media.example !== undefined,
      );
      if (Object.keys(query).length === 0 && bodies.length === 0) continue;
      const access = routeOfKey(`${method} ${path}`)?.access;
      const key = access === 'upload' ? uploadKey : access === 'read' ? readKey : undefined;
      // "Try it out" fills each `{name}` of the path with its parameter's example.
      const filled = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'path')
        .reduce((template, parameter) => {
          const example = parameter.example ?? parameter.schema?.example;
          return example === undefined
            ? template
            : template.replace(`{${parameter.name}}`, encodeURIComponent(String(example)));
        }, path);
      const requests = (bodies.length > 0 ? bodies : [undefined]).map((body) => ({
        method,
        path: filled,
        query,
        headers: {
          accept: 'application/json',
          ...(key ? { 'x-api-key': key } : {}),
          ...(body ? { 'content-type': body[0] } : {}),
        },
        ...(body
          ? { body: typeof body[1].example === 'string' ? body[1].example : JSON.stringify(body[1].example) }
          : {}),
      }));
      for (const request of requests) {
        const answer = await call(request);
        const name = `${method} ${path} ${request.headers['content-type'] ?? 'query'}`;
        expect([name, answer.status >= 200 && answer.status < 300, answer.body]).toEqual([
          name,
          true,
          answer.body,
        ]);
        ran.push(name);
      }
    }
    expect(ran.sort()).toEqual(
      [
        'GET /graphql query',
        'POST /campaigns/upload text/csv',
        'POST /campaigns/uploads application/json',
        'POST /graphql application/json',
        'GET /suppressions query',
        'POST /suppressions/import text/csv',
        'PUT /suppressions/{email} application/json',
      ].sort(),
    );
  });
});

describe('the document', () => {
  it('declares no answer the functions were not seen to give, but for those that cannot be driven', () => {
    const declared = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, operation]) =>
        Object.keys(operation.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
    const excused = (answer: string) =>
      NOT_DRIVEN[answer] !== undefined || NOT_DRIVEN[answer.split(' ')[2] ?? ''] !== undefined;
    expect(declared.filter((answer) => !seen.has(answer) && !excused(answer))).toEqual([]);
    // An excuse for an answer that is driven after all, or that the document no longer declares, is stale.
    const stale = Object.keys(NOT_DRIVEN).filter(
      (answer) => answer.includes(' ') && (seen.has(answer) || !declared.includes(answer)),
    );
    expect(stale).toEqual([]);
  });
});
