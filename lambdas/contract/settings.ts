import type { FunctionId } from './functions.js';
import { SEND_QUEUE } from './queue-settings.js';
import { SEND_LEASE_SECONDS } from './sender-timing.js';
import type { KindValue, SettingKind } from './setting-kinds.js';

/**
 * One declaration of a setting: the environment variable the functions read it from, the context key
 * the CDK stack reads it from, or both (the stack then passes the value down under the variable's
 * name), with its kind, range, default and meaning. Both readers parse it with the kind's one parser
 * (setting-kinds.ts), so a value the stack accepts is one the functions start with.
 */
export interface SettingOf<K extends SettingKind> {
  /** The environment variable the functions read; absent for what only the stack reads. */
  readonly env?: string;
  /** The context key (`cdk.json` or `-c key=value`); absent when the stack does not expose the setting. */
  readonly context?: string;
  readonly kind: K;
  /** Set in neither place: refused with the setting's name. Without `required` and `default`, unset is a value. */
  readonly required?: true;
  readonly default?: KindValue<K>;
  /** A key: an error message never repeats its value. */
  readonly secret?: true;
  /** Where the stack's reading deliberately differs from the functions': a narrower range or another default. */
  readonly contextDiffers?: { readonly kind?: K; readonly default?: KindValue<K>; readonly because: string };
  /** The functions that read the variable (a test checks this against what their config readers read). */
  readonly readBy?: readonly FunctionId[];
  /** One line, shown in the README's configuration table. */
  readonly description: string;
}

export type Setting = {
  [T in SettingKind['type']]: SettingOf<Extract<SettingKind, { readonly type: T }>>;
}[SettingKind['type']];

/** The value a setting holds once read: undefined only for a setting that has neither default nor `required`. */
export type SettingValue<S extends Setting> = S extends
  | { readonly default: unknown }
  | { readonly required: true }
  ? KindValue<S['kind']>
  : KindValue<S['kind']> | undefined;

const seconds = (min: number, max: number) => ({ type: 'integer', min, max }) as const;
/** SQS keeps a message invisible 12 hours at most. */
const SQS_MAX_VISIBILITY_SECONDS = 43_200;
const DAY_SECONDS = 86_400;
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const ALL_API_KEY_CHECKERS: readonly FunctionId[] = [
  'uploadApi',
  'uploadUrl',
  'campaigns',
  'graphql',
  'suppressions',
];

export const SETTINGS = {
  // --- Read by several functions ---------------------------------------------------------------------
  tableName: {
    env: 'TABLE_NAME',
    kind: { type: 'string' },
    required: true,
    readBy: [
      'uploadApi',
      'uploadUrl',
      'writer',
      'graphql',
      'sender',
      'sweeper',
      'campaigns',
      'suppressions',
      'unsubscribe',
      'events',
    ],
    description: 'the DynamoDB table (set by the stack with the table grant)',
  },
  queueUrl: {
    env: 'QUEUE_URL',
    kind: { type: 'string' },
    readBy: ['writer', 'sender', 'sweeper'],
    description:
      'the send queue (set by the stack with the queue grant); required by the writer and the sweeper, and by the sender when RETRY_BACKOFF_SECONDS is above 0',
  },
  priorityQueueUrl: {
    env: 'PRIORITY_QUEUE_URL',
    kind: { type: 'string' },
    readBy: ['writer', 'sender', 'sweeper'],
    description:
      'the send queue of `priority=high` batches (set by the stack with the queue grant); required by the writer and the sweeper; the sender drains it in its own lane of the send rate',
  },
  writeQueueUrl: {
    env: 'WRITE_QUEUE_URL',
    kind: { type: 'string' },
    required: true,
    readBy: ['writer', 'sweeper', 'campaigns'],
    description:
      "the writer's queue: its continuations, the sweeper's restarts of a stopped writer, the control API's batch jobs",
  },
  scheduleGroup: {
    env: 'SCHEDULE_GROUP',
    kind: { type: 'string' },
    required: true,
    readBy: ['uploadApi', 'campaigns'],
    description: "EventBridge Scheduler's schedule group of the scheduled batches (set by the stack)",
  },
  scheduleQueueArn: {
    env: 'SCHEDULE_QUEUE_ARN',
    kind: { type: 'string' },
    required: true,
    readBy: ['uploadApi', 'campaigns'],
    description:
      "the write queue's ARN: where a scheduled batch's schedule puts its start (set by the stack)",
  },
  scheduleRoleArn: {
    env: 'SCHEDULE_ROLE_ARN',
    kind: { type: 'string' },
    required: true,
    readBy: ['uploadApi', 'campaigns'],
    description:
      'the role EventBridge Scheduler assumes to send a start to the write queue (set by the stack)',
  },
  uploadBucket: {
    env: 'UPLOAD_BUCKET',
    kind: { type: 'string' },
    required: true,
    readBy: ['uploadApi', 'uploadUrl', 'writer', 'sender', 'graphql'],
    description: 'the bucket of campaign files (uploads/) and of their rows as the writer cut them (rows/)',
  },
  retentionDays: {
    env: 'RETENTION_DAYS',
    context: 'retentionDays',
    kind: { type: 'integer', min: 1, max: 3650 },
    default: 90,
    readBy: ['uploadApi', 'uploadUrl', 'writer', 'sender', 'sweeper', 'unsubscribe', 'events', 'campaigns'],
    description:
      'how long sends, batch records, counters and the rows of a campaign are kept after its upload (DynamoDB TTL, S3 lifecycle)',
  },
  apiKeyCacheSeconds: {
    env: 'API_KEY_CACHE_SECONDS',
    kind: seconds(0, 3600),
    default: 60,
    readBy: ALL_API_KEY_CHECKERS,
    description: 'how long a looked-up API key is trusted: also the longest a revocation takes to apply',
  },
  ingestChunkRows: {
    env: 'INGEST_CHUNK_ROWS',
    kind: { type: 'integer', min: 25, max: 10_000 },
    default: 500,
    readBy: ['writer'],
    description:
      'accepted rows the writer writes, enqueues and checkpoints together (a chunk also ends at 4 MB of rows); bounds what it holds in memory',
  },
  writerBudgetSeconds: {
    env: 'WRITER_BUDGET_SECONDS',
    kind: seconds(1, 900),
    readBy: ['writer'],
    description:
      'the longest one writer invocation works before it hands over to a continuation; unset: its remaining time less 60 s',
  },
  maxLargeUploadBytes: {
    env: 'MAX_LARGE_UPLOAD_BYTES',
    context: 'maxLargeUploadBytes',
    // 5 GiB is the most one S3 PUT can carry.
    kind: { type: 'integer', min: 1024, max: 5 * GIB },
    default: GIB,
    readBy: ['uploadUrl', 'writer'],
    description:
      'the largest file POST /campaigns/uploads hands out an upload URL for (signed into it); the writer refuses a larger object',
  },
  s3ForcePathStyle: {
    env: 'S3_FORCE_PATH_STYLE',
    kind: { type: 'boolean' },
    default: false,
    readBy: ['uploadApi', 'uploadUrl', 'writer', 'sender', 'graphql'],
    description:
      'path-style S3 addressing, for a local S3 stand-in that has no bucket host names (local only)',
  },

  // --- upload-api -------------------------------------------------------------------------------------
  maxUploadBytes: {
    env: 'MAX_UPLOAD_BYTES',
    // API Gateway takes 10 MB, Lambda's synchronous payload 6 MB.
    kind: { type: 'integer', min: 1024, max: 10 * MIB },
    default: 6 * MIB,
    readBy: ['uploadApi'],
    description: 'the largest request body POST /campaigns/upload accepts, in bytes',
  },
  idempotencyLeaseSeconds: {
    env: 'IDEMPOTENCY_LEASE_SECONDS',
    kind: seconds(1, 3600),
    // Above the upload function's 29 s timeout, so that a live upload is never taken over.
    default: 60,
    readBy: ['uploadApi'],
    description: 'how long an upload holds its Idempotency-Key before a retry may take it over',
  },
  idempotencyTtlHours: {
    env: 'IDEMPOTENCY_TTL_HOURS',
    kind: { type: 'integer', min: 1, max: 24 * 30 },
    default: 24,
    readBy: ['uploadApi'],
    description: 'how long an Idempotency-Key is remembered, in hours',
  },

  // --- upload-url -------------------------------------------------------------------------------------
  uploadUrlSeconds: {
    env: 'UPLOAD_URL_SECONDS',
    kind: seconds(60, 3600),
    default: 900,
    readBy: ['uploadUrl'],
    description: 'how long a pre-signed upload URL is accepted',
  },

  // --- sender -----------------------------------------------------------------------------------------
  senderEmail: {
    env: 'SENDER_EMAIL',
    context: 'senderEmail',
    kind: { type: 'email' },
    required: true,
    readBy: ['sender'],
    description: 'the From address of every mail (a verified SES identity, or in a verified domain)',
  },
  replyToAddress: {
    env: 'REPLY_TO_ADDRESS',
    context: 'replyToAddress',
    kind: { type: 'string' },
    readBy: ['sender'],
    description: 'Reply-To of every mail',
  },
  sesConfigurationSet: {
    env: 'SES_CONFIGURATION_SET',
    context: 'sesConfigurationSet',
    kind: { type: 'string' },
    readBy: ['sender'],
    description:
      'the SES configuration set of every send; the stack creates one that publishes its events to the pipeline, or, given an existing one, adds that destination to it',
  },
  sendLeaseSeconds: {
    env: 'SEND_LEASE_SECONDS',
    kind: seconds(1, 900),
    default: SEND_LEASE_SECONDS,
    readBy: ['sender'],
    description: 'how long a claim holds before another delivery may take the send over',
  },
  maxReceiveCount: {
    env: 'MAX_RECEIVE_COUNT',
    kind: { type: 'integer', min: 1, max: 1000 },
    default: SEND_QUEUE.maxReceiveCount,
    readBy: ['sender'],
    description: "the send queue's maxReceiveCount, so that the last delivery is known to be the last",
  },
  maxSendRate: {
    env: 'MAX_SEND_RATE',
    context: 'maxSendRate',
    kind: { type: 'number', above: 0, max: 1_000_000 },
    readBy: ['sender'],
    description: "sends per second across all senders; unset: the account's SES quota (GetAccount)",
  },
  defaultSendRate: {
    env: 'DEFAULT_SEND_RATE',
    kind: { type: 'number', above: 0, max: 1_000_000 },
    // The SES sandbox's rate.
    default: 1,
    readBy: ['sender'],
    description: 'sends per second while SES GetAccount fails',
  },
  senderMaxConcurrency: {
    env: 'SENDER_MAX_CONCURRENCY',
    context: 'senderMaxConcurrency',
    kind: { type: 'integer', min: 1, max: 1000 },
    default: 2,
    contextDiffers: {
      kind: { type: 'integer', min: 2, max: 1000 },
      because:
        "Lambda's SQS event source scales from 2 to 1000 concurrent invocations; the local runner may run a single sender",
    },
    readBy: ['sender'],
    description: 'sender invocations at once, which share the send rate: the brake between the queue and SES',
  },
  dryRun: {
    env: 'DRY_RUN',
    context: 'dryRun',
    kind: { type: 'boolean' },
    default: false,
    readBy: ['sender'],
    description: 'mark every send SENT (dryRun) without calling SES',
  },
  retryBackoffSeconds: {
    env: 'RETRY_BACKOFF_SECONDS',
    kind: seconds(0, SQS_MAX_VISIBILITY_SECONDS),
    default: 30,
    readBy: ['sender'],
    description:
      'a message returned for retry stays invisible this × 2^(receives − 1) seconds; 0 turns it off',
  },
  retryBackoffMaxSeconds: {
    env: 'RETRY_BACKOFF_MAX_SECONDS',
    kind: seconds(1, SQS_MAX_VISIBILITY_SECONDS),
    default: SEND_QUEUE.visibilityTimeoutSeconds,
    readBy: ['sender'],
    description: 'the longest a retried message is kept invisible',
  },

  // --- one-click unsubscribe (sender and unsubscribe) ------------------------------------------------
  unsubscribeBaseUrl: {
    env: 'UNSUBSCRIBE_BASE_URL',
    kind: { type: 'url' },
    readBy: ['sender'],
    description:
      "the API's public base URL each mail's unsubscribe link starts with (the stack passes `publicApiUrl` or the API's endpoint, the local runner its own); required",
  },
  unsubscribeMailbox: {
    env: 'UNSUBSCRIBE_MAILBOX',
    context: 'unsubscribeMailbox',
    kind: { type: 'email' },
    readBy: ['sender'],
    description:
      'a mailbox List-Unsubscribe names beside the link (`mailto:`, subject `unsubscribe-<token>`) for clients that do not POST; nothing here reads it',
  },
  unsubscribeSecretArn: {
    env: 'UNSUBSCRIBE_SECRET_ARN',
    kind: { type: 'string' },
    readBy: ['sender', 'unsubscribe'],
    description:
      'the Secrets Manager secret whose value signs unsubscribe links, read once per container (set by the stack); wins over UNSUBSCRIBE_SECRET',
  },
  unsubscribeSecret: {
    env: 'UNSUBSCRIBE_SECRET',
    // An HMAC key: shorter would make forged links a matter of guessing.
    kind: { type: 'string', minLength: 32 },
    secret: true,
    readBy: ['sender', 'unsubscribe'],
    description:
      'the key itself where there is no Secrets Manager (`npm start` makes one and keeps it in its data directory); one of the two is required',
  },

  // --- sweeper ----------------------------------------------------------------------------------------
  sweepStalledAfterSeconds: {
    env: 'SWEEP_STALLED_AFTER_SECONDS',
    kind: seconds(1, DAY_SECONDS),
    default: 900,
    readBy: ['sweeper'],
    description:
      'a batch with few sends left whose counters have not moved for this long is reconciled against its sends',
  },
  maxSendAttempts: {
    env: 'MAX_SEND_ATTEMPTS',
    kind: { type: 'integer', min: 1, max: 100 },
    default: 5,
    readBy: ['sweeper'],
    description:
      'a send the sweeper would enqueue again after claims this many times is given up as ERROR "retries exhausted" instead',
  },
  sweepMaxPerRun: {
    env: 'SWEEP_MAX_PER_RUN',
    kind: { type: 'integer', min: 1, max: 100_000 },
    default: 5_000,
    readBy: ['sweeper'],
    description: 'sends enqueued again per run, so that one run stays short',
  },

  // --- suppressions -----------------------------------------------------------------------------------
  maxSuppressionImportBytes: {
    env: 'MAX_SUPPRESSION_IMPORT_BYTES',
    // Each address is a read and a write: 1 MiB (some 40,000 addresses) is answered well within 29 s.
    kind: { type: 'integer', min: 1024, max: 6 * MIB },
    default: MIB,
    readBy: ['suppressions'],
    description:
      'the largest CSV of addresses POST /suppressions/import accepts, in bytes (a larger list is split)',
  },

  // --- graphql ----------------------------------------------------------------------------------------
  cursorSecret: {
    env: 'CURSOR_SECRET',
    // Shorter secrets would make forged cursors a matter of guessing.
    kind: { type: 'string', minLength: 16 },
    secret: true,
    readBy: ['graphql', 'suppressions'],
    description:
      'the key that signs page cursors; required on Lambda (the stack passes one it keeps in Secrets Manager)',
  },
  lambdaFunctionName: {
    env: 'AWS_LAMBDA_FUNCTION_NAME',
    kind: { type: 'string' },
    readBy: ['graphql', 'suppressions'],
    description: 'set by the Lambda runtime, never by us: its presence makes CURSOR_SECRET required',
  },
  graphqlSchemaPath: {
    env: 'GRAPHQL_SCHEMA_PATH',
    kind: { type: 'string' },
    readBy: ['graphql'],
    description: "where the GraphQL schema text is; the repository's graphql/schema.graphql when unset",
  },
  graphiqlEnabled: {
    env: 'GRAPHIQL_ENABLED',
    kind: { type: 'boolean' },
    default: true,
    readBy: ['graphql'],
    description: 'GraphiQL in the browser at GET /graphql',
  },
  graphiqlApiKey: {
    env: 'GRAPHIQL_API_KEY',
    kind: { type: 'string' },
    secret: true,
    readBy: ['graphql'],
    description:
      "local mode only (`npm start` sets its development key): the key GraphiQL's page puts in its headers editor; refused on Lambda, where no page may hold a key",
  },
  graphqlIntrospection: {
    env: 'GRAPHQL_INTROSPECTION',
    context: 'graphqlIntrospection',
    kind: { type: 'boolean' },
    default: true,
    contextDiffers: {
      default: false,
      because:
        'on AWS the schema is in the repository for analysts; the stack always passes the value down, so the default of the functions applies only locally',
    },
    readBy: ['graphql'],
    description: 'schema introspection and "Did you mean" suggestions',
  },

  // --- docs -------------------------------------------------------------------------------------------
  docsAssetsDir: {
    env: 'DOCS_ASSETS_DIR',
    kind: { type: 'string' },
    readBy: ['docs'],
    description:
      "the directory holding the docs files by their served names (the Lambda bundle's); required without DOCS_NODE_MODULES_DIR",
  },
  docsNodeModulesDir: {
    env: 'DOCS_NODE_MODULES_DIR',
    kind: { type: 'string' },
    readBy: ['docs'],
    description:
      "a node_modules directory holding the docs files' packages (local mode); wins over DOCS_ASSETS_DIR",
  },

  // --- Read by the stack only -------------------------------------------------------------------------
  stage: {
    context: 'stage',
    // Queue names allow letters, digits, '-' and '_' up to 80 characters and take the stage as a suffix.
    kind: { type: 'string', pattern: /^[A-Za-z0-9-]{1,32}$/ },
    default: 'dev',
    description:
      'suffix of the stack (CampaignMailer-<stage>) and queue names, so that stages can share an account',
  },
  sesIdentity: {
    context: 'sesIdentity',
    kind: { type: 'emailOrDomain' },
    description: 'the SES identity the sender may send as; unset: the From address and its domain',
  },
  sesOpenAndClickEvents: {
    context: 'sesOpenAndClickEvents',
    kind: { type: 'boolean' },
    default: false,
    description:
      'publish SES Open and Click events too: SES then adds an open pixel and rewrites the links of every mail, and each send keeps its first open and click',
  },
  devStack: {
    context: 'devStack',
    kind: { type: 'boolean' },
    default: false,
    description: 'a throw-away stack: its table is deleted with it and has no deletion protection',
  },
  apiThrottleRate: {
    context: 'apiThrottleRate',
    // API Gateway's account-wide default is 10,000 requests/s with a 5,000 burst.
    kind: { type: 'integer', min: 1, max: 10_000 },
    default: 50,
    description: 'steady requests per second the API accepts before answering 429',
  },
  apiThrottleBurst: {
    context: 'apiThrottleBurst',
    kind: { type: 'integer', min: 1, max: 5_000 },
    default: 100,
    description: 'requests the API accepts in a burst above the steady rate',
  },
  corsOrigins: {
    context: 'corsOrigins',
    kind: { type: 'origins' },
    default: [],
    description: 'browser origins allowed to call the API; none: no CORS configuration at all',
  },
  alarmEmail: {
    context: 'alarmEmail',
    kind: { type: 'email' },
    description: 'where alarm notifications are mailed; unset: the alarms exist but notify nobody',
  },
  maxQueueAgeMinutes: {
    context: 'maxQueueAgeMinutes',
    // A message older than the queue's retention is gone, so a longer threshold could never fire.
    kind: { type: 'integer', min: 1, max: SEND_QUEUE.retentionSeconds / 60 },
    default: 30,
    description: 'age of the oldest message on the send queue that raises an alarm',
  },
  sesThrottleAlarmThreshold: {
    context: 'sesThrottleAlarmThreshold',
    kind: { type: 'integer', min: 1, max: 1_000_000 },
    default: 100,
    description: 'SES throttling answers in 5 minutes that raise an alarm',
  },
  failedEmailsAlarmPercent: {
    context: 'failedEmailsAlarmPercent',
    kind: { type: 'integer', min: 1, max: 100 },
    default: 5,
    description:
      'share of finished emails (SENT + ERROR) in 15 minutes, in percent, that may fail before alarming',
  },
  publicApiUrl: {
    context: 'publicApiUrl',
    kind: { type: 'url' },
    description:
      "the API's public URL behind a custom domain (https://mail.example.com), for unsubscribe links; unset: the HTTP API's endpoint",
  },
  maxBounceRatePercent: {
    env: 'MAX_BOUNCE_RATE_PERCENT',
    context: 'maxBounceRatePercent',
    kind: { type: 'number', above: 0, max: 100 },
    default: 5,
    readBy: ['events'],
    description:
      'the guardrail: a batch whose hard bounces pass this share of its mails (of 100 while it has fewer) is paused until resumed',
  },
  maxComplaintRatePercent: {
    env: 'MAX_COMPLAINT_RATE_PERCENT',
    context: 'maxComplaintRatePercent',
    kind: { type: 'number', above: 0, max: 100 },
    default: 0.1,
    readBy: ['events'],
    description:
      'the guardrail: a batch whose complaints pass this share of its mails (of 100 while it has fewer) is paused until resumed',
  },
  bounceRateAlarmPercent: {
    context: 'bounceRateAlarmPercent',
    // SES reviews an account above 5 % and may pause its sending above 10 %.
    kind: { type: 'number', above: 0, max: 100 },
    default: 5,
    description:
      "the account's bounce rate (SES Reputation.BounceRate), in percent, above which an alarm fires",
  },
  complaintRateAlarmPercent: {
    context: 'complaintRateAlarmPercent',
    // SES reviews an account above 0.1 % and may pause it above 0.5 %; Gmail and Yahoo want under 0.3 %.
    kind: { type: 'number', above: 0, max: 100 },
    default: 0.1,
    description:
      "the account's complaint rate (SES Reputation.ComplaintRate), in percent, above which an alarm fires",
  },
  account: {
    context: 'account',
    kind: { type: 'string' },
    description:
      "the AWS account to deploy to; unset: the CLI's environment (and the stack synthesises offline)",
  },
  region: {
    context: 'region',
    kind: { type: 'string' },
    description: "the AWS region to deploy to; unset: the CLI's environment",
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

/** The settings the functions read from their environment, by name. */
export type EnvSettingName = {
  [N in SettingName]: (typeof SETTINGS)[N] extends { readonly env: string } ? N : never;
}[SettingName];
