import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ApiFunction } from '../../contract/api-routes.js';
import { type BodyDecodingOptions, bodyDecoding } from './content-encoding.js';
import { jsonErrors } from './json-errors.js';
import { type ApiKeyContext, type RouteAccessOptions, routeAccess } from './route-access.js';

export type HttpResult = APIGatewayProxyStructuredResultV2;

/** What an HTTP function's entry exports; tests may leave out the Lambda context. */
export type HttpHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<HttpResult>;

export interface HttpFunctionOptions extends RouteAccessOptions {
  /** How large a compressed body may unpack to, and the 413 beyond (content-encoding.ts). */
  body?: BodyDecodingOptions;
}

/**
 * The one middleware stack of every HTTP function, "middleware first, handler last": errors become
 * JSON answers (json-errors.ts), then the route's access is checked (route-access.ts) before anything
 * reads the body, then a compressed body is unpacked (content-encoding.ts), then the handler runs.
 * The handler finds the key's id in `context.apiKeyId`.
 *
 * The maintained @middy/http-* packages add nothing here: API Gateway's HTTP API already hands over
 * lowercase headers (http-header-normalizer), CORS is the API's own configuration (http-cors), and
 * each route reads its body with precise messages (json-body.ts, csv-body.ts): http-json-body-parser
 * takes only application/json, where the JSON routes also take what `curl -d` sends, and answers
 * malformed JSON with a fixed message.
 */
export function httpFunction(
  fn: ApiFunction,
  options: HttpFunctionOptions,
  handler: (event: APIGatewayProxyEventV2, context: ApiKeyContext) => Promise<HttpResult>,
): HttpHandler {
  const stack = middy<APIGatewayProxyEventV2, HttpResult, Error, ApiKeyContext>()
    .use(jsonErrors())
    .use(routeAccess(fn, options))
    .use(bodyDecoding(options.body))
    .handler(handler);
  // middy gives a missing context the same empty object.
  return (event, context) => stack(event, context ?? ({} as ApiKeyContext));
}
