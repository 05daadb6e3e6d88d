/**
 * The shapes of what the HTTP API takes and answers, written once: the handlers parse requests and
 * type their answers with these schemas, and the OpenAPI document (lambdas/docs/openapi.ts) is
 * generated from them, so the two cannot drift apart. A schema with a `meta` id becomes a component
 * of the document under that name.
 *
 * Answers the functions write are strict objects (`additionalProperties: false` in the document): a
 * field added to an answer without adding it here fails the test that checks real answers against
 * the document.
 */

import { z } from 'zod';
import { LARGE_UPLOAD_PATH, routeKeyOf } from './api-routes.js';

/** Longest list of rejected or duplicate lines an upload's answer holds; the counts stay exact beyond it. */
export const REPORT_LIST_LIMIT = 1000;

/** Longest file name kept with a large upload. */
export const MAX_FILE_NAME = 200;

// ---------------------------------------------------------------------------------------------------
// The upload report

export const RowErrorSchema = z
  .strictObject({
    line: z.int().min(2).meta({ description: 'Line of the file where the record starts (header = 1).' }),
    reason: z.string(),
    value: z.string().max(200).meta({ description: 'The offending value, at most 200 characters.' }),
  })
  .meta({ id: 'RowError' });

export const DuplicateSchema = z
  .strictObject({
    line: z.int(),
    email: z.string().meta({ description: 'The address, trimmed and lower-cased.' }),
    firstLine: z.int().meta({ description: 'The line that first had this address.' }),
  })
  .meta({ id: 'Duplicate' });

/**
 * Why an address is on the project's suppression list: a hard bounce, a complaint, an unsubscribe, or a
 * person (by hand or by import). The domain's rules (core/domain/suppression.ts) use these names.
 */
export const SUPPRESSION_REASONS = ['BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED', 'MANUAL'] as const;

export const SuppressedRowSchema = z
  .strictObject({
    line: z.int().min(2),
    email: z.string().meta({ description: 'The address, trimmed and lower-cased.' }),
    reason: z.enum(SUPPRESSION_REASONS).meta({
      description: 'Why the address is on the suppression list (GET /suppressions?email= says more).',
    }),
  })
  .meta({ id: 'SuppressedRow' });

/** How the bytes of a campaign file were read. */
export const CAMPAIGN_ENCODINGS = ['utf-8', 'windows-1252', 'utf-16le', 'utf-16be'] as const;

const count = z.int().min(0);

/** What every report holds, with or without a batch. */
const reportCounts = {
  received: count.meta({
    description: 'Non-blank data records: accepted + duplicates + invalid + suppressed.',
  }),
  accepted: count.meta({ description: 'Rows that become sends.' }),
  duplicates: count,
  invalid: count,
  suppressed: count.meta({
    description: 'Valid rows whose address is on the suppression list: no send is made for them.',
  }),
  encoding: z.enum(CAMPAIGN_ENCODINGS).meta({
    description:
      'How the bytes were read: UTF-8 (with or without BOM), Windows-1252 when they are not UTF-8, or UTF-16 (told by its BOM or the zero bytes of its header).',
  }),
  dryRun: z.boolean().meta({ description: 'The sends are rehearsed: marked SENT without calling SES.' }),
  errors: z
    .array(RowErrorSchema)
    .max(REPORT_LIST_LIMIT)
    .meta({ description: `Rejected rows, at most ${REPORT_LIST_LIMIT.toLocaleString('en')}.` }),
  duplicatesList: z
    .array(DuplicateSchema)
    .max(REPORT_LIST_LIMIT)
    .meta({ description: `Duplicate rows, at most ${REPORT_LIST_LIMIT.toLocaleString('en')}.` }),
  suppressedList: z
    .array(SuppressedRowSchema)
    .max(REPORT_LIST_LIMIT)
    .meta({
      description: `Rows whose address is suppressed, with the reason, at most ${REPORT_LIST_LIMIT.toLocaleString('en')}.`,
    }),
  truncated: z.boolean().meta({
    description: `A list was cut at ${REPORT_LIST_LIMIT.toLocaleString('en')} entries; the counts stay exact.`,
  }),
};

export const ReportCountsSchema = z.strictObject(reportCounts).meta({
  id: 'ReportCounts',
  description: 'The counts and lists every upload report holds (IngestReport, NothingAccepted).',
});

/**
 * The answer to an upload, whichever path it came by (HTTP body or S3 object), and what the batch
 * record keeps of it: `202` is this, `422` this without `batchId` (NothingAccepted).
 */
/** A batch's state as marketers control it (issue 15). */
export const BATCH_STATES = ['SCHEDULED', 'SENDING', 'PAUSED', 'CANCELLED', 'FINISHED'] as const;

/** How the upload asked the batch to be sent: when, how fast, before whom. */
export const SendingSchema = z
  .strictObject({
    state: z.enum(BATCH_STATES).meta({
      description:
        'SCHEDULED until `sendAt`, then SENDING; PAUSED or CANCELLED by request; FINISHED once no send is open.',
    }),
    sendAt: z.iso.datetime().optional().meta({ description: 'When the batch starts (UTC), if scheduled.' }),
    maxRate: z.number().positive().optional().meta({
      description: 'Sends per second the batch never exceeds, summed over every sender.',
    }),
    priority: z.enum(['high', 'normal']).meta({
      description: 'high: its sends overtake the normal batches on the queue.',
    }),
  })
  .meta({ id: 'Sending', description: 'How and when the batch is sent.' });
export type Sending = z.infer<typeof SendingSchema>;

export const IngestReportSchema = z
  .strictObject({
    batchId: z.string().meta({ description: 'Query the batch with GraphQL `batch(batchId:)`.' }),
    ...reportCounts,
    sending: SendingSchema.optional().meta({
      description:
        'How and when the batch is sent (the upload answer; the writer of a large file leaves it out).',
    }),
  })
  .meta({
    id: 'IngestReport',
    description: 'The answer to an upload: the batch and what became of every row.',
  });
export type IngestReport = z.infer<typeof IngestReportSchema>;

export const NothingAcceptedSchema = z.strictObject({ error: z.string(), ...reportCounts }).meta({
  id: 'NothingAccepted',
  description: 'No row can be sent, so no batch was created: `error` and the report without `batchId`.',
});
export type NothingAccepted = z.infer<typeof NothingAcceptedSchema>;

// ---------------------------------------------------------------------------------------------------
// Error answers: every one has `error`, a message meant for a person.

const message = z.string().meta({ description: 'What was wrong, for a person to read.' });

export const LARGE_UPLOAD_PROBLEMS = ['SIZE_REQUIRED', 'INVALID_SIZE'] as const;

/**
 * What the suppression routes refuse: an address that cannot be one, a page size or cursor that is not
 * one, a PUT body that is not `{ "reason": "…" }`.
 */
export const SUPPRESSION_REQUEST_PROBLEMS = [
  'INVALID_EMAIL',
  'INVALID_LIMIT',
  'INVALID_CURSOR',
  'INVALID_BODY',
] as const;

/**
 * What was wrong with a request itself (its form, its headers, its encoding), as opposed to the file it
 * carries (CAMPAIGN_FILE_PROBLEMS): the `problem` of an Error answer.
 */
export const REQUEST_PROBLEMS = [
  'MALFORMED_MULTIPART',
  'MULTIPLE_FILE_PARTS',
  'INVALID_IDEMPOTENCY_KEY',
  'INVALID_CONTENT_ENCODING',
  'UNSUPPORTED_CONTENT_TYPE',
  'NO_FILE_FIELD',
  'UNSUPPORTED_CONTENT_ENCODING',
  'UNSUPPORTED_CHARSET',
  'NOT_A_CSV_FILE',
  'REQUEST_TOO_LARGE',
  'INVALID_SEND_OPTION',
  ...LARGE_UPLOAD_PROBLEMS,
  ...SUPPRESSION_REQUEST_PROBLEMS,
] as const;
export type RequestProblem = (typeof REQUEST_PROBLEMS)[number];

export const ErrorAnswerSchema = z
  .strictObject({
    error: message,
    problem: z
      .enum(REQUEST_PROBLEMS)
      .optional()
      .meta({ description: 'Machine-readable kind of problem, where there is one.' }),
  })
  .meta({ id: 'Error', description: 'Every 4xx answer has at least `error`.' });
export type ErrorAnswer = z.infer<typeof ErrorAnswerSchema>;

/** Why a file as a whole cannot be a campaign (domain: CampaignFileProblem). */
export const CAMPAIGN_FILE_PROBLEMS = [
  'EMPTY_FILE',
  'MISSING_COLUMNS',
  'NO_DATA_ROWS',
  'DUPLICATE_COLUMNS',
  'RECORD_TOO_LONG',
  'UNKNOWN_PLACEHOLDER',
  'INVALID_SEPARATOR_LINE',
] as const;

type CampaignFileProblemCode = (typeof CAMPAIGN_FILE_PROBLEMS)[number];

/** Where in the file the problem is, when that can be told. */
export const FileProblemDetailsSchema = z.object({
  line: z.int().min(1).optional().meta({ description: 'The line of the file at fault.' }),
  placeholder: z.string().optional().meta({ description: 'The `{{name}}` that names no column.' }),
});

export const FileProblemSchema = z
  .strictObject({
    error: message,
    problem: z.enum(CAMPAIGN_FILE_PROBLEMS).meta({ description: 'Machine-readable kind of problem.' }),
    ...FileProblemDetailsSchema.shape,
  })
  .meta({ id: 'FileProblem', description: 'The file as a whole cannot be a campaign; nothing was created.' });
export type FileProblem = z.infer<typeof FileProblemSchema>;

export const IDEMPOTENCY_CONFLICTS = ['IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_KEY_IN_PROGRESS'] as const;
type IdempotencyConflictCode = (typeof IDEMPOTENCY_CONFLICTS)[number];

export const IdempotencyConflictSchema = z
  .strictObject({
    error: message,
    problem: z.enum(IDEMPOTENCY_CONFLICTS),
    retryAfterSeconds: z
      .int()
      .min(1)
      .optional()
      .meta({ description: 'When the first upload with this key is still running: when to retry.' }),
  })
  .meta({
    id: 'IdempotencyConflict',
    description:
      'The Idempotency-Key was used with a different file or options (REUSED), or its first upload is still running (IN_PROGRESS).',
  });
export type IdempotencyConflict = z.infer<typeof IdempotencyConflictSchema>;

export const DUPLICATE_FILE_PROBLEMS = ['DUPLICATE_FILE', 'DUPLICATE_FILE_IN_PROGRESS'] as const;

export const DuplicateFileSchema = z
  .strictObject({
    error: message,
    problem: z.enum(DUPLICATE_FILE_PROBLEMS),
    batchId: z.string().meta({ description: 'The batch the same file became (or is becoming).' }),
    uploadedAt: z.iso.datetime().meta({ description: 'When that upload came in.' }),
    retryAfterSeconds: z
      .int()
      .min(1)
      .optional()
      .meta({ description: 'While that upload is still being answered: when to ask again.' }),
  })
  .meta({
    id: 'DuplicateFile',
    description:
      'The same file (by SHA-256) became a batch in the last 24 hours and no Idempotency-Key says this is a retry: send `allowDuplicate=true` to make a second batch of it on purpose.',
  });
export type DuplicateFile = z.infer<typeof DuplicateFileSchema>;

/**
 * Every `problem` POST /campaigns/upload answers with, by status: the OpenAPI document lists them, and
 * a test holds the README's table of answers to this list.
 */
export const UPLOAD_PROBLEMS_BY_STATUS = {
  400: [
    ...CAMPAIGN_FILE_PROBLEMS,
    'MALFORMED_MULTIPART',
    'MULTIPLE_FILE_PARTS',
    'INVALID_IDEMPOTENCY_KEY',
    'INVALID_CONTENT_ENCODING',
    'INVALID_SEND_OPTION',
  ],
  409: [...IDEMPOTENCY_CONFLICTS, ...DUPLICATE_FILE_PROBLEMS],
  415: [
    'UNSUPPORTED_CONTENT_TYPE',
    'NO_FILE_FIELD',
    'UNSUPPORTED_CONTENT_ENCODING',
    'UNSUPPORTED_CHARSET',
    'NOT_A_CSV_FILE',
  ],
} as const satisfies Record<
  number,
  readonly (
    | RequestProblem
    | CampaignFileProblemCode
    | IdempotencyConflictCode
    | (typeof DUPLICATE_FILE_PROBLEMS)[number]
  )[]
>;

export const PayloadTooLargeSchema = z
  .strictObject({
    error: message,
    maxBytes: z.int().meta({ description: 'The largest body this endpoint takes.' }),
    largeFileUpload: z
      .literal(routeKeyOf({ method: 'POST', path: LARGE_UPLOAD_PATH }))
      .meta({ description: `Where a larger file goes instead: \`POST ${LARGE_UPLOAD_PATH}\`.` }),
  })
  .meta({ id: 'PayloadTooLarge' });
export type PayloadTooLarge = z.infer<typeof PayloadTooLargeSchema>;

export const FileTooLargeSchema = z
  .strictObject({
    error: message,
    problem: z.literal('FILE_TOO_LARGE'),
    maxBytes: z.int().meta({ description: 'The largest file the large-file path takes.' }),
  })
  .meta({ id: 'FileTooLarge' });
export type FileTooLarge = z.infer<typeof FileTooLargeSchema>;

export const InternalErrorSchema = z
  .strictObject({
    error: message,
    requestId: z
      .string()
      .meta({ description: 'Quote it when reporting the failure: the log has the details.' }),
  })
  .meta({
    id: 'InternalError',
    description: 'A failure on our side (a bug or an outage); its details are in the log only.',
  });
export type InternalError = z.infer<typeof InternalErrorSchema>;

/** Written by API Gateway itself (throttling), never by a function. */
export const GatewayErrorSchema = z
  .object({ message: z.string() })
  .meta({ id: 'GatewayError', description: 'Written by API Gateway itself, not by a function.' });

/** Every error answer a function writes with HttpError (json-errors.ts turns it into the body). */
export type ClientErrorAnswer =
  | ErrorAnswer
  | FileProblem
  | IdempotencyConflict
  | DuplicateFile
  | PayloadTooLarge
  | FileTooLarge
  | NotSuppressed
  | ImportTooLarge
  | StateConflict;

// ---------------------------------------------------------------------------------------------------
// Large uploads: POST /campaigns/uploads

export const LargeUploadRequestSchema = z
  .strictObject({
    fileName: z
      .string()
      .max(MAX_FILE_NAME)
      .optional()
      .meta({ description: 'Kept with the batch, to recognise it later.' }),
    size: z
      .int()
      .min(1)
      .meta({
        description:
          'The length of the file in bytes, at most the configured maximum (1 GiB by default). The URL is ' +
          'signed for exactly this length: S3 refuses a PUT of any other length.',
      }),
    dryRun: z
      .boolean()
      .optional()
      .meta({ description: 'Rehearse: the sends are marked SENT without calling SES.' }),
  })
  .meta({ id: 'LargeUploadRequest' });
export type LargeUploadRequest = z.infer<typeof LargeUploadRequestSchema>;

export const LargeUploadSchema = z
  .strictObject({
    batchId: z.string().meta({ description: 'The batch the uploaded file becomes.' }),
    uploadUrl: z.url().meta({ description: 'Pre-signed S3 URL: PUT the CSV there, no API key.' }),
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()).meta({
      description:
        'Headers the PUT must carry exactly (they are part of the signature), `content-length` (the size ' +
        'asked for) included.',
    }),
    expiresAt: z.iso.datetime().meta({ description: 'The URL is refused after this instant.' }),
  })
  .meta({ id: 'LargeUpload' });
export type LargeUpload = z.infer<typeof LargeUploadSchema>;

// ---------------------------------------------------------------------------------------------------
// Uploads through the API: POST /campaigns/upload

/** Printable ASCII, 1 to 255 characters: what fits a header and a log line unchanged. */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/)
  .meta({
    description: 'A retry with the same key and file returns the first answer; with a different file, 409.',
  });

// ---------------------------------------------------------------------------------------------------
// The suppression list: GET /suppressions, PUT and DELETE /suppressions/{email}, POST /suppressions/import

/** A person's note on an address added by hand: what PUT takes as `reason`, kept as the entry's `detail`. */
export const MAX_SUPPRESSION_NOTE = 500;

/** Entries of a page of GET /suppressions: 50 when `limit` is not given, at most 500. */
export const SUPPRESSION_PAGE = { defaultLimit: 50, maxLimit: 500 } as const;

export const SuppressionSchema = z
  .strictObject({
    email: z.string().meta({ description: 'The address, trimmed and lower-cased.' }),
    reason: z.enum(SUPPRESSION_REASONS).meta({
      description:
        "BOUNCED (a permanent bounce, SES's own account-level suppression list included), COMPLAINED, UNSUBSCRIBED (the one-click link of a mail), MANUAL (PUT or an import).",
    }),
    detail: z.string().optional().meta({
      description: 'The bounce subtype, the complaint feedback type, the note given with PUT, or `import`.',
    }),
    sourceSendId: z.string().optional().meta({ description: 'The send whose event or link added it.' }),
    sourceBatchId: z.string().optional().meta({ description: "That send's batch." }),
    addedAt: z.iso.datetime().meta({ description: 'When the entry was made (or last replaced by PUT).' }),
  })
  .meta({ id: 'Suppression', description: 'One address of the suppression list: no campaign mails it.' });
export type SuppressionAnswer = z.infer<typeof SuppressionSchema>;

export const SuppressionPageSchema = z
  .strictObject({
    items: z.array(SuppressionSchema).meta({ description: 'Newest first.' }),
    nextCursor: z.string().nullable().meta({
      description: 'Pass as `cursor` (with the same `limit` or another) for the next page; null on the last.',
    }),
  })
  .meta({ id: 'SuppressionPage', description: 'A page of the suppression list, newest first.' });
export type SuppressionPage = z.infer<typeof SuppressionPageSchema>;

export const SuppressionNoteSchema = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(1)
      .max(MAX_SUPPRESSION_NOTE)
      .meta({
        description: `Why the address is suppressed, for people: 1 to ${MAX_SUPPRESSION_NOTE} characters.`,
      }),
  })
  .meta({ id: 'SuppressionNote' });
export type SuppressionNote = z.infer<typeof SuppressionNoteSchema>;

export const NotSuppressedSchema = z
  .strictObject({
    error: message,
    problem: z.literal('NOT_SUPPRESSED'),
    email: z.string().meta({ description: 'The address asked for, normalised.' }),
  })
  .meta({ id: 'NotSuppressed', description: 'The address is not on the suppression list.' });
export type NotSuppressed = z.infer<typeof NotSuppressedSchema>;

export const ImportRowErrorSchema = z
  .strictObject({
    line: z.int().min(1).meta({ description: 'Line of the file (a header, when there is one, is line 1).' }),
    reason: z.string(),
    value: z.string().max(200).meta({ description: 'The offending value, at most 200 characters.' }),
  })
  .meta({ id: 'ImportRowError' });

export const SuppressionImportSchema = z
  .strictObject({
    received: count.meta({ description: 'Non-blank data lines: added + alreadySuppressed + invalid.' }),
    added: count.meta({ description: 'Addresses put on the list (reason MANUAL, detail `import`).' }),
    alreadySuppressed: count.meta({
      description:
        'Addresses on the list already, whatever their reason (which stays), or met on an earlier line of the file.',
    }),
    invalid: count,
    invalidList: z
      .array(ImportRowErrorSchema)
      .max(REPORT_LIST_LIMIT)
      .meta({
        description: `Lines that hold no valid address, at most ${REPORT_LIST_LIMIT.toLocaleString('en')}.`,
      }),
    truncated: z.boolean().meta({
      description: `invalidList was cut at ${REPORT_LIST_LIMIT.toLocaleString('en')} entries; the counts stay exact.`,
    }),
  })
  .meta({ id: 'SuppressionImport', description: 'What an import did with each line of the file.' });
export type SuppressionImport = z.infer<typeof SuppressionImportSchema>;

export const ImportTooLargeSchema = z
  .strictObject({
    error: message,
    problem: z.literal('REQUEST_TOO_LARGE'),
    maxBytes: z.int().meta({ description: 'The largest file an import takes: split a larger list.' }),
  })
  .meta({ id: 'ImportTooLarge' });
export type ImportTooLarge = z.infer<typeof ImportTooLargeSchema>;

// ---------------------------------------------------------------------------------------------------
// Campaigns: GET /campaigns/{batchId}

export const WRITER_STATES = ['WRITING', 'READY', 'FAILED'] as const;

/** The answer of a control action that the batch's state does not allow: 409, naming the state. */
export const StateConflictSchema = z
  .strictObject({
    error: message,
    problem: z.literal('INVALID_STATE'),
    state: z.enum(['SCHEDULED', 'SENDING', 'PAUSED', 'CANCELLED']).meta({
      description: 'The state the batch is in (a FINISHED batch is SENDING with nothing left open).',
    }),
  })
  .meta({ id: 'StateConflict', description: 'The batch is in a state where this action makes no sense.' });
export type StateConflict = z.infer<typeof StateConflictSchema>;

/** The optional body of POST /campaigns/{batchId}/pause, /resume, /cancel and /schedule. */
export const ControlRequestSchema = z
  .strictObject({
    reason: z.string().max(500).optional().meta({
      description: 'Why, kept with the change of state (at most 500 characters).',
      example: 'wrong subject line',
    }),
    sendAt: z.iso.datetime({ offset: true }).optional().meta({
      description:
        'For /schedule: the new start, ISO-8601 with its zone, in the future, at most 90 days ahead.',
      example: '2026-12-24T09:00:00+01:00',
    }),
  })
  .meta({ id: 'ControlRequest' });

/** One change of a batch's state. */
export const StateChangeSchema = z
  .strictObject({
    state: z.enum(['SCHEDULED', 'SENDING', 'PAUSED', 'CANCELLED']),
    at: z.iso.datetime(),
    by: z.enum(['request', 'guardrail', 'schedule']).meta({
      description:
        "request: a marketer's; guardrail: the batch's bounce or complaint rate; schedule: its start.",
    }),
    reason: z.string().optional(),
  })
  .meta({ id: 'StateChange' });

export const CampaignSchema = z
  .strictObject({
    batchId: z.string(),
    createdAt: z.iso.datetime().meta({ description: 'When the file was uploaded.' }),
    fileName: z.string().optional(),
    dryRun: z.boolean(),
    writer: z
      .strictObject({
        state: z.enum(WRITER_STATES).meta({
          description:
            'WRITING: the accepted rows are being written and queued, a chunk at a time; READY: every one is a send on the queue; FAILED: the file was refused (see `error`).',
        }),
        rowsWritten: count.meta({ description: 'Sends written and queued so far.' }),
        runs: count.meta({ description: 'Invocations that worked on the file (continuations, resumes).' }),
        updatedAt: z.iso.datetime(),
        finishedAt: z.iso.datetime().optional(),
        error: z
          .strictObject({ message: z.string(), problem: z.string() })
          .optional()
          .meta({ description: 'Why the file was refused, when FAILED.' }),
      })
      .nullable()
      .meta({
        description:
          "WRITING from the answer of a direct upload, or from when a large file's upload URL was given out (runs 0 until the writer takes the file up); null only for a batch without writer state.",
      }),
    counts: z
      .strictObject({
        queued: count,
        sending: count,
        sent: count.meta({ description: 'Accepted by SES, no event after it yet.' }),
        delivered: count,
        bounced: count.meta({ description: 'Hard bounces: the addresses are suppressed.' }),
        complained: count.meta({ description: 'Spam complaints: the addresses are suppressed.' }),
        rejected: count.meta({ description: 'Rejected by SES after accepting them.' }),
        suppressed: count.meta({ description: 'Not mailed: on the suppression list when their turn came.' }),
        cancelled: count.meta({ description: 'Not mailed: the batch was cancelled before their turn.' }),
        error: count,
        unsubscribed: count.meta({ description: 'Recipients who unsubscribed through one of its mails.' }),
      })
      .meta({
        description:
          'Sends in each status now, counted as they change; exact once `finished` for what sending did, while SES events go on moving mailed sends between sent, delivered, bounced, complained and rejected.',
      }),
    bounceRate: z.number().min(0).max(1).nullable().meta({
      description: 'Hard bounces per mail SES accepted; null before the first one.',
    }),
    complaintRate: z.number().min(0).max(1).nullable().meta({
      description: 'Complaints per mail SES accepted; null before the first one.',
    }),
    total: count.meta({
      description: 'Sends of the batch: the rows accepted, or written so far while WRITING.',
    }),
    finished: z.boolean().meta({
      description: 'Every accepted row is a send and none is QUEUED or SENDING (SES events may still come).',
    }),
    finishedAt: z.iso.datetime().optional(),
    report: ReportCountsSchema.omit({ dryRun: true }).optional().meta({
      description: 'What the upload reported of the rows; absent until a large file is read to its end.',
    }),
    sending: SendingSchema.extend({
      changes: z.array(StateChangeSchema).meta({ description: 'Every change of state, oldest first.' }),
    }).meta({
      description: 'Its state (scheduled, sending, paused, cancelled, finished), schedule, pace, priority.',
    }),
  })
  .meta({ id: 'Campaign', description: 'Where a batch is: its writer, its counts, its report, its state.' });
export type Campaign = z.infer<typeof CampaignSchema>;

// ---------------------------------------------------------------------------------------------------
// GraphQL, health

/**
 * The largest body of a GraphQL request: a query at its length limit with generous variables. The
 * schema's arguments are a few ids, dates and sizes, so nothing legitimate comes near it.
 */
export const MAX_GRAPHQL_REQUEST_BYTES = 64 * 1024;

/**
 * Characters of the query text: GraphiQL's introspection query has about 2,100, a query of 1,000
 * tokens (the token limit) written out with indentation and long ids fewer than 20,000. Lexing that
 * much takes microseconds; without it a body of comments (which are no tokens) would be lexed whole.
 */
export const MAX_GRAPHQL_QUERY_LENGTH = 20_000;

export const GraphqlRequestSchema = z
  .object({
    query: z.string().max(MAX_GRAPHQL_QUERY_LENGTH),
    variables: z.record(z.string(), z.unknown()).optional(),
    operationName: z.string().optional(),
  })
  .meta({ id: 'GraphqlRequest' });

export const GraphqlResponseSchema = z
  .object({
    data: z.record(z.string(), z.unknown()).nullable().optional(),
    // GraphQL errors also carry locations, path and extensions, as the GraphQL specification has them.
    errors: z.array(z.looseObject({ message: z.string() })).optional(),
  })
  .meta({ id: 'GraphqlResponse' });

export const HealthSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });
export type Health = z.infer<typeof HealthSchema>;
