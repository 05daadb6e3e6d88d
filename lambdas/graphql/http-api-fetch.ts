import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Translation between API Gateway's HTTP API events (payload format 2.0) and the Fetch API that
 * GraphQL Yoga speaks.
 */

/** Headers that describe the original transfer; the rebuilt request computes its own. */
const TRANSFER_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection']);

/** Bodies API Gateway can pass as text; anything else travels base64-encoded. */
const TEXT_TYPE = /^text\/|[/+](json|xml|graphql)\b|\/(javascript|x-www-form-urlencoded)\b/i;

type RequestConstructor = new (input: string, init?: RequestInit) => Request;

/** The path the route sees: a named stage's prefix is part of rawPath but not of the route. */
function routePath(event: APIGatewayProxyEventV2): string {
  const stage = event.requestContext?.stage;
  const path = event.rawPath || '/';
  if (!stage || stage === '$default') return path;
  const prefix = `/${stage}`;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

export function requestFromHttpApiEvent(
  event: APIGatewayProxyEventV2,
  RequestClass: RequestConstructor = Request,
): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined && !TRANSFER_HEADERS.has(name.toLowerCase())) headers.set(name, value);
  }
  // HTTP API moves the Cookie header into `cookies`.
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  const host = event.headers?.host ?? event.requestContext?.domainName ?? 'localhost';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const method = event.requestContext?.http?.method ?? 'GET';
  const hasBody = event.body !== undefined && method !== 'GET' && method !== 'HEAD';
  return new RequestClass(`https://${host}${routePath(event)}${query}`, {
    method,
    headers,
    ...(hasBody
      ? { body: event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : (event.body ?? '') }
      : {}),
  });
}

export async function httpApiResultFrom(response: Response): Promise<APIGatewayProxyStructuredResultV2> {
  const headers: Record<string, string> = {};
  // Yoga's Headers keep the case they were set with; HTTP API results use lowercase names.
  response.headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (lower !== 'set-cookie') headers[lower] = value;
  });
  // HTTP API expects each Set-Cookie on its own in `cookies`; a joined header would corrupt them.
  const cookies = response.headers.getSetCookie();
  const body = Buffer.from(await response.arrayBuffer());
  const text = body.length === 0 || TEXT_TYPE.test(headers['content-type'] ?? '');
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    body: text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !text,
  };
}
