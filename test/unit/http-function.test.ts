import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type ApiKeyRecord, apiKeyRecordOf, hashApiKey, keyIdOf } from '../../lambdas/core/domain/api-key.js';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { HttpError } from '../../lambdas/core/http/http-error.js';
import { httpFunction } from '../../lambdas/core/http/http-function.js';
import { INTERNAL_ERROR_MESSAGE } from '../../lambdas/core/http/json-errors.js';
import { jsonResponse } from '../../lambdas/core/http/json-response.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

const UPLOAD_KEY = 'cmk_upload-key-of-the-stack-test-0001';
const READ_KEY = 'cmk_read-key-of-the-stack-test-00001';
const records = new Map<string, ApiKeyRecord>(
  [
    apiKeyRecordOf(UPLOAD_KEY, 'marketer', ['upload'], new Date(0)),
    apiKeyRecordOf(READ_KEY, 'analyst', ['read'], new Date(0)),
  ].map((record) => [record.keyId, record]),
);
/** The real check over keys held in memory. */
const apiKeys = new ApiKeyCheck({ get: async (keyId) => records.get(keyId) }, () => new Date(), {
  cacheSeconds: 0,
  cacheEntries: 10,
});

/** A handler that records what it was given and answers 200. */
function recording() {
  const calls: { event: APIGatewayProxyEventV2; apiKeyId: string | undefined }[] = [];
  const handler = async (event: APIGatewayProxyEventV2, context: { apiKeyId?: string }) => {
    calls.push({ event, apiKeyId: context.apiKeyId });
    return jsonResponse(200, { ok: true });
  };
  return { calls, handler };
}

const json = (body: string | undefined) => JSON.parse(body ?? '') as unknown;

const largeUpload = (headers: Record<string, string> = {}) =>
  httpApiEvent({ method: 'POST', path: '/campaigns/uploads', headers, body: '{"size": 10}' });

describe('the API key check of the HTTP stack', () => {
  it('refuses a request without a key with 401 before the handler runs', async () => {
    const { calls, handler } = recording();
    const answer = await httpFunction('uploadUrl', { apiKeys }, handler)(largeUpload());
    expect([answer.statusCode, json(answer.body)]).toEqual([
      401,
      { error: 'missing API key: send it in the x-api-key header' },
    ]);
    expect(calls).toEqual([]);
  });

  it("refuses a key without the route's scope with 403, in the words of the domain", async () => {
    const { calls, handler } = recording();
    const answer = await httpFunction(
      'uploadUrl',
      { apiKeys },
      handler,
    )(largeUpload({ 'x-api-key': READ_KEY }));
    expect([answer.statusCode, json(answer.body)]).toEqual([
      403,
      { error: 'this API key does not have the "upload" scope' },
    ]);
    expect(calls).toEqual([]);
  });

  it('gives the handler the id of the key that opened the request', async () => {
    const { calls, handler } = recording();
    const answer = await httpFunction(
      'uploadUrl',
      { apiKeys },
      handler,
    )(largeUpload({ 'x-api-key': UPLOAD_KEY }));
    expect(answer.statusCode).toBe(200);
    expect(calls.map((call) => call.apiKeyId)).toEqual([keyIdOf(hashApiKey(UPLOAD_KEY))]);
  });

  it('takes the scope of each route from API_ROUTES: read for both GraphQL routes', async () => {
    const { handler } = recording();
    const graphql = httpFunction('graphql', { apiKeys }, handler);
    for (const method of ['GET', 'POST']) {
      const event = (key: string) =>
        httpApiEvent({ method, path: '/graphql', headers: { 'x-api-key': key } });
      expect([method, (await graphql(event(READ_KEY))).statusCode]).toEqual([method, 200]);
      expect([method, json((await graphql(event(UPLOAD_KEY))).body)]).toEqual([
        method,
        { error: 'this API key does not have the "read" scope' },
      ]);
    }
  });

  it('serves a public route without a key, and without a key check to give', async () => {
    const { calls, handler } = recording();
    const docs = httpFunction('docs', {}, handler);
    expect((await docs(httpApiEvent({ path: '/docs/swagger-ui.css' }))).statusCode).toBe(200);
    expect(calls.map((call) => call.event.routeKey)).toEqual(['GET /docs/{asset}']);
  });

  it('serves without a key a request the function declares public (GraphiQL page)', async () => {
    const { handler } = recording();
    const graphql = httpFunction(
      'graphql',
      { apiKeys, isPublicRequest: (event) => event.headers.accept === 'text/html' },
      handler,
    );
    expect(
      (await graphql(httpApiEvent({ path: '/graphql', headers: { accept: 'text/html' } }))).statusCode,
    ).toBe(200);
    expect(
      (await graphql(httpApiEvent({ path: '/graphql', headers: { accept: 'application/json' } }))).statusCode,
    ).toBe(401);
  });

  it("answers 404 for a route key that is not one of the function's routes, whatever the key", async () => {
    const { calls, handler } = recording();
    const docs = httpFunction('docs', {}, handler);
    const answer = await docs(largeUpload({ 'x-api-key': UPLOAD_KEY }));
    expect([answer.statusCode, json(answer.body)]).toEqual([
      404,
      { error: 'no route for POST /campaigns/uploads' },
    ]);
    expect(calls).toEqual([]);
  });

  it('refuses to build a function whose routes need a key without a key check', () => {
    expect(() => httpFunction('uploadApi', {}, recording().handler)).toThrow(
      /uploadApi serves POST \/campaigns\/upload, which need an API key check/,
    );
  });
});

describe('the error answers of the HTTP stack', () => {
  const health = httpApiEvent({ path: '/health' });

  it('answers a thrown 4xx HttpError with its message, problem and details as JSON', async () => {
    const answer = await httpFunction('health', {}, async () => {
      throw new HttpError(409, 'still running', {
        problem: 'IDEMPOTENCY_KEY_IN_PROGRESS',
        retryAfterSeconds: 3,
      });
    })(health);
    expect(answer).toEqual({
      statusCode: 409,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        error: 'still running',
        problem: 'IDEMPOTENCY_KEY_IN_PROGRESS',
        retryAfterSeconds: 3,
      }),
    });
  });

  it("answers any other failure with a generic 500 naming API Gateway's request id, never the message", async () => {
    for (const failure of [
      new Error('connect ECONNREFUSED 10.0.0.7:8000'),
      new HttpError(503, 'the table 10.0.0.7 is down'),
    ]) {
      const answer = await httpFunction('health', {}, async () => {
        throw failure;
      })(health, lambdaContext('health'));
      expect([answer.statusCode, json(answer.body)]).toEqual([
        500,
        { error: INTERNAL_ERROR_MESSAGE, requestId: health.requestContext.requestId },
      ]);
    }
  });

  it('answers a key check that fails (the store unreachable) with the generic 500', async () => {
    const unreachable = new ApiKeyCheck(
      {
        get: async () => {
          throw new Error('connect ECONNREFUSED 10.0.0.7:8000');
        },
      },
      () => new Date(),
    );
    const answer = await httpFunction(
      'uploadUrl',
      { apiKeys: unreachable },
      recording().handler,
    )(largeUpload({ 'x-api-key': UPLOAD_KEY }));
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('ECONNREFUSED');
  });
});
