/**
 * Every route of the HTTP API, in one list: the CDK stack adds exactly these routes, the local runner
 * serves exactly these, and the OpenAPI document describes exactly these (tests hold all three to it).
 * The HTTP stack of each function (lambdas/core/http/route-access.ts) takes each route's access from
 * here, by the route key API Gateway puts in the event.
 */

import { DOCS_FILES } from './docs-files.js';
import type { FunctionId } from './functions.js';

/** The function behind a route (a ProjectFunction of the stack, the same entry module locally). */
export type ApiFunction = Extract<
  FunctionId,
  'uploadApi' | 'uploadUrl' | 'graphql' | 'health' | 'docs' | 'campaigns' | 'suppressions' | 'unsubscribe'
>;

/** Who may call a route: anyone, or a key with that scope (or, `read-or-upload`, either) in `x-api-key`. */
export type RouteAccess = 'public' | 'upload' | 'read' | 'read-or-upload';

/** The scopes any one of which grants a route's access. */
export function scopesOf(access: Exclude<RouteAccess, 'public'>): ('read' | 'upload')[] {
  return access === 'read-or-upload' ? ['read', 'upload'] : [access];
}

/** The methods the API routes: API Gateway's, CORS's and the OpenAPI document's names for them. */
export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRoute {
  readonly method: ApiMethod;
  /** API Gateway's path syntax: `{name}` is one path segment. */
  readonly path: string;
  readonly fn: ApiFunction;
  readonly access: RouteAccess;
}

export const UPLOAD_PATH = '/campaigns/upload';
/** One batch, as marketers poll it: `{batchId}` is one path segment. */
export const CAMPAIGN_PATH = '/campaigns/{batchId}';
export const LARGE_UPLOAD_PATH = '/campaigns/uploads';
/** POST /campaigns/{batchId}/<action>: a batch's pause, resume, cancel and reschedule. */
export const CONTROL_ACTIONS = ['pause', 'resume', 'cancel', 'schedule'] as const;
export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/health';
export const DOCS_PATH = '/docs';
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_ASSET_PATH = `${DOCS_PATH}/{asset}`;
/** The project's suppression list: GET pages it or looks one address up. */
export const SUPPRESSIONS_PATH = '/suppressions';
/** One address of the list: `{email}` is one path segment (percent-encoded as a client sends it). */
export const SUPPRESSION_PATH = `${SUPPRESSIONS_PATH}/{email}`;
/** A CSV of addresses added to the list at once. */
export const SUPPRESSION_IMPORT_PATH = `${SUPPRESSIONS_PATH}/import`;
/** A mail's unsubscribe link (List-Unsubscribe): `{token}` names its send, signed (unsubscribe-token.ts). */
export const UNSUBSCRIBE_PATH = '/unsubscribe/{token}';

/** The script that starts Swagger UI on the page; written by the docs function itself. */
export const SWAGGER_UI_INITIALIZER = 'swagger-initializer.js';
/**
 * Every name the docs function serves under /docs/: the packaged files of Swagger UI and GraphiQL
 * (docs-files.ts) and Swagger UI's initializer.
 */
export const DOCS_ASSETS: readonly string[] = [
  ...DOCS_FILES.map((file) => file.name),
  SWAGGER_UI_INITIALIZER,
];

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'POST', path: UPLOAD_PATH, fn: 'uploadApi', access: 'upload' },
  { method: 'POST', path: LARGE_UPLOAD_PATH, fn: 'uploadUrl', access: 'upload' },
  { method: 'GET', path: CAMPAIGN_PATH, fn: 'campaigns', access: 'read-or-upload' },
  // Campaign control (issue 15): what an uploader may do to a batch, as uploading it.
  ...CONTROL_ACTIONS.map((action) => ({
    method: 'POST' as const,
    path: `${CAMPAIGN_PATH}/${action}`,
    fn: 'campaigns' as const,
    access: 'upload' as const,
  })),
  // GET serves GraphiQL (to a browser, without a key) and query-string queries, POST JSON queries.
  { method: 'GET', path: GRAPHQL_PATH, fn: 'graphql', access: 'read' },
  { method: 'POST', path: GRAPHQL_PATH, fn: 'graphql', access: 'read' },
  { method: 'GET', path: HEALTH_PATH, fn: 'health', access: 'public' },
  { method: 'GET', path: OPENAPI_PATH, fn: 'docs', access: 'public' },
  { method: 'GET', path: DOCS_PATH, fn: 'docs', access: 'public' },
  { method: 'GET', path: DOCS_ASSET_PATH, fn: 'docs', access: 'public' },
  // The suppression list is managed by whoever uploads campaigns; analysts read it through GraphQL.
  { method: 'GET', path: SUPPRESSIONS_PATH, fn: 'suppressions', access: 'upload' },
  { method: 'PUT', path: SUPPRESSION_PATH, fn: 'suppressions', access: 'upload' },
  { method: 'DELETE', path: SUPPRESSION_PATH, fn: 'suppressions', access: 'upload' },
  { method: 'POST', path: SUPPRESSION_IMPORT_PATH, fn: 'suppressions', access: 'upload' },
  // A recipient's link: the signed token in the path is the only credential. GET shows a page whose
  // button POSTs; only the POST (a mail client's one-click, or that button) unsubscribes.
  { method: 'GET', path: UNSUBSCRIBE_PATH, fn: 'unsubscribe', access: 'public' },
  { method: 'POST', path: UNSUBSCRIBE_PATH, fn: 'unsubscribe', access: 'public' },
];

/** `GET /graphql`: the route key API Gateway and the access logs use. */
export const routeKeyOf = (route: { method: string; path: string }): string =>
  `${route.method} ${route.path}`;

/** The route of a route key, as API Gateway puts it in the event (`GET /docs/{asset}`). */
export const routeOfKey = (routeKey: string | undefined): ApiRoute | undefined =>
  API_ROUTES.find((route) => routeKeyOf(route) === routeKey);

/** A path segment percent-decoded, or as it came when it is not valid percent-encoding. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The values a path gives a route template's `{name}` segments (each matches one non-empty segment),
 * as API Gateway puts them in `pathParameters`; undefined when the path does not fit the template.
 */
export function pathParametersOf(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const value = got[i] ?? '';
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name === undefined) {
      if (segment !== value) return undefined;
    } else if (value === '') return undefined;
    else parameters[name] = decoded(value);
  }
  return parameters;
}

/**
 * The route API Gateway picks for a request among `routes`: the one whose path matches exactly, else
 * one whose template does (`GET /docs/swagger-ui.css` is `GET /docs/{asset}`).
 */
export function matchRoute<R extends { method: string; path: string }>(
  routes: readonly R[],
  method: string,
  path: string,
): R | undefined {
  const candidates = routes.filter((route) => route.method === method);
  return (
    candidates.find((route) => route.path === path) ??
    candidates.find((route) => pathParametersOf(route.path, path) !== undefined)
  );
}

/** The route of API_ROUTES a request goes to. */
export const routeOfRequest = (method: string, path: string): ApiRoute | undefined =>
  matchRoute(API_ROUTES, method, path);
