import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { CORS_POLICY } from '../lambdas/contract/api-cors.js';
import { matchRoute, pathParametersOf, routeKeyOf } from '../lambdas/contract/api-routes.js';
import type { FunctionId } from '../lambdas/contract/functions.js';
import { lambdaContext } from './lambda-context.js';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface Route {
  method: string;
  /** API Gateway's syntax: `{name}` stands for one path segment, handed to the function in `pathParameters`. */
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
  route: { method: string; path: string },
): APIGatewayProxyEventV2 {
  const routeKey = routeKeyOf(route);
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
  const pathParameters = pathParametersOf(route.path, url.pathname) ?? {};
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(request.headers.cookie ? { cookies: request.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(url.search ? { queryStringParameters } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
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

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

/** API Gateway's CORS configuration: the origins of `corsOrigins`, with the contract's policy. */
export interface GatewayCors {
  allowOrigins: readonly string[];
}

const isCorsHeader = (name: string) => name.toLowerCase().startsWith('access-control-');

/**
 * What API Gateway adds to an answer once CORS is configured: the request's Origin, when it is one of
 * the configured origins; never a credentials header, never another origin.
 */
function corsHeadersFor(request: IncomingMessage, cors: GatewayCors | undefined): Record<string, string> {
  const origin = request.headers.origin;
  if (cors === undefined || origin === undefined || !cors.allowOrigins.includes(origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'origin' };
}

/**
 * A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method), which API Gateway answers
 * itself once CORS is configured: 204, with the policy for a configured origin and nothing for another.
 */
function answerPreflight(request: IncomingMessage, response: ServerResponse, cors: GatewayCors): boolean {
  if (request.method !== 'OPTIONS' || cors.allowOrigins.length === 0) return false;
  if (request.headers.origin === undefined || request.headers['access-control-request-method'] === undefined)
    return false;
  const allowed = corsHeadersFor(request, cors);
  response.writeHead(
    204,
    Object.keys(allowed).length === 0
      ? {}
      : {
          ...allowed,
          'access-control-allow-methods': CORS_POLICY.allowMethods.join(','),
          'access-control-allow-headers': CORS_POLICY.allowHeaders.join(','),
          'access-control-max-age': String(CORS_POLICY.maxAgeSeconds),
        },
  );
  response.end();
  return true;
}

function writeResult(
  response: ServerResponse,
  result: APIGatewayProxyResultV2,
  cors: { configured: boolean; headers: Record<string, string> },
) {
  if (typeof result === 'string') {
    response.writeHead(200, { 'content-type': 'application/json', ...cors.headers });
    response.end(result);
    return;
  }
  const headers: Record<string, string | number | boolean | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    // Once CORS is configured, API Gateway ignores the CORS headers an integration returns.
    if (!(cors.configured && isCorsHeader(name))) headers[name] = value;
  }
  Object.assign(headers, cors.headers);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  response.writeHead(result.statusCode ?? 200, headers as Record<string, string>);
  response.end(
    result.body === undefined
      ? undefined
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
  );
}

/**
 * Plays API Gateway locally: matches the route on the path alone (the query string is no part of it),
 * turns the request into an HTTP API v2 event, invokes the very handler that runs on Lambda and writes
 * its answer back, with the CORS answers API Gateway gives for the configured origins.
 *
 * Where it differs from API Gateway, on purpose: a method the path's routes lack gets 405 with Allow,
 * and a path no route has 404, each with a JSON `{ error }` naming the request; API Gateway answers
 * both 404 `{"message":"Not Found"}` (HTTP APIs have no 405). The README says so.
 */
export function startHttpGateway(
  routes: Route[],
  options: {
    host: string;
    port: number;
    extra?: (request: IncomingMessage, response: ServerResponse) => boolean;
    /** CORS as the stack configures it; none (the default) answers no preflight and adds no header. */
    cors?: GatewayCors;
  },
): Promise<Server> {
  const cors = options.cors?.allowOrigins.length ? options.cors : undefined;
  const server = createServer(async (request, response) => {
    try {
      if (options.extra?.(request, response)) return;
      if (cors && answerPreflight(request, response, cors)) return;
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const route = matchRoute(routes, request.method ?? 'GET', path);
      if (!route) {
        const allowed = [
          ...new Set(routes.filter((r) => matchRoute([r], r.method, path)).map((r) => r.method)),
        ];
        if (allowed.length > 0)
          send(
            response,
            405,
            { error: `method ${request.method} not allowed on ${path}; use ${allowed.join(', ')}` },
            { allow: allowed.join(', ') },
          );
        else send(response, 404, { error: `no route for ${request.method} ${path}` });
        // The body, if any, is not read: drain it so that the connection can serve the next request.
        request.resume();
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
      const result = await route.handler(
        httpApiEventFrom(request, body, route),
        lambdaContext(route.functionName),
      );
      writeResult(response, result, {
        configured: cors !== undefined,
        headers: corsHeadersFor(request, cors),
      });
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
