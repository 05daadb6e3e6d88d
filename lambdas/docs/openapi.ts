import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  API_ROUTES,
  type ApiRoute,
  CAMPAIGN_PATH,
  CONTROL_ACTIONS,
  DOCS_ASSET_PATH,
  DOCS_ASSETS,
  DOCS_PATH,
  GRAPHQL_PATH,
  HEALTH_PATH,
  LARGE_UPLOAD_PATH,
  OPENAPI_PATH,
  type RouteAccess,
  routeKeyOf,
  SUPPRESSION_IMPORT_PATH,
  SUPPRESSION_PATH,
  SUPPRESSIONS_PATH,
  scopesOf,
  UNSUBSCRIBE_PATH,
  UPLOAD_PATH,
} from '../contract/api-routes.js';
import {
  type Campaign,
  CampaignSchema,
  ControlRequestSchema,
  type DuplicateFile,
  DuplicateFileSchema,
  type ErrorAnswer,
  ErrorAnswerSchema,
  type FileProblem,
  FileProblemSchema,
  FileTooLargeSchema,
  GatewayErrorSchema,
  GraphqlRequestSchema,
  GraphqlResponseSchema,
  HealthSchema,
  IdempotencyConflictSchema,
  IdempotencyKeySchema,
  type ImportTooLarge,
  ImportTooLargeSchema,
  type IngestReport,
  IngestReportSchema,
  type InternalError,
  InternalErrorSchema,
  type LargeUploadRequest,
  LargeUploadRequestSchema,
  LargeUploadSchema,
  MAX_GRAPHQL_QUERY_LENGTH,
  MAX_GRAPHQL_REQUEST_BYTES,
  MAX_SUPPRESSION_NOTE,
  NothingAcceptedSchema,
  type NotSuppressed,
  NotSuppressedSchema,
  PayloadTooLargeSchema,
  ReportCountsSchema,
  StateConflictSchema,
  SUPPRESSION_PAGE,
  type SuppressionAnswer,
  type SuppressionImport,
  SuppressionImportSchema,
  type SuppressionNote,
  SuppressionNoteSchema,
  type SuppressionPage,
  SuppressionPageSchema,
  SuppressionSchema,
  UPLOAD_PROBLEMS_BY_STATUS,
} from '../contract/api-schemas.js';
import { API_KEY_SCOPES, type ApiKeyScope, apiKeyRecordOf, refusalOf } from '../core/domain/api-key.js';
import { CampaignFileError } from '../core/domain/campaign-file-error.js';
import { matchHeader } from '../core/domain/campaign-header.js';
import { ONE_CLICK_BODY, ONE_CLICK_FIELD, ONE_CLICK_VALUE } from '../core/domain/list-unsubscribe.js';
import { MAX_BATCH_RATE, MAX_SCHEDULE_DAYS } from '../core/domain/send-options.js';
import { API_KEY_HEADER } from '../core/http/api-key-check.js';
import { fileProblemOf } from '../core/http/file-problem.js';
import { INTERNAL_ERROR_MESSAGE } from '../core/http/json-errors.js';

/**
 * The OpenAPI 3.1 document served at GET /openapi.json and shown by Swagger UI at GET /docs,
 * generated from the schemas the handlers parse and answer with (contract/api-schemas.ts). Its paths
 * are API_ROUTES, the same list the stack and the local runner route, with each route's access: a
 * route that needs a key gets the key scheme and its 401 and 403 answers, every route the 500 of the
 * HTTP stack.
 */

export const API_KEY_SCHEME = 'apiKey';

type Operation = Omit<RouteConfig, 'method' | 'path'>;

const json = (description: string, schema: z.ZodType, example?: unknown): ResponseConfig => ({
  description,
  content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
});

const CONTROL_TEXTS: Record<(typeof CONTROL_ACTIONS)[number], { summary: string; description: string }> = {
  pause: {
    summary: 'Pause a sending batch: no further mail within seconds',
    description:
      'SENDING → PAUSED. Within 10 s no sender calls SES for the batch, whatever is already on the queue: its ' +
      'messages are set aside unclaimed (they count as no failed receive and never reach the DLQ). Resume mails each remaining address once.',
  },
  resume: {
    summary: 'Resume a paused batch',
    description:
      'PAUSED → SENDING. The sends not mailed yet are put back on the queue a few seconds later; each is mailed once ' +
      '(a send whose message was still queued is claimed by one of its two messages only).',
  },
  cancel: {
    summary: 'Cancel a batch: nothing of it is mailed afterwards',
    description:
      'SCHEDULED, SENDING or PAUSED → CANCELLED, for good. Every send not mailed yet ends CANCELLED (counted in ' +
      '`counts.cancelled`); a send whose SES call is under way when the cancel comes ends as SES answers. A ' +
      "scheduled batch's schedule is removed.",
  },
  schedule: {
    summary: 'Move the start of a scheduled batch',
    description:
      'A SCHEDULED batch that has not started gets a new `sendAt` (body or query parameter: ISO-8601 with its ' +
      'zone, in the future, at most 90 days ahead); nothing is mailed before it.',
  },
};

/** The operations of POST /campaigns/{batchId}/<action>, one per control action. */
function controlOperations(): Record<string, Operation> {
  return Object.fromEntries(
    CONTROL_ACTIONS.map((action) => [
      `POST ${CAMPAIGN_PATH}/${action}`,
      {
        tags: ['campaigns'],
        operationId: `${action}Campaign`,
        ...CONTROL_TEXTS[action],
        request: {
          params: z.object({ batchId: z.string().meta({ description: 'From the upload answer.' }) }),
          ...(action === 'schedule' ? { query: z.object({ sendAt: z.string().optional() }) } : {}),
          body: {
            required: action === 'schedule',
            content: {
              // No example: "Try it out" would send it for the `{batchId}` placeholder; the fields have theirs.
              'application/json': { schema: ControlRequestSchema },
            },
          },
        },
        responses: {
          '200': json('The batch, as GET shows it, in its new state.', CampaignSchema, CAMPAIGN_EXAMPLE),
          '400': json(
            action === 'schedule'
              ? 'sendAt is missing, past, more than 90 days ahead or without its zone (INVALID_SEND_OPTION), or the body is not a JSON object with `reason` and `sendAt` (INVALID_BODY).'
              : 'The body is not a JSON object with an optional `reason` of at most 500 characters (INVALID_BODY).',
            ErrorAnswerSchema,
          ),
          '404': json('No batch has this id (or it is older than the retention period).', ErrorAnswerSchema),
          '409': json(
            'The batch is in a state where this makes no sense (resuming a cancelled batch, pausing a finished one), named in `state`.',
            StateConflictSchema,
            {
              error: 'the batch is CANCELLED: only a PAUSED batch can be resumed',
              problem: 'INVALID_STATE',
              state: 'CANCELLED',
            },
          ),
          '415': json('The body is not JSON (UNSUPPORTED_CONTENT_TYPE).', ErrorAnswerSchema),
          ...tooManyRequests,
        },
      },
    ]),
  );
}

const SCOPE_NOTE: Record<RouteAccess, string> = {
  public: 'Public: no API key.',
  upload: 'Needs an API key with the `upload` scope in `x-api-key`.',
  read: 'Needs an API key with the `read` scope in `x-api-key`.',
  'read-or-upload': 'Needs an API key with the `read` or the `upload` scope in `x-api-key`.',
};

/**
 * What the API answers to a key that has none of `scopes`: the domain's own words, so the example
 * cannot drift. The refused key has every other scope.
 */
function refusalExample(scopes: readonly ApiKeyScope[], record: 'none' | 'other-scope'): ErrorAnswer {
  const key = 'cmk_example-key-for-the-documentation';
  const others = API_KEY_SCOPES.filter((scope) => !scopes.includes(scope));
  const stored = record === 'none' ? undefined : apiKeyRecordOf(key, 'example', others, new Date(0));
  const refusal = refusalOf(record === 'none' ? undefined : key, stored, scopes);
  if (refusal === undefined) throw new OpenApiError(`a key without ${scopes.join(' or ')} was not refused`);
  return { error: refusal.message };
}

function keyRefusals(access: RouteAccess): Record<string, ResponseConfig> {
  if (access === 'public') return {};
  const scopes = scopesOf(access);
  return {
    '401': json('No key, or an unknown or revoked key.', ErrorAnswerSchema, refusalExample(scopes, 'none')),
    '403': json(
      "The key lacks this route's scope.",
      ErrorAnswerSchema,
      refusalExample(scopes, 'other-scope'),
    ),
  };
}

const INTERNAL_ERROR_EXAMPLE: InternalError = {
  error: INTERNAL_ERROR_MESSAGE,
  requestId: 'JmQhkiP1IAMEbvQ=',
};

const internalError = {
  '500': json('A failure on our side; quote the request id.', InternalErrorSchema, INTERNAL_ERROR_EXAMPLE),
};

const tooManyRequests = {
  '429': json('The API is throttling requests (AWS only); retry later.', GatewayErrorSchema),
};

/** The 400 of a file without a subject column, as the CSV reader words it. */
function missingColumnExample(): FileProblem {
  try {
    matchHeader(['email', 'content']);
  } catch (error) {
    if (error instanceof CampaignFileError) return fileProblemOf(error);
    throw error;
  }
  throw new OpenApiError('a header without a subject column was accepted');
}

const REPORT_EXAMPLE: IngestReport = {
  batchId: '8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e',
  received: 6,
  accepted: 4,
  duplicates: 1,
  invalid: 0,
  suppressed: 1,
  encoding: 'utf-8',
  dryRun: false,
  errors: [],
  duplicatesList: [{ line: 6, email: 'ana@example.com', firstLine: 2 }],
  suppressedList: [{ line: 4, email: 'bob@example.com', reason: 'BOUNCED' }],
  truncated: false,
};

const DUPLICATE_FILE_EXAMPLE: DuplicateFile = {
  error:
    'this file was uploaded at 2026-12-01T09:30:00.000Z as batch 8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e; to send it again on purpose, add allowDuplicate=true',
  problem: 'DUPLICATE_FILE',
  batchId: REPORT_EXAMPLE.batchId,
  uploadedAt: '2026-12-01T09:30:00.000Z',
};

const CAMPAIGN_EXAMPLE: Campaign = {
  batchId: REPORT_EXAMPLE.batchId,
  createdAt: '2026-12-01T09:30:00.000Z',
  fileName: 'list.csv',
  dryRun: false,
  writer: {
    state: 'READY',
    rowsWritten: 4,
    runs: 1,
    updatedAt: '2026-12-01T09:30:01.000Z',
    finishedAt: '2026-12-01T09:30:01.000Z',
  },
  counts: {
    queued: 1,
    sending: 0,
    sent: 0,
    delivered: 2,
    bounced: 1,
    complained: 0,
    rejected: 0,
    suppressed: 0,
    cancelled: 0,
    error: 0,
    unsubscribed: 0,
  },
  bounceRate: 1 / 3,
  complaintRate: 0,
  total: 4,
  sending: {
    state: 'SENDING',
    priority: 'normal',
    changes: [{ state: 'SENDING', at: '2026-12-01T09:30:00.000Z', by: 'request' }],
  },
  finished: false,
  report: {
    received: 6,
    accepted: 4,
    duplicates: 1,
    invalid: 0,
    suppressed: 1,
    encoding: 'utf-8',
    errors: [],
    duplicatesList: REPORT_EXAMPLE.duplicatesList,
    suppressedList: REPORT_EXAMPLE.suppressedList,
    truncated: false,
  },
};

// The suppression list's examples: a manual entry, and one a bounce of a campaign added.
const NOTE_EXAMPLE: SuppressionNote = { reason: 'asked us by phone not to mail her again' };

const SUPPRESSION_EXAMPLE: SuppressionAnswer = {
  email: 'ana@example.com',
  reason: 'MANUAL',
  detail: NOTE_EXAMPLE.reason,
  addedAt: '2026-12-02T10:15:00.000Z',
};

const SUPPRESSION_PAGE_EXAMPLE: SuppressionPage = {
  items: [
    SUPPRESSION_EXAMPLE,
    {
      email: 'bob@example.com',
      reason: 'BOUNCED',
      detail: 'General',
      sourceSendId: '5e0c1f5d9a8b7c6d5e4f3a2b1c0d9e8f',
      sourceBatchId: REPORT_EXAMPLE.batchId,
      addedAt: '2026-12-01T09:31:12.000Z',
    },
  ],
  nextCursor: null,
};

const NOT_SUPPRESSED_EXAMPLE: NotSuppressed = {
  error: 'carl@example.com is not on the suppression list',
  problem: 'NOT_SUPPRESSED',
  email: 'carl@example.com',
};

const IMPORT_EXAMPLE: SuppressionImport = {
  received: 4,
  added: 2,
  alreadySuppressed: 1,
  invalid: 1,
  invalidList: [{ line: 4, reason: 'email is not of the form local@domain', value: 'dave-at-example.com' }],
  truncated: false,
};

const IMPORT_TOO_LARGE_EXAMPLE: ImportTooLarge = {
  error:
    'the file is 2097152 bytes; an import takes at most 1048576 bytes: split the list and import each part',
  problem: 'REQUEST_TOO_LARGE',
  maxBytes: 1048576,
};

/** The CSV example of an import: a header, then one address per line. */
const IMPORT_CSV = 'email\nbounced-elsewhere@example.com\nunsubscribed-elsewhere@example.com\n';

const addressParameter = z.object({
  email: z.string().meta({
    description: 'The address (trimmed and lower-cased before use), percent-encoded as a URL path segment.',
    example: 'ana@example.com',
  }),
});

const LARGE_UPLOAD_EXAMPLE: LargeUploadRequest = { fileName: 'list.csv', size: 123456789, dryRun: false };

/**
 * A flag that is false unless set (dryRun, allowDuplicate). Swagger UI fills a form field with its schema's default, or else
 * with a sample, which for a boolean is `true`: without the default, "Try it out" would rehearse every
 * upload and mail nobody.
 */
const falseFlag = (description: string) => z.boolean().default(false).meta({ description });

/** How and when an upload's batch is sent (send-options.ts), as query parameters. */
const sendOptions = {
  sendAt: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({
      description:
        `Start the batch at this time instead of now: ISO-8601 with its zone, in the future, at most ${MAX_SCHEDULE_DAYS} ` +
        "days ahead (in a query string, write the zone's + as %2B). Nothing is mailed before it. " +
        'A past or malformed time is 400 INVALID_SEND_OPTION.',
    }),
  maxRate: z
    .number()
    .positive()
    .max(MAX_BATCH_RATE)
    .optional()
    .meta({
      description:
        'Sends per second this batch never exceeds, summed over every sender (to warm up a new domain); ' +
        "the account's rate applies on top, and other batches use the rest of it.",
    }),
  priority: z
    .enum(['normal', 'high'])
    .default('normal')
    .meta({
      description:
        'high: the sends go on the high-priority queue and overtake normal batches already queued, with 80 % ' +
        'of the send rate while they last (normal batches keep the rest).',
    }),
};

/**
 * The same as form fields. Swagger UI fills a form field with a sample of its schema (the time now, for a
 * date-time: past by the time it is sent; 0 for a number), which would refuse or schedule every upload
 * tried out: these are text, empty unless filled in, which the API reads as not given.
 */
const sendOptionFields = {
  sendAt: z.string().optional().meta({
    description: 'Same as the query parameter (e.g. 2026-12-24T09:00:00+01:00); empty: now.',
    example: '',
  }),
  maxRate: z.string().optional().meta({
    description: "Same as the query parameter (e.g. 10); empty: the account's rate.",
    example: '',
  }),
  priority: sendOptions.priority,
};

/**
 * The raw-CSV example, which Swagger UI puts in the body for "Try it out": a campaign that can be sent
 * as it is, to SES's mailbox simulator, whose addresses accept mail without reaching anyone.
 */
const SIMULATOR_CSV =
  'email,subject,content,first_name\n' +
  'success@simulator.amazonses.com,"Hello {{first_name}}","Hi {{first_name}}, this is a test.",Ana\n';

/** A query for the GET /graphql example: one every key with the read scope can run. */
const GRAPHQL_EXAMPLE_QUERY = '{ emailSends(status: "SENT", limit: 10) { sendId email status } }';

const csvFile = z.string().meta({
  format: 'binary',
  contentMediaType: 'text/csv',
  description: 'The CSV: a header line with email, subject and content columns, then one row per recipient.',
});

/** GraphQL over HTTP's two answer types: the same body, told apart by the status of a failed request. */
const graphqlContent = {
  'application/json': { schema: GraphqlResponseSchema },
  'application/graphql-response+json': { schema: GraphqlResponseSchema },
};

const graphqlAnswer = (description: string): ResponseConfig => ({ description, content: graphqlContent });

const GRAPHQL_OVER_HTTP =
  'Answers follow GraphQL over HTTP: with `Accept: application/graphql-response+json` a request that ' +
  'cannot run (a syntax or validation error) gets 400; with `application/json` (the default) it gets 200, ' +
  'with the errors in the body. A query over a limit is refused with 400 for every client, its error ' +
  'naming the limit in `extensions.code` and `extensions.limit` (QUERY_TOO_DEEP, QUERY_TOO_COSTLY, ' +
  'QUERY_TOO_MANY_TOKENS, QUERY_TOO_MANY_ALIASES, QUERY_TOO_MANY_DIRECTIVES; QUERY_TOO_LONG above ' +
  `${MAX_GRAPHQL_QUERY_LENGTH.toLocaleString('en')} characters; BATCHING_NOT_SUPPORTED for more than one ` +
  'operation per request). The README gives each limit.';

/** `(`A`, `B`)`: the problem codes the upload route answers a status with. */
const codesOf = (status: keyof typeof UPLOAD_PROBLEMS_BY_STATUS) =>
  `Its \`problem\`: ${UPLOAD_PROBLEMS_BY_STATUS[status].map((code) => `\`${code}\``).join(', ')}.`;

const html = (description: string): ResponseConfig => ({
  description,
  content: { 'text/html': { schema: z.string() } },
});

const text = (description: string, example?: string): ResponseConfig => ({
  description,
  content: { 'text/plain': { schema: z.string(), ...(example === undefined ? {} : { example }) } },
});

const unsubscribeToken = z.object({
  token: z.string().meta({
    description:
      "From the mail's List-Unsubscribe header or its `{{unsubscribe_url}}` link: the send's id and an HMAC-SHA256 of it under the project's secret key (base64url).",
  }),
});

const LINK_NOT_FOUND = text(
  'Not a link this API made, altered, or its send no longer kept (RETENTION_DAYS): one plain answer whatever the reason.',
  'Not found\n',
);

/** The one-click form, as a mail client and the GET page's button send it. */
const oneClickForm = z.object({ [ONE_CLICK_FIELD]: z.literal(ONE_CLICK_VALUE) });

function operations(): Record<string, Operation> {
  return {
    ...suppressionOperations(),
    [`POST ${UPLOAD_PATH}`]: {
      tags: ['campaigns'],
      operationId: 'uploadCampaign',
      summary: 'Upload a campaign CSV (up to the API body limit)',
      description:
        'Validates every row, drops duplicate addresses and those on the suppression list (`suppressedList`, ' +
        'no send is made for them), then answers at once with the report: the ' +
        'accepted rows become sends and are queued in the background, a chunk at a time (follow them with ' +
        `\`GET ${CAMPAIGN_PATH}\`). The same file as a batch of the last 24 hours is refused (409 DUPLICATE_FILE) ` +
        'unless `allowDuplicate=true` or the request is a retry under the same Idempotency-Key. ' +
        `Bodies above the limit (6 MB by default) get 413: use \`POST ${LARGE_UPLOAD_PATH}\` for those.`,
      request: {
        headers: z.object({ 'Idempotency-Key': IdempotencyKeySchema.optional() }),
        query: z.object({
          dryRun: falseFlag('Rehearse: the sends are marked SENT without calling SES.'),
          allowDuplicate: falseFlag(
            'Send the same file again on purpose, though it became a batch in the last 24 hours.',
          ),
          ...sendOptions,
        }),
        body: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: z.object({
                file: csvFile,
                dryRun: falseFlag('Same as the query parameter.'),
                allowDuplicate: falseFlag('Same as the query parameter.'),
                ...sendOptionFields,
              }),
              encoding: { file: { contentType: 'text/csv, application/octet-stream' } },
            },
            'text/csv': {
              schema: z.string().meta({ description: 'The CSV itself as the body.' }),
              example: SIMULATOR_CSV,
            },
          },
        },
      },
      responses: {
        '202': json(
          'At least one row was accepted; its sends are being written and queued.',
          IngestReportSchema,
          REPORT_EXAMPLE,
        ),
        '400': json(
          'The file as a whole is unusable (FileProblem): empty, header only, required columns missing or ' +
            'named twice, a record too long before the header ends, an unknown `{{placeholder}}`, a `sep=` ' +
            'first line with a delimiter other than `,` `;` or tab. Or the request is (Error): a malformed ' +
            'multipart body, a second file in the field `file`, an invalid Idempotency-Key or dryRun, a body ' +
            `that is not what its Content-Encoding says. ${codesOf(400)}`,
          z.union([FileProblemSchema, ErrorAnswerSchema]),
          missingColumnExample(),
        ),
        '409': {
          ...json(
            'The Idempotency-Key was used before with a different file, or its first upload is still running ' +
              '(IdempotencyConflict); or the same file became a batch in the last 24 hours (DuplicateFile). ' +
              `An answer with \`retryAfterSeconds\` also carries Retry-After. ${codesOf(409)}`,
            z.union([IdempotencyConflictSchema, DuplicateFileSchema]),
            DUPLICATE_FILE_EXAMPLE,
          ),
          headers: z.object({
            'Retry-After': z.string().optional().meta({
              description: 'Seconds to wait before asking again about an upload still in progress.',
            }),
          }),
        },
        '413': json(
          `The body is larger than this endpoint takes, sent so or once unpacked from its Content-Encoding; use POST ${LARGE_UPLOAD_PATH}.`,
          PayloadTooLargeSchema,
        ),
        '415': json(
          'The body is neither text/csv nor multipart/form-data with a CSV file in the field `file`, or its ' +
            `Content-Encoding, charset or file is one this endpoint does not read. ${codesOf(415)}`,
          ErrorAnswerSchema,
        ),
        '422': json('No row can be sent; nothing was created.', NothingAcceptedSchema),
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
        `key); the file is then read from S3 with the same rules as \`POST ${UPLOAD_PATH}\`, and its report is ` +
        'stored with the batch: read it with GraphQL `batch(batchId:)`.',
      request: {
        query: z.object(
          Object.fromEntries(
            Object.keys(LargeUploadRequestSchema.shape).map((name) => [
              name,
              z
                .string()
                .optional()
                .meta({
                  param: {
                    deprecated: true,
                    description: `The body's \`${name}\` as a query parameter (as before the body existed); not both.`,
                  },
                }),
            ]),
          ),
        ),
        body: {
          required: true,
          content: {
            'application/json': { schema: LargeUploadRequestSchema, example: LARGE_UPLOAD_EXAMPLE },
          },
        },
      },
      responses: {
        '201': json('The upload URL and the batch it creates.', LargeUploadSchema),
        '400': json(
          'The body is not a JSON object of the fields above (INVALID_BODY), `size` is missing or not a whole number of bytes, or a field is given twice.',
          ErrorAnswerSchema,
          {
            error:
              "size is required: the file's length in bytes, e.g. " +
              '{"fileName": "list.csv", "size": 123456789}; the upload URL is signed for exactly that length',
            problem: 'SIZE_REQUIRED',
          } satisfies ErrorAnswer,
        ),
        '413': json('`size` is above the largest file taken (1 GiB by default).', FileTooLargeSchema, {
          error: 'the file is 2147483648 bytes; the largest file this API takes is 1073741824 bytes (1 GiB)',
          problem: 'FILE_TOO_LARGE',
          maxBytes: 1073741824,
        }),
        '415': json(
          'The body is not JSON (UNSUPPORTED_CONTENT_TYPE: the CSV itself goes to `uploadUrl`, not here), or has a Content-Encoding ' +
            'other than gzip, deflate and br (UNSUPPORTED_CONTENT_ENCODING).',
          ErrorAnswerSchema,
        ),
        ...tooManyRequests,
      },
    },
    [`GET ${CAMPAIGN_PATH}`]: {
      tags: ['campaigns'],
      operationId: 'getCampaign',
      summary: 'Where a campaign is: written, queued, sent',
      description:
        'The batch of an upload: how far its writer got (WRITING, READY, FAILED), how many of its sends are in ' +
        'each status, and its report. Constant time whatever the size of the batch: poll it.',
      request: { params: z.object({ batchId: z.string().meta({ description: 'From the upload answer.' }) }) },
      responses: {
        '200': json('The batch.', CampaignSchema, CAMPAIGN_EXAMPLE),
        '404': json('No batch has this id (or it is older than the retention period).', ErrorAnswerSchema),
        ...tooManyRequests,
      },
    },
    ...controlOperations(),
    [`GET ${GRAPHQL_PATH}`]: {
      tags: ['queries'],
      operationId: 'graphqlGet',
      summary: 'GraphiQL in a browser; a GraphQL query in the query string otherwise',
      description:
        'A browser (Accept: text/html) gets the GraphiQL page without a key. Schema: graphql/schema.graphql. ' +
        GRAPHQL_OVER_HTTP,
      request: {
        query: z.object({
          query: z.string().optional().meta({ example: GRAPHQL_EXAMPLE_QUERY }),
          variables: z.string().optional().meta({ description: 'JSON' }),
        }),
      },
      responses: {
        '200': {
          description: 'The query result (GraphQL errors included), or the GraphiQL page.',
          content: { ...graphqlContent, 'text/html': { schema: z.string() } },
        },
        '400': graphqlAnswer('The request is not a valid GraphQL request, or the query is over a limit.'),
        '405': graphqlAnswer('A mutation, which GET may not carry.'),
        '406': { description: 'The Accept header names no type GraphQL can answer with.' },
        ...tooManyRequests,
      },
    },
    [`POST ${GRAPHQL_PATH}`]: {
      tags: ['queries'],
      operationId: 'graphqlPost',
      summary: 'Run a GraphQL query over sends and batches',
      description: GRAPHQL_OVER_HTTP,
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: GraphqlRequestSchema,
              example: { query: GRAPHQL_EXAMPLE_QUERY },
            },
          },
        },
      },
      responses: {
        '200': graphqlAnswer('The query result (GraphQL errors included).'),
        '400': graphqlAnswer(
          'The request is not a valid GraphQL request, or its body not JSON, or the query is over a limit.',
        ),
        '406': { description: 'The Accept header names no type GraphQL can answer with.' },
        '413': json(
          `The body is larger than ${MAX_GRAPHQL_REQUEST_BYTES} bytes, sent so or once unpacked (REQUEST_TOO_LARGE).`,
          ErrorAnswerSchema,
        ),
        '415': json(
          'The body is not JSON (UNSUPPORTED_CONTENT_TYPE), or has a Content-Encoding other than gzip, ' +
            'deflate and br (UNSUPPORTED_CONTENT_ENCODING).',
          ErrorAnswerSchema,
        ),
        ...tooManyRequests,
      },
    },
    [`GET ${HEALTH_PATH}`]: {
      tags: ['operations'],
      operationId: 'health',
      summary: 'Liveness',
      responses: { '200': json('The API and its functions are serving.', HealthSchema) },
    },
    [`GET ${OPENAPI_PATH}`]: {
      tags: ['documentation'],
      operationId: 'openApiDocument',
      summary: 'This document',
      responses: { '200': json('The OpenAPI 3.1 document.', z.record(z.string(), z.unknown())) },
    },
    [`GET ${DOCS_PATH}`]: {
      tags: ['documentation'],
      operationId: 'swaggerUi',
      summary: 'Swagger UI for this document',
      responses: { '200': html('The page.') },
    },
    [`GET ${UNSUBSCRIBE_PATH}`]: {
      tags: ['recipients'],
      operationId: 'unsubscribePage',
      summary: "The page of a mail's unsubscribe link: a button that unsubscribes",
      description:
        'What a recipient sees on opening the link: a page with one button, which POSTs the one-click form to ' +
        'this same URL. Opening it changes nothing (a mail scanner that follows every link unsubscribes nobody).',
      request: { params: unsubscribeToken },
      responses: { '200': html('The page.'), '404': LINK_NOT_FOUND },
    },
    [`POST ${UNSUBSCRIBE_PATH}`]: {
      tags: ['recipients'],
      operationId: 'unsubscribe',
      summary: 'One-click unsubscribe (RFC 8058): put the address of the mail on the suppression list',
      description:
        `The request a mail client sends for its "Unsubscribe" button, with the body \`${ONE_CLICK_BODY}\` ` +
        '(RFC 8058), and the form the GET page posts. The address the mail went to is added to the suppression ' +
        'list as UNSUBSCRIBED (no campaign mails it again, later sends of running batches included), the send ' +
        "notes it and its batch's `unsubscribed` count counts it once. Repeating it changes nothing and answers " +
        'the same. A browser (Accept: text/html) gets a page, any other client a line of text.',
      request: {
        params: unsubscribeToken,
        body: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': { schema: oneClickForm },
            'multipart/form-data': { schema: oneClickForm },
          },
        },
      },
      responses: {
        '200': {
          description: 'Unsubscribed (now or before).',
          content: { 'text/html': { schema: z.string() }, 'text/plain': { schema: z.string() } },
        },
        '400': json(`The body is not the form \`${ONE_CLICK_BODY}\`.`, ErrorAnswerSchema),
        '404': LINK_NOT_FOUND,
        '413': json('The body is larger than 1 KB (or unpacks to more).', ErrorAnswerSchema),
        '415': json(
          'The body is neither application/x-www-form-urlencoded nor multipart/form-data ' +
            '(UNSUPPORTED_CONTENT_TYPE), or has a Content-Encoding other than gzip, deflate and br ' +
            '(UNSUPPORTED_CONTENT_ENCODING).',
          ErrorAnswerSchema,
        ),
        ...tooManyRequests,
      },
    },
    [`GET ${DOCS_ASSET_PATH}`]: {
      tags: ['documentation'],
      operationId: 'swaggerUiAsset',
      summary: 'The scripts and style sheets of Swagger UI and GraphiQL, served by the API itself (no CDN)',
      request: { params: z.object({ asset: z.enum(DOCS_ASSETS) }) },
      responses: {
        '200': {
          description: 'The file.',
          content: { 'text/css': { schema: z.string() }, 'text/javascript': { schema: z.string() } },
        },
        '404': json('No such asset.', ErrorAnswerSchema),
        '406': json(
          'A file too large to be sent uncompressed, to a client that refuses gzip.',
          ErrorAnswerSchema,
        ),
      },
    },
  };
}

/** The suppression list's routes. */
function suppressionOperations(): Record<string, Operation> {
  const invalidEmail = 'The address is not one (INVALID_EMAIL), saying what is wrong with it.';
  return {
    [`GET ${SUPPRESSIONS_PATH}`]: {
      tags: ['suppressions'],
      operationId: 'getSuppressions',
      summary: 'Look an address up on the suppression list, or page through the list',
      description:
        "With `email`: that address's entry, or 404 when it is not on the list (one key read). Without: a page " +
        `of the list, newest first, \`limit\` entries (${SUPPRESSION_PAGE.defaultLimit} by default, at most ` +
        `${SUPPRESSION_PAGE.maxLimit}); pass the page's \`nextCursor\` as \`cursor\` for the next one (one ` +
        'index query and one batch read per page, whatever the size of the list). Addresses are added by ' +
        'hard bounces and complaints (SES events), by the one-click unsubscribe of a mail, and by people ' +
        `(\`PUT ${SUPPRESSION_PATH}\`, \`POST ${SUPPRESSION_IMPORT_PATH}\`).`,
      request: {
        query: z.object({
          email: z
            .string()
            .optional()
            .meta({ description: 'The address to look up; `limit` and `cursor` then do not apply.' }),
          limit: z
            .string()
            .optional()
            .meta({
              description: `Entries per page, 1 to ${SUPPRESSION_PAGE.maxLimit}; ${SUPPRESSION_PAGE.defaultLimit} when omitted.`,
              example: String(SUPPRESSION_PAGE.defaultLimit),
            }),
          cursor: z
            .string()
            .optional()
            .meta({ description: 'The `nextCursor` of the page before, exactly as it came.' }),
        }),
      },
      responses: {
        '200': json(
          'The entry of `email`, or a page of the list.',
          z.union([SuppressionSchema, SuppressionPageSchema]),
          SUPPRESSION_PAGE_EXAMPLE,
        ),
        '400': json(
          `\`email\` is not an address (INVALID_EMAIL), \`limit\` is not 1 to ${SUPPRESSION_PAGE.maxLimit} (INVALID_LIMIT), or \`cursor\` is not a nextCursor of this route, or was altered (INVALID_CURSOR).`,
          ErrorAnswerSchema,
          {
            error: `query parameter limit must be a whole number from 1 to ${SUPPRESSION_PAGE.maxLimit} (${SUPPRESSION_PAGE.defaultLimit} when omitted); got "1000"`,
            problem: 'INVALID_LIMIT',
          } satisfies ErrorAnswer,
        ),
        '404': json('The address is not on the list.', NotSuppressedSchema, NOT_SUPPRESSED_EXAMPLE),
        ...tooManyRequests,
      },
    },
    [`PUT ${SUPPRESSION_PATH}`]: {
      tags: ['suppressions'],
      operationId: 'putSuppression',
      summary: 'Suppress an address by hand, with a note saying why',
      description:
        'Adds the address to the list, or replaces its entry, with reason MANUAL and the note as `detail`. ' +
        'No campaign mails it from then on: an upload reports it as suppressed, and a send already queued for ' +
        'it ends SUPPRESSED without a mail.',
      request: {
        params: addressParameter,
        body: {
          required: true,
          content: { 'application/json': { schema: SuppressionNoteSchema, example: NOTE_EXAMPLE } },
        },
      },
      responses: {
        '200': json('The entry as it is now.', SuppressionSchema, SUPPRESSION_EXAMPLE),
        '400': json(
          `${invalidEmail} Or the body is not \`{ "reason": "…" }\` with a note of 1 to ${MAX_SUPPRESSION_NOTE} characters (INVALID_BODY).`,
          ErrorAnswerSchema,
        ),
        '415': json(
          'The body is not JSON (UNSUPPORTED_CONTENT_TYPE), or has a Content-Encoding other than gzip, deflate and br (UNSUPPORTED_CONTENT_ENCODING).',
          ErrorAnswerSchema,
        ),
        ...tooManyRequests,
      },
    },
    [`DELETE ${SUPPRESSION_PATH}`]: {
      tags: ['suppressions'],
      operationId: 'deleteSuppression',
      summary: 'Take an address off the suppression list',
      description:
        'Removes the entry, whatever its reason, and answers with it; the next campaigns mail the address ' +
        'again. Asked again, 404: the address is off the list either way. Think twice for a complaint or an ' +
        'unsubscribe: mailing such an address again is what gets an account paused.',
      request: { params: addressParameter },
      responses: {
        '200': json('The entry that was removed.', SuppressionSchema, SUPPRESSION_EXAMPLE),
        '400': json(invalidEmail, ErrorAnswerSchema),
        '404': json('The address was not on the list.', NotSuppressedSchema, NOT_SUPPRESSED_EXAMPLE),
        ...tooManyRequests,
      },
    },
    [`POST ${SUPPRESSION_IMPORT_PATH}`]: {
      tags: ['suppressions'],
      operationId: 'importSuppressions',
      summary: 'Add a CSV of addresses to the suppression list',
      description:
        'Takes a CSV (as a `text/csv` body, or the field `file` of a form, as the upload does; read the same ' +
        'way: UTF-8 with or without BOM, Windows-1252 or UTF-16, `,` `;` or tab, any line ending) whose ' +
        'header names an `email` column, or with no header and the addresses in its first column. Adds ' +
        'the addresses not on the list yet, reason MANUAL and detail `import`; an address already there keeps ' +
        'its entry. Every line that holds no address is listed with its number. Sending the same file ' +
        'again adds nothing.',
      request: {
        body: {
          required: true,
          content: {
            'text/csv': { schema: z.string().meta({ description: 'The CSV itself.' }), example: IMPORT_CSV },
            'multipart/form-data': {
              schema: z.object({ file: csvFile }),
              encoding: { file: { contentType: 'text/csv, application/octet-stream' } },
            },
          },
        },
      },
      responses: {
        '200': json('What became of each line.', SuppressionImportSchema, IMPORT_EXAMPLE),
        '400': json(
          'A `sep=` first line names a delimiter other than `,` `;` or tab (FileProblem INVALID_SEPARATOR_LINE), ' +
            'or the request is malformed (Error: MALFORMED_MULTIPART, MULTIPLE_FILE_PARTS, INVALID_CONTENT_ENCODING).',
          z.union([FileProblemSchema, ErrorAnswerSchema]),
        ),
        '413': json(
          'The file is larger than an import takes (1 MiB by default), sent so or once unpacked: split it.',
          ImportTooLargeSchema,
          IMPORT_TOO_LARGE_EXAMPLE,
        ),
        '415': json(
          'The body is neither text/csv nor a form with a file in the field `file`, or its Content-Encoding, ' +
            'charset or file is one this route does not read (UNSUPPORTED_CONTENT_TYPE, NO_FILE_FIELD, ' +
            'UNSUPPORTED_CONTENT_ENCODING, UNSUPPORTED_CHARSET, NOT_A_CSV_FILE).',
          ErrorAnswerSchema,
        ),
        ...tooManyRequests,
      },
    },
  };
}

export class OpenApiError extends Error {
  override readonly name = 'OpenApiError';
}

const METHODS = { GET: 'get', POST: 'post', PUT: 'put', DELETE: 'delete' } as const;

function operationOf(route: ApiRoute, operation: Operation): RouteConfig {
  const description = [operation.description, SCOPE_NOTE[route.access]].filter(Boolean).join('\n\n');
  return {
    ...operation,
    method: METHODS[route.method],
    path: route.path,
    description,
    // The document's default is the API key; public routes opt out.
    ...(route.access === 'public' ? { security: [] } : {}),
    responses: { ...operation.responses, ...keyRefusals(route.access), ...internalError },
  };
}

/** The document; the docs function builds it once per container: it depends on nothing but the code. */
export function openApiDocument() {
  const described = operations();
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', API_KEY_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: API_KEY_HEADER,
    description: 'A key from `npm run apikey -- create` (the local runner prints one with every scope).',
  });
  for (const route of API_ROUTES) {
    const operation = described[routeKeyOf(route)];
    if (!operation) throw new OpenApiError(`no OpenAPI operation for ${routeKeyOf(route)}`);
    registry.registerPath(operationOf(route, operation));
  }
  const routed = new Set(API_ROUTES.map(routeKeyOf));
  const extra = Object.keys(described).filter((key) => !routed.has(key));
  if (extra.length > 0) throw new OpenApiError(`OpenAPI operations without a route: ${extra.join(', ')}`);

  // ReportCounts is referenced by no answer (the reports inline it, being closed objects): listed for readers.
  const generator = new OpenApiGeneratorV31([
    ...registry.definitions,
    { type: 'schema', schema: ReportCountsSchema },
  ]);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Campaign mailer',
      version: '1.0.0',
      description:
        'Upload a CSV campaign, mailed through Amazon SES; follow its sends with GraphQL. ' +
        'Every route but /health, the documentation and the unsubscribe link needs an API key in `x-api-key`: ' +
        'use **Authorize** to set it for "Try it out".',
    },
    // Relative: Swagger UI resolves it against the page, so the document serves any stage or host.
    servers: [{ url: '/' }],
    security: [{ [API_KEY_SCHEME]: [] }],
    tags: [
      { name: 'campaigns', description: 'Uploading campaigns' },
      { name: 'queries', description: 'Following sends and batches' },
      { name: 'suppressions', description: 'The suppression list: addresses no campaign mails' },
      {
        name: 'recipients',
        description: 'The unsubscribe link of every mail (no key: its token is the credential)',
      },
      { name: 'operations' },
      { name: 'documentation' },
    ],
  });
}
