import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { pathParametersOf, routeKeyOf, routeOfRequest } from '../../lambdas/contract/api-routes.js';

export interface HttpApiEventInit {
  method?: string;
  /** The request path without the query string, e.g. `/graphql`. */
  path?: string;
  /** Any case; API Gateway hands them to the function in lowercase. */
  headers?: Record<string, string>;
  /** A Buffer is sent base64-encoded, as API Gateway does for binary bodies. */
  body?: string | Buffer;
  /** Parameters, or a raw query string (without `?`) to send exactly as given. */
  query?: Record<string, string> | string;
  /** A named stage prefixes rawPath, as on a deployed API that does not use `$default`. */
  stage?: string;
  /**
   * The route API Gateway matched; by default the route of API_ROUTES the method and path match
   * (`GET /docs/{asset}` for `/docs/swagger-ui.css`), else `METHOD path` as for a route that does not exist.
   */
  routeKey?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's CLF-style request time, e.g. `20/Nov/2026:10:00:00 +0000`. */
function requestTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

/**
 * An event as API Gateway's HTTP API (payload format 2.0) builds it: lowercase headers, the Cookie
 * header moved to `cookies`, repeated query parameters joined with commas, binary bodies base64.
 */
export function httpApiEvent(init: HttpApiEventInit = {}): APIGatewayProxyEventV2 {
  const method = (init.method ?? 'GET').toUpperCase();
  const path = init.path ?? '/';
  const stage = init.stage ?? '$default';
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
  const cookieHeader = headers.cookie;
  delete headers.cookie;

  const rawQueryString =
    typeof init.query === 'string' ? init.query : new URLSearchParams(init.query ?? {}).toString();
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const earlier = queryStringParameters[name];
    queryStringParameters[name] = earlier === undefined ? value : `${earlier},${value}`;
  }

  const binary = Buffer.isBuffer(init.body);
  const body =
    init.body === undefined ? undefined : binary ? init.body.toString('base64') : String(init.body);
  const now = new Date();
  const route = routeOfRequest(method, path);
  const routeKey = init.routeKey ?? (route ? routeKeyOf(route) : `${method} ${path}`);
  const pathParameters = route ? (pathParametersOf(route.path, path) ?? {}) : {};
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookieHeader ? { cookies: cookieHeader.split(/;\s*/) } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'local.execute-api.localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? 'vitest',
      },
      requestId: randomUUID(),
      routeKey,
      stage,
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: binary,
  };
}
