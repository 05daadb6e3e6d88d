/**
 * Every route of the HTTP API, in one list: the CDK stack adds exactly these routes, the local runner
 * serves exactly these, and the OpenAPI document describes exactly these (tests hold all three to it).
 * The HTTP stack of each function (lambdas/core/http/route-access.ts) takes each route's access from
 * here, by the route key API Gateway puts in the event.
 */

import { DOCS_FILES } from './docs-files.js';
import type { FunctionId } from './functions.js';

/** The function behind a route (a ProjectFunction of the stack, the same entry module locally). */
export type ApiFunction = Extract<FunctionId, 'uploadApi' | 'uploadUrl' | 'graphql' | 'health' | 'docs'>;

/** Who may call a route: anyone, or a key with that scope in `x-api-key`. */
export type RouteAccess = 'public' | 'upload' | 'read';

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** API Gateway's path syntax: `{name}` is one path segment. */
  readonly path: string;
  readonly fn: ApiFunction;
  readonly access: RouteAccess;
}

export const UPLOAD_PATH = '/campaigns/upload';
export const LARGE_UPLOAD_PATH = '/campaigns/uploads';
export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/health';
export const DOCS_PATH = '/docs';
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_ASSET_PATH = `${DOCS_PATH}/{asset}`;

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
  // GET serves GraphiQL (to a browser, without a key) and query-string queries, POST JSON queries.
  { method: 'GET', path: GRAPHQL_PATH, fn: 'graphql', access: 'read' },
  { method: 'POST', path: GRAPHQL_PATH, fn: 'graphql', access: 'read' },
  { method: 'GET', path: HEALTH_PATH, fn: 'health', access: 'public' },
  { method: 'GET', path: OPENAPI_PATH, fn: 'docs', access: 'public' },
  { method: 'GET', path: DOCS_PATH, fn: 'docs', access: 'public' },
  { method: 'GET', path: DOCS_ASSET_PATH, fn: 'docs', access: 'public' },
];

/** `GET /graphql`: the route key API Gateway and the access logs use. */
export const routeKeyOf = (route: { method: string; path: string }): string =>
  `${route.method} ${route.path}`;

/** The route of a route key, as API Gateway puts it in the event (`GET /docs/{asset}`). */
export const routeOfKey = (routeKey: string | undefined): ApiRoute | undefined =>
  API_ROUTES.find((route) => routeKeyOf(route) === routeKey);

/** True when `path` is one of the paths `template` stands for: `{name}` matches one path segment. */
function matchesTemplate(template: string, path: string): boolean {
  const want = template.split('/');
  const got = path.split('/');
  return (
    want.length === got.length &&
    want.every((segment, i) => (/^\{\w+\}$/.test(segment) ? (got[i] ?? '') !== '' : segment === got[i]))
  );
}

/**
 * The route API Gateway picks for a request: the one whose path matches exactly, else one whose
 * template does (`GET /docs/swagger-ui.css` is `GET /docs/{asset}`).
 */
export function routeOfRequest(method: string, path: string): ApiRoute | undefined {
  const candidates = API_ROUTES.filter((route) => route.method === method);
  return (
    candidates.find((route) => route.path === path) ??
    candidates.find((route) => matchesTemplate(route.path, path))
  );
}

/**
 * The concrete paths a route answers on, for a router that matches paths exactly (the local
 * gateway): `{asset}` becomes each of the docs assets.
 */
export function concretePathsOf(route: ApiRoute): string[] {
  if (route.path === DOCS_ASSET_PATH) return DOCS_ASSETS.map((asset) => `${DOCS_PATH}/${asset}`);
  return [route.path];
}
