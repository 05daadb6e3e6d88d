import { SETTINGS } from '../../contract/settings.js';
import type { ScheduleTarget } from '../schedule/batch-schedules.js';
import { ConfigError, type Env, readEnv, requireEnv } from './env.js';

/**
 * What each function reads from its environment, built from the settings of the schema
 * (lambdas/contract/settings.ts: names, ranges, defaults); only the rules between settings live here.
 * The CDK stack and the local runner set these.
 */

/** How long a function trusts a looked-up API key: also the longest a revocation takes to apply. */
export interface ApiKeyCacheConfig {
  cacheSeconds: number;
  cacheEntries: number;
}

function apiKeyCacheConfig(env: Env): ApiKeyCacheConfig {
  return {
    cacheSeconds: readEnv(env, SETTINGS.apiKeyCacheSeconds),
    cacheEntries: 1000,
  };
}

/**
 * Where the key that signs unsubscribe links comes from: a Secrets Manager secret on AWS
 * (UNSUBSCRIBE_SECRET_ARN, read once per container), or the value itself where there is none (local
 * mode's UNSUBSCRIBE_SECRET). The sender signs with it, the unsubscribe function verifies.
 */
export type UnsubscribeKeySource = { secretArn: string } | { secret: string };

function unsubscribeKeySource(env: Env): UnsubscribeKeySource {
  // Both read always: which one is set decides.
  const secretArn = readEnv(env, SETTINGS.unsubscribeSecretArn);
  const secret = readEnv(env, SETTINGS.unsubscribeSecret);
  if (secretArn !== undefined) return { secretArn };
  if (secret !== undefined) return { secret };
  throw new ConfigError(
    `environment variable ${SETTINGS.unsubscribeSecretArn.env} or ${SETTINGS.unsubscribeSecret.env} is required (the key that signs unsubscribe links)`,
  );
}

/** How long a batch's items are kept, in seconds (RETENTION_DAYS). */
const retentionSecondsOf = (env: Env) => readEnv(env, SETTINGS.retentionDays) * 86_400;

export interface IngestConfig {
  tableName: string;
  apiKeyCache: ApiKeyCacheConfig;
  /** UPLOAD_BUCKET: where an upload's file is stored before the answer, for the writer. */
  bucketName: string;
  s3: S3ClientConfig;
  /** Largest request body accepted, in bytes (API Gateway allows 10 MB, Lambda 6 MB). */
  maxBodyBytes: number;
  /** How long the batch record is kept (RETENTION_DAYS). */
  retentionSeconds: number;
  /**
   * IDEMPOTENCY_LEASE_SECONDS: how long an upload holds its Idempotency-Key before a retry may take
   * it over; above the upload function's timeout (29 s), so that a live upload is never taken over.
   * IDEMPOTENCY_TTL_HOURS: how long a key is remembered.
   */
  idempotency: { leaseSeconds: number; ttlSeconds: number };
  /** Where scheduled batches' one-time triggers go (batch-schedules.ts). */
  schedules: ScheduleTarget;
}

/** SCHEDULE_GROUP, SCHEDULE_QUEUE_ARN, SCHEDULE_ROLE_ARN: the schedules of scheduled batches. */
function scheduleTargetOf(env: Env): ScheduleTarget {
  return {
    groupName: readEnv(env, SETTINGS.scheduleGroup),
    queueArn: readEnv(env, SETTINGS.scheduleQueueArn),
    roleArn: readEnv(env, SETTINGS.scheduleRoleArn),
  };
}

export function ingestConfig(env: Env): IngestConfig {
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    apiKeyCache: apiKeyCacheConfig(env),
    bucketName: readEnv(env, SETTINGS.uploadBucket),
    s3: s3ClientConfig(env),
    maxBodyBytes: readEnv(env, SETTINGS.maxUploadBytes),
    retentionSeconds: retentionSecondsOf(env),
    idempotency: {
      leaseSeconds: readEnv(env, SETTINGS.idempotencyLeaseSeconds),
      ttlSeconds: readEnv(env, SETTINGS.idempotencyTtlHours) * 3600,
    },
    schedules: scheduleTargetOf(env),
  };
}

export interface SenderConfig {
  tableName: string;
  fromAddress: string;
  replyTo?: string;
  configurationSet?: string;
  /** How long a claim holds before another delivery may take the send over. */
  leaseSeconds: number;
  /** The send queue's maxReceiveCount, so that the last delivery is known to be the last. */
  maxReceiveCount: number;
  /** MAX_SEND_RATE: sends per second across all senders; the account's own (SES GetAccount) when unset. */
  maxSendRate?: number;
  /** DEFAULT_SEND_RATE: the rate used while SES GetAccount fails (1, the SES sandbox's, by default). */
  defaultSendRate: number;
  /** SENDER_MAX_CONCURRENCY: the event source's maximum concurrency, the number of senders sharing the rate. */
  maxConcurrency: number;
  /** DRY_RUN: mark every send SENT (dryRun) without calling SES. */
  dryRun: boolean;
  /**
   * RETRY_BACKOFF_SECONDS (0 turns it off) and RETRY_BACKOFF_MAX_SECONDS: a message returned for
   * retry stays invisible base × 2^(receives − 1) seconds, at most the max. Needs QUEUE_URL.
   */
  retryBackoff: { baseSeconds: number; maxSeconds: number };
  /** The send queue, whose messages' visibility the back-off changes. */
  queueUrl?: string;
  /** The send queue of high-priority batches: its messages are paced in their own lane of the rate. */
  priorityQueueUrl?: string;
  /** UPLOAD_BUCKET: where the writer keeps the rows (subject, content, personalisation) of each send. */
  bucketName: string;
  s3: S3ClientConfig;
  /** How long counters are kept after the batch's upload (RETENTION_DAYS). */
  retentionSeconds: number;
  /**
   * One-click unsubscribe: the API's public base URL the links point to (UNSUBSCRIBE_BASE_URL), the
   * mailbox List-Unsubscribe also names (UNSUBSCRIBE_MAILBOX), and the key that signs the links.
   */
  unsubscribe: { baseUrl: string; mailbox?: string; key: UnsubscribeKeySource };
}

export function senderConfig(env: Env): SenderConfig {
  const replyTo = readEnv(env, SETTINGS.replyToAddress);
  const configurationSet = readEnv(env, SETTINGS.sesConfigurationSet);
  const maxSendRate = readEnv(env, SETTINGS.maxSendRate);
  const retryBackoff = {
    baseSeconds: readEnv(env, SETTINGS.retryBackoffSeconds),
    maxSeconds: readEnv(env, SETTINGS.retryBackoffMaxSeconds),
  };
  const queueUrl = readEnv(env, SETTINGS.queueUrl);
  const priorityQueueUrl = readEnv(env, SETTINGS.priorityQueueUrl);
  const mailbox = readEnv(env, SETTINGS.unsubscribeMailbox);
  if (retryBackoff.baseSeconds > 0 && queueUrl === undefined) {
    throw new ConfigError(
      `environment variable ${SETTINGS.queueUrl.env} is required when ${SETTINGS.retryBackoffSeconds.env} is above 0 (the back-off changes message visibility)`,
    );
  }
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    fromAddress: readEnv(env, SETTINGS.senderEmail),
    ...(replyTo ? { replyTo } : {}),
    ...(configurationSet ? { configurationSet } : {}),
    leaseSeconds: readEnv(env, SETTINGS.sendLeaseSeconds),
    maxReceiveCount: readEnv(env, SETTINGS.maxReceiveCount),
    ...(maxSendRate === undefined ? {} : { maxSendRate }),
    defaultSendRate: readEnv(env, SETTINGS.defaultSendRate),
    maxConcurrency: readEnv(env, SETTINGS.senderMaxConcurrency),
    dryRun: readEnv(env, SETTINGS.dryRun),
    retryBackoff,
    ...(queueUrl ? { queueUrl } : {}),
    ...(priorityQueueUrl ? { priorityQueueUrl } : {}),
    bucketName: readEnv(env, SETTINGS.uploadBucket),
    s3: s3ClientConfig(env),
    retentionSeconds: retentionSecondsOf(env),
    unsubscribe: {
      baseUrl: requireEnv(env, SETTINGS.unsubscribeBaseUrl),
      ...(mailbox ? { mailbox } : {}),
      key: unsubscribeKeySource(env),
    },
  };
}

export interface SweeperConfig {
  tableName: string;
  queueUrl: string;
  /** The send queue of high-priority batches, where their lost sends go back. */
  priorityQueueUrl: string;
  /** The writer's queue, for the continuation of a writer that stopped without one (a crash). */
  writeQueueUrl: string;
  /** A batch with few sends left whose counters have not moved for this long is reconciled. */
  stalledAfterSeconds: number;
  /** A send the sweeper would enqueue again after this many claims is given up as ERROR instead. */
  maxAttempts: number;
  /** Sends enqueued again per run, so that one run stays short. */
  maxPerRun: number;
  /** How long a batch's items are kept (RETENTION_DAYS): the lifetime of the counters it corrects. */
  retentionSeconds: number;
}

export function sweeperConfig(env: Env): SweeperConfig {
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    queueUrl: requireEnv(env, SETTINGS.queueUrl),
    priorityQueueUrl: requireEnv(env, SETTINGS.priorityQueueUrl),
    writeQueueUrl: readEnv(env, SETTINGS.writeQueueUrl),
    stalledAfterSeconds: readEnv(env, SETTINGS.sweepStalledAfterSeconds),
    maxAttempts: readEnv(env, SETTINGS.maxSendAttempts),
    maxPerRun: readEnv(env, SETTINGS.sweepMaxPerRun),
    retentionSeconds: retentionSecondsOf(env),
  };
}

export interface QueryConfig {
  tableName: string;
  apiKeyCache: ApiKeyCacheConfig;
  /**
   * CURSOR_SECRET: the key that signs page cursors. Required on Lambda (the stack passes a secret it
   * keeps in Secrets Manager); locally, without it, cursors are signed with a key derived from the
   * table name, which anyone knowing the name could forge.
   */
  cursorSecret?: string;
  /** Where the GraphQL schema text is; the repository's file when unset. */
  schemaPath?: string;
  graphiqlEnabled: boolean;
  /** GRAPHIQL_API_KEY: the key GraphiQL's page fills in; local mode only. */
  graphiqlApiKey?: string;
  /** GRAPHQL_INTROSPECTION: introspection and "Did you mean" suggestions; on by default, off on AWS unless configured. */
  introspection: boolean;
  /** UPLOAD_BUCKET: where a send's content is (its chunk of rows). */
  bucketName: string;
  s3: S3ClientConfig;
}

/** CURSOR_SECRET, which a function that signs page cursors must have on Lambda. */
function cursorSecretOf(env: Env): string | undefined {
  // Its length (at least 16 characters) is the schema's; a value that short is refused unrepeated.
  const cursorSecret = readEnv(env, SETTINGS.cursorSecret);
  // Lambda's runtime always sets AWS_LAMBDA_FUNCTION_NAME; the local runner and tests do not.
  if (cursorSecret === undefined && readEnv(env, SETTINGS.lambdaFunctionName) !== undefined) {
    throw new ConfigError(
      `environment variable ${SETTINGS.cursorSecret.env} is required on AWS Lambda (page cursors must be signed with a secret key)`,
    );
  }
  return cursorSecret;
}

export function queryConfig(env: Env): QueryConfig {
  const cursorSecret = cursorSecretOf(env);
  const graphiqlApiKey = readEnv(env, SETTINGS.graphiqlApiKey);
  // A key in a page served on AWS would be handed to anyone who opens it.
  if (graphiqlApiKey !== undefined && readEnv(env, SETTINGS.lambdaFunctionName) !== undefined) {
    throw new ConfigError(
      `environment variable ${SETTINGS.graphiqlApiKey.env} is for local mode only: on AWS Lambda GraphiQL's page never holds a key`,
    );
  }
  const schemaPath = readEnv(env, SETTINGS.graphqlSchemaPath);
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    apiKeyCache: apiKeyCacheConfig(env),
    bucketName: readEnv(env, SETTINGS.uploadBucket),
    s3: s3ClientConfig(env),
    ...(cursorSecret ? { cursorSecret } : {}),
    ...(schemaPath ? { schemaPath } : {}),
    graphiqlEnabled: readEnv(env, SETTINGS.graphiqlEnabled),
    ...(graphiqlApiKey ? { graphiqlApiKey } : {}),
    introspection: readEnv(env, SETTINGS.graphqlIntrospection),
  };
}

/**
 * Where the docs function finds its files (lambdas/contract/docs-files.ts): DOCS_ASSETS_DIR holds them
 * by their served names (the Lambda bundle); DOCS_NODE_MODULES_DIR is a node_modules directory holding
 * their packages (local mode), and wins when both are set.
 */
export type DocsConfig = { assetsDir: string } | { nodeModulesDir: string };

export function docsConfig(env: Env): DocsConfig {
  const nodeModulesDir = readEnv(env, SETTINGS.docsNodeModulesDir);
  if (nodeModulesDir !== undefined) return { nodeModulesDir };
  return { assetsDir: requireEnv(env, SETTINGS.docsAssetsDir) };
}

/** S3 addressing: path-style for a local S3 stand-in, which has no bucket host names. */
export interface S3ClientConfig {
  forcePathStyle: boolean;
}

function s3ClientConfig(env: Env): S3ClientConfig {
  return { forcePathStyle: readEnv(env, SETTINGS.s3ForcePathStyle) };
}

export interface UploadUrlConfig {
  tableName: string;
  apiKeyCache: ApiKeyCacheConfig;
  /** UPLOAD_BUCKET: the bucket large campaign files are PUT into. */
  bucketName: string;
  /** UPLOAD_URL_SECONDS: how long a pre-signed upload URL is accepted. */
  urlSeconds: number;
  /** MAX_LARGE_UPLOAD_BYTES: the largest file an upload URL is given out for. */
  maxFileBytes: number;
  /** How long the writer state it registers is kept. */
  retentionSeconds: number;
  s3: S3ClientConfig;
}

export function uploadUrlConfig(env: Env): UploadUrlConfig {
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    apiKeyCache: apiKeyCacheConfig(env),
    bucketName: readEnv(env, SETTINGS.uploadBucket),
    urlSeconds: readEnv(env, SETTINGS.uploadUrlSeconds),
    // The upload URL is signed for at most this many bytes (S3 refuses any other length).
    maxFileBytes: readEnv(env, SETTINGS.maxLargeUploadBytes),
    retentionSeconds: retentionSecondsOf(env),
    s3: s3ClientConfig(env),
  };
}

export interface WriterConfig {
  tableName: string;
  queueUrl: string;
  /** The send queue of high-priority batches (`priority=high`). */
  priorityQueueUrl: string;
  /** The writer's own queue, for its continuations. */
  writeQueueUrl: string;
  /** Where the rows of each chunk go (the bucket of the uploaded files). */
  bucketName: string;
  /** Accepted rows per chunk (a chunk also ends at 4 MB of rows). */
  chunkRows: number;
  /** MAX_LARGE_UPLOAD_BYTES: a larger object is refused unread. */
  maxFileBytes: number;
  /** How long a batch's items are kept (RETENTION_DAYS). */
  retentionSeconds: number;
  /** WRITER_BUDGET_SECONDS: the longest one invocation works before handing over; unset: its time less 60 s. */
  budgetSeconds?: number;
  s3: S3ClientConfig;
}

export function writerConfig(env: Env): WriterConfig {
  const budgetSeconds = readEnv(env, SETTINGS.writerBudgetSeconds);
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    queueUrl: requireEnv(env, SETTINGS.queueUrl),
    priorityQueueUrl: requireEnv(env, SETTINGS.priorityQueueUrl),
    writeQueueUrl: readEnv(env, SETTINGS.writeQueueUrl),
    bucketName: readEnv(env, SETTINGS.uploadBucket),
    chunkRows: readEnv(env, SETTINGS.ingestChunkRows),
    maxFileBytes: readEnv(env, SETTINGS.maxLargeUploadBytes),
    retentionSeconds: retentionSecondsOf(env),
    ...(budgetSeconds === undefined ? {} : { budgetSeconds }),
    s3: s3ClientConfig(env),
  };
}

export interface CampaignsConfig {
  tableName: string;
  apiKeyCache: ApiKeyCacheConfig;
  /** The writer's queue: where the control API puts a batch's release and cancel jobs. */
  writeQueueUrl: string;
  /** Where scheduled batches' one-time triggers go (a reschedule, a cancel). */
  schedules: ScheduleTarget;
  /** RETENTION_DAYS: how long the control item of a batch uploaded before control existed is kept. */
  retentionSeconds: number;
}

export function campaignsConfig(env: Env): CampaignsConfig {
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    apiKeyCache: apiKeyCacheConfig(env),
    writeQueueUrl: readEnv(env, SETTINGS.writeQueueUrl),
    schedules: scheduleTargetOf(env),
    retentionSeconds: retentionSecondsOf(env),
  };
}

export interface SuppressionsConfig {
  tableName: string;
  apiKeyCache: ApiKeyCacheConfig;
  /** CURSOR_SECRET: signs the cursors of GET /suppressions, as GraphQL's (required on Lambda). */
  cursorSecret?: string;
  /** MAX_SUPPRESSION_IMPORT_BYTES: the largest CSV POST /suppressions/import takes. */
  maxImportBytes: number;
}

export function suppressionsConfig(env: Env): SuppressionsConfig {
  const cursorSecret = cursorSecretOf(env);
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    apiKeyCache: apiKeyCacheConfig(env),
    ...(cursorSecret ? { cursorSecret } : {}),
    maxImportBytes: readEnv(env, SETTINGS.maxSuppressionImportBytes),
  };
}

export interface UnsubscribeConfig {
  tableName: string;
  /** How long the batch's counters are kept (RETENTION_DAYS): the lifetime of the unsubscribe count. */
  retentionSeconds: number;
  /** The key that verifies unsubscribe links: the sender's. */
  key: UnsubscribeKeySource;
}

export function unsubscribeConfig(env: Env): UnsubscribeConfig {
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    retentionSeconds: retentionSecondsOf(env),
    key: unsubscribeKeySource(env),
  };
}

export interface EventsConfig {
  tableName: string;
  /** How long counters are kept after the batch's upload (RETENTION_DAYS): those an event creates too. */
  retentionSeconds: number;
  /** The guardrail's limits, as rates from 0 to 1. */
  guardrail: { maxBounceRate: number; maxComplaintRate: number };
}

export function eventsConfig(env: Env): EventsConfig {
  return {
    tableName: readEnv(env, SETTINGS.tableName),
    retentionSeconds: retentionSecondsOf(env),
    guardrail: {
      maxBounceRate: readEnv(env, SETTINGS.maxBounceRatePercent) / 100,
      maxComplaintRate: readEnv(env, SETTINGS.maxComplaintRatePercent) / 100,
    },
  };
}
