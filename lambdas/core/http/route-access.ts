import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { API_ROUTES, type ApiFunction, routeKeyOf, routeOfKey, scopesOf } from '../../contract/api-routes.js';
import type { ApiKeyCheck } from './api-key-check.js';
import { HttpError } from './http-error.js';

/** The Lambda context, with the id of the API key that opened the request (routes that need one). */
export interface ApiKeyContext extends Context {
  apiKeyId?: string;
}

export interface RouteAccessOptions {
  /** Required as soon as one of the function's routes needs a key. */
  apiKeys?: Pick<ApiKeyCheck, 'require'>;
  /**
   * A request served without a key although its route needs one: GraphiQL's page, static HTML that
   * runs no query, on GET /graphql.
   */
  isPublicRequest?: (event: APIGatewayProxyEventV2) => boolean;
}

/**
 * Refuses a request without a key granting its route's access, before the handler reads its body.
 * The access of each route is the one API_ROUTES declares for the event's routeKey (API Gateway's
 * route template, e.g. `GET /docs/{asset}`); a route key that is not one of this function's routes
 * is answered 404, since no key could make it one.
 *
 * Hand-written: no @middy package checks API keys; the refusals are the domain's (refusalOf).
 */
export function routeAccess(
  fn: ApiFunction,
  options: RouteAccessOptions = {},
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiKeyContext> {
  const { apiKeys } = options;
  const guarded = API_ROUTES.filter((route) => route.fn === fn && route.access !== 'public');
  if (guarded.length > 0 && apiKeys === undefined) {
    // A wiring mistake: fail when the function is built, not by serving a guarded route to anyone.
    throw new Error(`${fn} serves ${guarded.map(routeKeyOf).join(', ')}, which need an API key check`);
  }
  return {
    before: async (request) => {
      const { event } = request;
      const route = routeOfKey(event.routeKey);
      if (route?.fn !== fn) throw new HttpError(404, `no route for ${event.routeKey ?? '(no route key)'}`);
      if (route.access === 'public' || options.isPublicRequest?.(event)) return;
      // Checked when the function was built; kept so that a route can never be served unchecked.
      if (apiKeys === undefined) throw new Error(`${routeKeyOf(route)} has no API key check`);
      request.context.apiKeyId = await apiKeys.require(event.headers ?? {}, scopesOf(route.access));
    },
  };
}
