import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, concretePathsOf, routeOfRequest } from '../../lambdas/contract/api-routes.js';
import { portOf, type Route, startHttpGateway } from '../../local/http-gateway.js';

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

describe('the local gateway', () => {
  const received: APIGatewayProxyEventV2[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    // Every concrete path of every route, each answered by a handler that keeps the event it was given.
    const routes: Route[] = API_ROUTES.flatMap((route) =>
      concretePathsOf(route).map((path) => ({
        method: route.method,
        path,
        functionName: route.fn,
        handler: async (event: APIGatewayProxyEventV2) => {
          received.push(event);
          return { statusCode: 204 };
        },
      })),
    );
    server = await startHttpGateway(routes, { host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${portOf(server)}`;
  });
  afterAll(
    () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  );

  it("puts the route's template in routeKey, as API Gateway does, and the path in rawPath", async () => {
    await fetch(`${base}/docs/swagger-ui.css`);
    await fetch(`${base}/campaigns/uploads`, { method: 'POST', body: '{}' });
    expect(received.map((event) => [event.routeKey, event.requestContext.routeKey, event.rawPath])).toEqual([
      ['GET /docs/{asset}', 'GET /docs/{asset}', '/docs/swagger-ui.css'],
      ['POST /campaigns/uploads', 'POST /campaigns/uploads', '/campaigns/uploads'],
    ]);
  });
});
