import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, pathParametersOf, routeOfRequest } from '../../lambdas/contract/api-routes.js';
import { type GatewayCors, portOf, type Route, startHttpGateway } from '../../local/http-gateway.js';

describe('the route of a request', () => {
  it('is the route with that path, or the one whose template the path fits', () => {
    expect(routeOfRequest('GET', '/graphql')).toMatchObject({
      method: 'GET',
      path: '/graphql',
      fn: 'graphql',
    });
    expect(routeOfRequest('GET', '/docs')).toMatchObject({ path: '/docs', fn: 'docs' });
    expect(routeOfRequest('GET', '/docs/swagger-ui.css')).toMatchObject({
      path: '/docs/{asset}',
      fn: 'docs',
    });
    expect(routeOfRequest('GET', '/campaigns/8b222e66')).toMatchObject({
      path: '/campaigns/{batchId}',
      fn: 'campaigns',
    });
  });

  it('gives each template segment the value of its path segment, percent-decoded', () => {
    expect(pathParametersOf('/campaigns/{batchId}', '/campaigns/a%20b')).toEqual({ batchId: 'a b' });
    expect(pathParametersOf('/campaigns/{batchId}', '/campaigns/%E0%A4%A')).toEqual({ batchId: '%E0%A4%A' });
    expect(pathParametersOf('/campaigns/{batchId}', '/campaigns/')).toBeUndefined();
    expect(pathParametersOf('/campaigns/{batchId}', '/campaign/x')).toBeUndefined();
  });

  it('is none for a path no route has, or a template segment left empty or split', () => {
    for (const [method, path] of [
      ['DELETE', '/graphql'],
      ['GET', '/docs/'],
      ['GET', '/docs/a/b'],
      ['GET', '/campaigns'],
    ] as const) {
      expect([method, path, routeOfRequest(method, path)]).toEqual([method, path, undefined]);
    }
  });
});

const APP = 'https://app.example.com';

/** A gateway over every route, each answered by a handler that keeps its event. */
function gatewayForThisBlock(cors?: GatewayCors) {
  const received: APIGatewayProxyEventV2[] = [];
  const started = { base: '' };
  let server: Server;
  beforeAll(async () => {
    const routes: Route[] = API_ROUTES.map((route) => ({
      method: route.method,
      path: route.path,
      functionName: route.fn,
      handler: async (event: APIGatewayProxyEventV2) => {
        received.push(event);
        // What Yoga's CORS did: reflect any Origin, with credentials. The gateway must not pass it on.
        const origin = event.headers.origin;
        const headers: Record<string, string> = origin
          ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' }
          : {};
        return { statusCode: 204, headers };
      },
    }));
    server = await startHttpGateway(routes, { host: '127.0.0.1', port: 0, ...(cors ? { cors } : {}) });
    started.base = `http://127.0.0.1:${portOf(server)}`;
  });
  afterAll(
    () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  );
  return { received, started };
}

const corsHeadersOf = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

describe('the local gateway', () => {
  const { received, started } = gatewayForThisBlock();
  // Read in tests, once beforeAll has started the gateway.
  const url = (path: string) => `${started.base}${path}`;

  it("puts the route's template in routeKey, as API Gateway does, and the path in rawPath", async () => {
    received.length = 0;
    await fetch(url('/docs/swagger-ui.css'));
    await fetch(url('/campaigns/uploads'), { method: 'POST', body: '{}' });
    await fetch(url('/campaigns/b-1'));
    expect(
      received.map((event) => [
        event.routeKey,
        event.requestContext.routeKey,
        event.rawPath,
        event.pathParameters,
      ]),
    ).toEqual([
      ['GET /docs/{asset}', 'GET /docs/{asset}', '/docs/swagger-ui.css', { asset: 'swagger-ui.css' }],
      ['POST /campaigns/uploads', 'POST /campaigns/uploads', '/campaigns/uploads', undefined],
      ['GET /campaigns/{batchId}', 'GET /campaigns/{batchId}', '/campaigns/b-1', { batchId: 'b-1' }],
    ]);
  });

  it('matches the route on the path alone, ignoring the query string', async () => {
    received.length = 0;
    const answer = await fetch(url('/health?x=1&y'));
    expect(answer.status).toBe(204);
    expect(received.map((event) => [event.routeKey, event.rawPath, event.rawQueryString])).toEqual([
      ['GET /health', '/health', 'x=1&y'],
    ]);
  });

  it('answers a method the path has no route for with 405 and Allow, without invoking a function', async () => {
    received.length = 0;
    const post = await fetch(url('/health?x=1'), { method: 'POST', body: 'ignored' });
    expect([post.status, post.headers.get('allow'), await post.json()]).toEqual([
      405,
      'GET',
      { error: 'method POST not allowed on /health; use GET' },
    ]);
    const put = await fetch(url('/graphql'), { method: 'PUT' });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, POST']);
    const unknown = await fetch(url('/nowhere'), { method: 'DELETE' });
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'no route for DELETE /nowhere' }]);
    expect(received).toEqual([]);
  });

  it('adds no CORS header without a CORS configuration, and passes on none of a function', async () => {
    const answer = await fetch(url('/graphql'), { headers: { origin: 'https://evil.example' } });
    expect(answer.status).toBe(204);
    // As API Gateway without CORS: the function's answer goes out as it is; the functions add none.
    expect(corsHeadersOf(answer)).toEqual({
      'access-control-allow-origin': 'https://evil.example',
      'access-control-allow-credentials': 'true',
    });
    const preflight = await fetch(url('/graphql'), {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(405);
  });
});

describe('the local gateway with CORS configured', () => {
  const { started } = gatewayForThisBlock({ allowOrigins: [APP] });
  const url = (path: string) => `${started.base}${path}`;

  it('answers the preflight of a configured origin itself, with the policy the stack configures', async () => {
    const preflight = await fetch(url('/campaigns/upload'), {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(corsHeadersOf(preflight)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET,POST,PUT,DELETE',
      'access-control-allow-headers': 'content-type,x-api-key,idempotency-key',
      'access-control-max-age': '3600',
    });
  });

  it('answers the preflight of another origin without any CORS header', async () => {
    const preflight = await fetch(url('/graphql'), {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect([preflight.status, corsHeadersOf(preflight)]).toEqual([204, {}]);
  });

  it("allows a configured origin on the answer, never another one, and never the function's own headers", async () => {
    const allowed = await fetch(url('/graphql'), { headers: { origin: APP } });
    expect(corsHeadersOf(allowed)).toEqual({ 'access-control-allow-origin': APP });
    const other = await fetch(url('/graphql'), { headers: { origin: 'https://evil.example' } });
    expect(corsHeadersOf(other)).toEqual({});
    const none = await fetch(url('/graphql'));
    expect(corsHeadersOf(none)).toEqual({});
  });
});
