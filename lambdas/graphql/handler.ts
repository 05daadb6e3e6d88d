import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createSchema, createYoga } from 'graphql-yoga';
import { MAX_GRAPHQL_REQUEST_BYTES } from '../contract/api-schemas.js';
import { API_KEY_HEADER, type ApiKeyCheck } from '../core/http/api-key-check.js';
import { HttpError } from '../core/http/http-error.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { logger } from '../core/observability/logger.js';
import { EXAMPLE_QUERIES } from './example-queries.js';
import { httpApiResultFrom, requestFromHttpApiEvent } from './http-api-fetch.js';
import { type GraphiqlPageOptions, renderOfflineGraphiQL } from './offline-graphiql.js';
import { type QueryWorkMeter, queryLimitsPlugin } from './query-limits.js';
import { createResolvers, type ResolverDeps } from './resolvers.js';
import { readSchemaSource } from './schema-source.js';

export interface GraphqlHandlerDeps extends ResolverDeps {
  /** The schema text; the repository's graphql/schema.graphql when omitted. */
  typeDefs?: string;
  /**
   * GraphiQL in the browser at GET /graphql. Its files come from /docs/ (the docs function), never from
   * a CDN: it works with no internet and costs this bundle nothing.
   */
  graphiql?: boolean;
  /**
   * Introspection (and "Did you mean" suggestions in error messages); on unless told otherwise. The
   * stack turns it off on AWS unless configured (GRAPHQL_INTROSPECTION).
   */
  introspection?: boolean;
  /**
   * Local mode only (GRAPHIQL_API_KEY, which the configuration refuses on Lambda): the key GraphiQL's
   * page puts in its headers editor, so that "run" works at once. Never set for a page served on AWS.
   */
  graphiqlApiKey?: string;
  apiKeys: Pick<ApiKeyCheck, 'require'>;
  /** Counts the work of each query (tests and benchmarks of the limits). */
  queryWork?: QueryWorkMeter;
}

/** The 413 of a body above MAX_GRAPHQL_REQUEST_BYTES, plain or once unpacked. */
function requestTooLarge(size?: number): HttpError {
  const limit = MAX_GRAPHQL_REQUEST_BYTES;
  return new HttpError(
    413,
    `the request body is ${size === undefined ? `more than ${limit}` : size} bytes; a GraphQL request may be at most ${limit} bytes`,
    { problem: 'REQUEST_TOO_LARGE' },
  );
}

function unsupportedBody(contentType: string | undefined): HttpError {
  return new HttpError(
    415,
    `unsupported content type "${(contentType ?? '(none)').slice(0, 100)}": send the query as JSON ({"query": "…"}) with content-type: application/json`,
    { problem: 'UNSUPPORTED_CONTENT_TYPE' },
  );
}

const bodyBytes = (event: APIGatewayProxyEventV2) =>
  event.body === undefined ? 0 : Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');

/**
 * GraphiQL's page is what a browser gets for GET with Accept text/html (as Yoga decides): static HTML
 * that runs no query, so it is served without a key; the queries it then sends carry the key typed into
 * its header editor.
 */
function isGraphiqlPage(event: APIGatewayProxyEventV2): boolean {
  const accept = event.headers?.accept ?? '';
  return event.requestContext?.http?.method === 'GET' && accept.includes('text/html');
}

/**
 * GraphiQL's options: the example tabs (the first one open), and the headers editor holding the key
 * when one is given (local mode; then this run's key always wins over what the browser kept from an
 * earlier run, whose key was revoked) or an empty key to paste into (the analyst's key is then kept in
 * their browser). With introspection off GraphiQL does not ask for the schema: it could only fail.
 */
function graphiqlOptions(deps: GraphqlHandlerDeps): GraphiqlPageOptions {
  const headers = JSON.stringify({ [API_KEY_HEADER]: deps.graphiqlApiKey ?? '' }, null, 2);
  return {
    title: 'Campaign mailer: GraphQL',
    defaultTabs: [...EXAMPLE_QUERIES],
    query: EXAMPLE_QUERIES[0]?.query ?? '',
    headers,
    ...(deps.graphiqlApiKey === undefined
      ? { shouldPersistHeaders: true }
      : { shouldPersistHeaders: false, initialHeaders: headers }),
    ...((deps.introspection ?? true) ? {} : { schema: null }),
  };
}

/** Yoga's own messages, routed to the structured logger. */
const yogaLogger = {
  debug: (...args: unknown[]) => logger.debug('graphql', { details: args.map(String) }),
  info: (...args: unknown[]) => logger.info('graphql', { details: args.map(String) }),
  warn: (...args: unknown[]) => logger.warn('graphql', { details: args.map(String) }),
  // Yoga logs here every error it masks: the details stay in the log, the client sees a generic message.
  error: (...args: unknown[]) =>
    logger.error('graphql request failed', {
      errors: args.map((a) =>
        a instanceof Error ? { name: a.name, message: a.message, stack: a.stack } : String(a),
      ),
    }),
};

/** /graphql behind API Gateway's HTTP API: the event becomes a Fetch request for GraphQL Yoga and back. */
export function createGraphqlHandler(deps: GraphqlHandlerDeps): HttpHandler {
  const yoga = createYoga({
    schema: createSchema({ typeDefs: deps.typeDefs ?? readSchemaSource(), resolvers: createResolvers(deps) }),
    graphqlEndpoint: '/graphql',
    graphiql: (deps.graphiql ?? true) ? graphiqlOptions(deps) : false,
    renderGraphiQL: renderOfflineGraphiQL,
    plugins: [
      queryLimitsPlugin({
        introspection: deps.introspection ?? true,
        ...(deps.queryWork ? { meter: deps.queryWork } : {}),
      }),
    ],
    landingPage: false,
    // CORS is API Gateway's (corsOrigins, and the same configuration in the local runner): Yoga's own
    // would echo any Origin back with credentials allowed, where the API's configuration has none.
    cors: false,
    // No Upload scalar in the schema: a multipart GraphQL request can only be a way to send more.
    multipart: false,
    // Checked before Yoga (below) with a message naming the limit; Yoga's check stays as a second guard.
    maxRequestBodySize: MAX_GRAPHQL_REQUEST_BYTES,
    // isDev would copy stack traces into responses when NODE_ENV is "development"; never do that.
    maskedErrors: { isDev: false },
    logging: yogaLogger,
  });

  const options = {
    apiKeys: deps.apiKeys,
    isPublicRequest: (event: APIGatewayProxyEventV2) => deps.graphiql !== false && isGraphiqlPage(event),
    body: { maxBytes: MAX_GRAPHQL_REQUEST_BYTES, tooLarge: () => requestTooLarge() },
  };
  return httpFunction('graphql', options, async (event) => {
    const size = bodyBytes(event);
    if (size > MAX_GRAPHQL_REQUEST_BYTES) throw requestTooLarge(size);
    const response = await yoga.fetch(requestFromHttpApiEvent(event, yoga.fetchAPI.Request));
    // Yoga answers a body it cannot read with a bare 415; the client is told what to send instead.
    if (response.status === 415) throw unsupportedBody(event.headers?.['content-type']);
    return httpApiResultFrom(response);
  });
}
