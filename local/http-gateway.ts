import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { routeKeyOf, routeOfRequest } from '../lambdas/contract/api-routes.js';
import type { FunctionId } from '../lambdas/contract/functions.js';
import { lambdaContext } from './lambda-context.js';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface Route {
  method: string;
  path: string;
  functionName: FunctionId;
  handler: HttpHandler;
}

/** API Gateway HTTP API refuses bodies above 10 MB before any function runs; so do we. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The event API Gateway's HTTP API (payload format 2.0) hands to a Lambda integration. */
export function httpApiEventFrom(
  request: IncomingMessage,
  body: Buffer,
  routeKey: string,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie')
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] =
      name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(request.headers.cookie ? { cookies: request.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(url.search ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0,
  };
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2) {
  if (typeof result === 'string') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(result);
    return;
  }
  const headers: Record<string, string | number | boolean | string[]> = { ...(result.headers ?? {}) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  response.writeHead(result.statusCode ?? 200, headers as Record<string, string>);
  response.end(
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
  );
}

/**
 * Plays API Gateway locally: matches the route, turns the request into an HTTP API v2 event,
 * invokes the very handler that runs on Lambda and writes its answer back.
 */
export function startHttpGateway(
  routes: Route[],
  options: {
    host: string;
    port: number;
    extra?: (request: IncomingMessage, response: ServerResponse) => boolean;
  },
): Promise<Server> {
  const server = createServer(async (request, response) => {
    try {
      if (options.extra?.(request, response)) return;
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const route = routes.find((r) => r.path === path && r.method === request.method);
      if (!route) {
        const allowed = routes.filter((r) => r.path === path).map((r) => r.method);
        if (allowed.length > 0)
          send(response, 405, { error: `method ${request.method} not allowed; use ${allowed.join(', ')}` });
        else send(response, 404, { error: `no route for ${request.method} ${path}` });
        return;
      }
      let body: Buffer;
      try {
        body = await readBody(request);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          send(response, 413, { error: `request body larger than ${MAX_BODY_BYTES} bytes` });
          return;
        }
        throw error;
      }
      // API Gateway names the route by its template (`GET /docs/{asset}`), not by the path requested.
      const routeKey = routeKeyOf(routeOfRequest(route.method, route.path) ?? route);
      const result = await route.handler(
        httpApiEventFrom(request, body, routeKey),
        lambdaContext(route.functionName),
      );
      writeResult(response, result);
    } catch (error) {
      // A handler that throws would make API Gateway answer 500 with this same generic body.
      console.error('local gateway: handler failed', error);
      if (!response.headersSent) send(response, 500, { message: 'Internal Server Error' });
      else response.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}
