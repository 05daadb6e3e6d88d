import {
  API_ROUTES,
  type ApiRoute,
  DOCS_ASSET_PATH,
  DOCS_ASSETS,
  DOCS_PATH,
  GRAPHQL_PATH,
  HEALTH_PATH,
  LARGE_UPLOAD_PATH,
  OPENAPI_PATH,
  routeKeyOf,
  UPLOAD_PATH,
} from '../contract/api-routes.js';
import { API_KEY_HEADER } from '../core/http/api-key-check.js';

/**
 * The OpenAPI 3.1 document served at GET /openapi.json and shown by Swagger UI at GET /docs. Its
 * paths are API_ROUTES, the same list the stack and the local runner route, so it cannot describe a
 * route that does not exist or miss one that does.
 */

type Json = Record<string, unknown>;

export const API_KEY_SCHEME = 'apiKey';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, extra: Json = {}) => ({ 'application/json': { schema, ...extra } });
const answer = (description: string, schema: Json, extra: Json = {}) => ({
  description,
  content: json(schema, extra),
});

const SCOPE_NOTE: Record<ApiRoute['access'], string> = {
  public: 'Public: no API key.',
  upload: 'Needs an API key with the `upload` scope in `x-api-key`.',
  read: 'Needs an API key with the `read` scope in `x-api-key`.',
};

const keyRefusals = {
  '401': answer('No key, or an unknown or revoked key.', ref('Error'), {
    example: { error: 'missing API key: send it in the x-api-key header' },
  }),
  '403': answer("The key lacks this route's scope.", ref('Error'), {
    example: { error: 'this API key lacks the upload scope' },
  }),
};

const tooManyRequests = {
  '429': answer('The API is throttling requests (AWS only); retry later.', ref('GatewayError')),
};

const schemas: Record<string, Json> = {
  Error: {
    type: 'object',
    description: 'Every 4xx answer has at least `error`, a message meant for a person.',
    required: ['error'],
    properties: { error: { type: 'string' } },
  },
  GatewayError: {
    type: 'object',
    description: 'Written by API Gateway itself, not by a function.',
    properties: { message: { type: 'string' } },
  },
  FileProblem: {
    type: 'object',
    description: 'The file as a whole cannot be a campaign; nothing was created.',
    required: ['error'],
    properties: {
      error: { type: 'string' },
      problem: {
        type: 'string',
        description: 'Machine-readable kind of problem.',
        enum: [
          'EMPTY_FILE',
          'MISSING_COLUMNS',
          'NO_DATA_ROWS',
          'DUPLICATE_COLUMNS',
          'RECORD_TOO_LONG',
          'UNKNOWN_PLACEHOLDER',
          'INVALID_SEPARATOR_LINE',
        ],
      },
    },
  },
  PayloadTooLarge: {
    type: 'object',
    required: ['error'],
    properties: {
      error: { type: 'string' },
      maxBytes: { type: 'integer', description: 'The largest body this endpoint takes.' },
      largeFileUpload: {
        type: 'string',
        description: `Where a larger file goes instead: \`POST ${LARGE_UPLOAD_PATH}\`.`,
      },
    },
  },
  RowError: {
    type: 'object',
    required: ['line', 'reason', 'value'],
    properties: {
      line: {
        type: 'integer',
        minimum: 2,
        description: 'Line of the file where the record starts (header = 1).',
      },
      reason: { type: 'string' },
      value: { type: 'string', maxLength: 200, description: 'The offending value.' },
    },
  },
  Duplicate: {
    type: 'object',
    required: ['line', 'email', 'firstLine'],
    properties: {
      line: { type: 'integer' },
      email: { type: 'string', description: 'The address, trimmed and lower-cased.' },
      firstLine: { type: 'integer', description: 'The line that first had this address.' },
    },
  },
  ReportCounts: {
    type: 'object',
    required: [
      'received',
      'accepted',
      'duplicates',
      'invalid',
      'encoding',
      'errors',
      'duplicatesList',
      'truncated',
    ],
    properties: {
      received: { type: 'integer', description: 'Non-blank data records: accepted + duplicates + invalid.' },
      accepted: { type: 'integer' },
      duplicates: { type: 'integer' },
      invalid: { type: 'integer' },
      encoding: {
        type: 'string',
        enum: ['utf-8', 'windows-1252'],
        description:
          'How the bytes were read: UTF-8 (with or without BOM), or Windows-1252 when they are not UTF-8.',
      },
      dryRun: { type: 'boolean', description: 'The sends are rehearsed: marked SENT without calling SES.' },
      errors: { type: 'array', items: ref('RowError'), description: 'Rejected rows, at most 1,000.' },
      duplicatesList: {
        type: 'array',
        items: ref('Duplicate'),
        description: 'Duplicate rows, at most 1,000.',
      },
      truncated: { type: 'boolean', description: 'A list was cut at 1,000 entries; the counts stay exact.' },
    },
  },
  IngestReport: {
    description: 'The answer to an upload: the batch and what became of every row.',
    allOf: [
      ref('ReportCounts'),
      {
        type: 'object',
        required: ['batchId'],
        properties: {
          batchId: { type: 'string', description: 'Query the batch with GraphQL `batch(batchId:)`.' },
        },
      },
    ],
  },
  NothingAccepted: {
    description: 'No row can be sent, so no batch was created: `error` and the report without `batchId`.',
    allOf: [
      ref('ReportCounts'),
      { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
    ],
  },
  LargeUploadRequest: {
    type: 'object',
    required: ['size'],
    additionalProperties: false,
    properties: {
      fileName: {
        type: 'string',
        maxLength: 200,
        description: 'Kept with the batch, to recognise it later.',
      },
      size: {
        type: 'integer',
        minimum: 1,
        description:
          'The length of the file in bytes, at most the configured maximum (1 GiB by default). The URL is ' +
          'signed for exactly this length: S3 refuses a PUT of any other length.',
      },
      dryRun: { type: 'boolean', description: 'Rehearse: the sends are marked SENT without calling SES.' },
    },
  },
  FileTooLarge: {
    type: 'object',
    required: ['error', 'problem', 'maxBytes'],
    properties: {
      error: { type: 'string' },
      problem: { const: 'FILE_TOO_LARGE' },
      maxBytes: { type: 'integer', description: 'The largest file the large-file path takes.' },
    },
  },
  LargeUpload: {
    type: 'object',
    required: ['batchId', 'uploadUrl', 'method', 'headers', 'expiresAt'],
    properties: {
      batchId: { type: 'string', description: 'The batch the uploaded file becomes.' },
      uploadUrl: {
        type: 'string',
        format: 'uri',
        description: 'Pre-signed S3 URL: PUT the CSV there, no API key.',
      },
      method: { const: 'PUT' },
      headers: {
        type: 'object',
        description:
          'Headers the PUT must carry exactly (they are part of the signature), `content-length` (the size ' +
          'asked for) included.',
        additionalProperties: { type: 'string' },
      },
      expiresAt: {
        type: 'string',
        format: 'date-time',
        description: 'The URL is refused after this instant.',
      },
    },
  },
  GraphqlRequest: {
    type: 'object',
    required: ['query'],
    properties: {
      query: { type: 'string' },
      variables: { type: 'object' },
      operationName: { type: 'string' },
    },
  },
  GraphqlResponse: {
    type: 'object',
    properties: {
      data: { type: ['object', 'null'] },
      errors: {
        type: 'array',
        items: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
      },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    properties: { status: { const: 'ok' } },
  },
};

const REPORT_EXAMPLE = {
  batchId: '8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e',
  received: 5,
  accepted: 4,
  duplicates: 1,
  invalid: 0,
  encoding: 'utf-8',
  dryRun: false,
  errors: [],
  duplicatesList: [{ line: 6, email: 'ana@example.com', firstLine: 2 }],
  truncated: false,
};

const csvFile = {
  type: 'string',
  format: 'binary',
  contentMediaType: 'text/csv',
  description: 'The CSV: a header line with email, subject and content columns, then one row per recipient.',
};

const OPERATIONS: Record<string, Json> = {
  [`POST ${UPLOAD_PATH}`]: {
    tags: ['campaigns'],
    operationId: 'uploadCampaign',
    summary: 'Upload a campaign CSV (up to the API body limit)',
    description:
      `Validates every row, drops duplicate addresses, records one send per accepted address and queues it. ` +
      `Bodies above the limit (6 MB by default) get 413: use \`POST ${LARGE_UPLOAD_PATH}\` for those.`,
    parameters: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'A retry with the same key and file returns the first answer; with a different file, 409.',
        schema: { type: 'string', maxLength: 255 },
      },
      {
        name: 'dryRun',
        in: 'query',
        required: false,
        description: 'Rehearse: the sends are marked SENT without calling SES.',
        schema: { type: 'boolean' },
      },
    ],
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: {
              file: csvFile,
              dryRun: { type: 'boolean', description: 'Same as the query parameter.' },
            },
          },
          encoding: { file: { contentType: 'text/csv, application/octet-stream' } },
        },
        'text/csv': { schema: { type: 'string', description: 'The CSV itself as the body.' } },
      },
    },
    responses: {
      '202': answer('At least one row was accepted; the sends are queued.', ref('IngestReport'), {
        example: REPORT_EXAMPLE,
      }),
      '400': answer(
        'The file as a whole is unusable: empty, header only, required columns missing, an unknown `{{placeholder}}`, a `sep=` first line with a delimiter other than `,` `;` or tab; or a malformed multipart body.',
        ref('FileProblem'),
        { example: { error: 'missing required columns: subject', problem: 'MISSING_COLUMNS' } },
      ),
      ...keyRefusals,
      '409': answer('The Idempotency-Key was used before with a different file.', ref('Error')),
      '413': answer(
        `The body is larger than this endpoint takes; use POST ${LARGE_UPLOAD_PATH}.`,
        ref('PayloadTooLarge'),
      ),
      '415': answer(
        'The body is neither text/csv nor multipart/form-data with a CSV file in the field `file`.',
        ref('Error'),
      ),
      '422': answer('No row can be sent; nothing was created.', ref('NothingAccepted')),
      ...tooManyRequests,
    },
  },
  [`POST ${LARGE_UPLOAD_PATH}`]: {
    tags: ['campaigns'],
    operationId: 'requestLargeUpload',
    summary: 'Get a pre-signed URL for a large campaign file',
    description:
      "Give the file's `size` in bytes; the answer is a batch id and a pre-signed S3 URL valid for 15 minutes " +
      'for a file of exactly that size. PUT the CSV to `uploadUrl` with exactly the `headers` given (no API ' +
      'key); the file is then read from S3 with the same rules as `POST /campaigns/upload`, and its report is ' +
      'stored with the batch: read it with GraphQL `batch(batchId:)`.',
    parameters: ['fileName', 'size', 'dryRun'].map((name) => ({
      name,
      in: 'query',
      required: false,
      deprecated: true,
      description: `The body's \`${name}\` as a query parameter (as before the body existed); not both.`,
      schema: { type: 'string' },
    })),
    requestBody: {
      required: true,
      content: json(ref('LargeUploadRequest'), {
        example: { fileName: 'list.csv', size: 123456789, dryRun: false },
      }),
    },
    responses: {
      '201': answer('The upload URL and the batch it creates.', ref('LargeUpload')),
      '400': answer(
        'The body is not a JSON object of the fields above, `size` is missing or not a whole number of bytes, or a field is given twice.',
        ref('Error'),
        { example: { error: "size is required: the file's length in bytes, …", problem: 'SIZE_REQUIRED' } },
      ),
      ...keyRefusals,
      '413': answer('`size` is above the largest file taken (1 GiB by default).', ref('FileTooLarge'), {
        example: {
          error: 'the file is 2147483648 bytes; the largest file this API takes is 1073741824 bytes (1 GiB)',
          problem: 'FILE_TOO_LARGE',
          maxBytes: 1073741824,
        },
      }),
      '415': answer('The body is not JSON (the CSV itself goes to `uploadUrl`, not here).', ref('Error')),
      ...tooManyRequests,
    },
  },
  [`GET ${GRAPHQL_PATH}`]: {
    tags: ['queries'],
    operationId: 'graphqlGet',
    summary: 'GraphiQL in a browser; a GraphQL query in the query string otherwise',
    description:
      'A browser (Accept: text/html) gets the GraphiQL page without a key. Schema: graphql/schema.graphql.',
    parameters: [
      { name: 'query', in: 'query', required: false, schema: { type: 'string' } },
      { name: 'variables', in: 'query', required: false, schema: { type: 'string', description: 'JSON' } },
    ],
    responses: {
      '200': {
        description: 'The query result, or the GraphiQL page.',
        content: { ...json(ref('GraphqlResponse')), 'text/html': { schema: { type: 'string' } } },
      },
      '400': answer('The query is not valid.', ref('GraphqlResponse')),
      ...keyRefusals,
      ...tooManyRequests,
    },
  },
  [`POST ${GRAPHQL_PATH}`]: {
    tags: ['queries'],
    operationId: 'graphqlPost',
    summary: 'Run a GraphQL query over sends and batches',
    requestBody: {
      required: true,
      content: json(ref('GraphqlRequest'), {
        example: { query: '{ emailSends(status: "SENT", limit: 10) { sendId email status } }' },
      }),
    },
    responses: {
      '200': answer('The query result (GraphQL errors included).', ref('GraphqlResponse')),
      '400': answer('The query is not valid.', ref('GraphqlResponse')),
      ...keyRefusals,
      ...tooManyRequests,
    },
  },
  [`GET ${HEALTH_PATH}`]: {
    tags: ['operations'],
    operationId: 'health',
    summary: 'Liveness',
    responses: { '200': answer('The API and its functions are serving.', ref('Health')) },
  },
  [`GET ${OPENAPI_PATH}`]: {
    tags: ['documentation'],
    operationId: 'openApiDocument',
    summary: 'This document',
    responses: { '200': answer('The OpenAPI 3.1 document.', { type: 'object' }) },
  },
  [`GET ${DOCS_PATH}`]: {
    tags: ['documentation'],
    operationId: 'swaggerUi',
    summary: 'Swagger UI for this document',
    responses: {
      '200': { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } },
    },
  },
  [`GET ${DOCS_ASSET_PATH}`]: {
    tags: ['documentation'],
    operationId: 'swaggerUiAsset',
    summary: 'The scripts and style sheets of Swagger UI and GraphiQL, served by the API itself (no CDN)',
    parameters: [
      { name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: [...DOCS_ASSETS] } },
    ],
    responses: {
      '200': {
        description: 'The file.',
        content: {
          'text/css': { schema: { type: 'string' } },
          'text/javascript': { schema: { type: 'string' } },
        },
      },
      '404': answer('No such asset.', ref('Error')),
    },
  },
};

export class OpenApiError extends Error {
  override readonly name = 'OpenApiError';
}

/** The document, built once per container: it depends on nothing but the code. */
export function openApiDocument(): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of API_ROUTES) {
    const operation = OPERATIONS[routeKeyOf(route)];
    if (!operation) throw new OpenApiError(`no OpenAPI operation for ${routeKeyOf(route)}`);
    const description = [operation.description, SCOPE_NOTE[route.access]].filter(Boolean).join('\n\n');
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, Json>)[route.method.toLowerCase()] = {
      ...operation,
      description,
      // The document's default is the API key; public routes opt out.
      ...(route.access === 'public' ? { security: [] } : {}),
    };
  }
  const routed = new Set(API_ROUTES.map(routeKeyOf));
  const extra = Object.keys(OPERATIONS).filter((key) => !routed.has(key));
  if (extra.length > 0) throw new OpenApiError(`OpenAPI operations without a route: ${extra.join(', ')}`);

  return {
    openapi: '3.1.0',
    info: {
      title: 'Campaign mailer',
      version: '1.0.0',
      description:
        'Upload a CSV campaign, mailed through Amazon SES; follow its sends with GraphQL. ' +
        'Every route but /health and the documentation needs an API key in `x-api-key`: ' +
        'use **Authorize** to set it for "Try it out".',
    },
    // Relative: Swagger UI resolves it against the page, so the document serves any stage or host.
    servers: [{ url: '/' }],
    security: [{ [API_KEY_SCHEME]: [] }],
    tags: [
      { name: 'campaigns', description: 'Uploading campaigns' },
      { name: 'queries', description: 'Following sends and batches' },
      { name: 'operations' },
      { name: 'documentation' },
    ],
    paths,
    components: {
      securitySchemes: {
        [API_KEY_SCHEME]: {
          type: 'apiKey',
          in: 'header',
          name: API_KEY_HEADER,
          description:
            'A key from `npm run apikey -- create` (the local runner prints one with every scope).',
        },
      },
      schemas,
    },
  };
}
