import { SEND_QUEUE } from '../../contract/queue-settings.js';
import { boolean, ConfigError, type Env, integer, optionalString, requireString } from './env.js';

/** What each function reads from its environment. The CDK stack and the local runner set these. */

/** How long a function trusts a looked-up API key: also the longest a revocation takes to apply. */
export interface ApiKeyCacheConfig {
  cacheSeconds: number;
  cacheEntries: number;
}

function apiKeyCacheConfig(env: Env): ApiKeyCacheConfig {
  return {
    cacheSeconds: integer(env, 'API_KEY_CACHE_SECONDS', 60, { min: 0, max: 3600 }),
    cacheEntries: 1000,
  };
}

export interface IngestConfig {
  tableName: string;
  apiKeyCache: ApiKeyCacheConfig;
  queueUrl: string;
  /** Rows written and enqueued per step of an upload; bounds the memory an upload holds. */
  chunkRows: number;
  /** Largest request body accepted, in bytes (API Gateway allows 10 MB, Lambda 6 MB). */
  maxBodyBytes: number;
  /**
   * IDEMPOTENCY_LEASE_SECONDS: how long an upload holds its Idempotency-Key before a retry may take
   * it over; above the ingest function's timeout (29 s), so that a live upload is never taken over.
   * IDEMPOTENCY_TTL_HOURS: how long a key is remembered.
   */
  idempotency: { leaseSeconds: number; ttlSeconds: number };
}

/** INGEST_CHUNK_ROWS: accepted rows written and enqueued together, on both upload paths. */
function ingestChunkRows(env: Env): number {
  return integer(env, 'INGEST_CHUNK_ROWS', 500, { min: 25, max: 10_000 });
}

export function ingestConfig(env: Env): IngestConfig {
  return {
    tableName: requireString(env, 'TABLE_NAME'),
    apiKeyCache: apiKeyCacheConfig(env),
    queueUrl: requireString(env, 'QUEUE_URL'),
    chunkRows: ingestChunkRows(env),
    maxBodyBytes: integer(env, 'MAX_UPLOAD_BYTES', 6 * 1024 * 1024, { min: 1024, max: 10 * 1024 * 1024 }),
    idempotency: {
      leaseSeconds: integer(env, 'IDEMPOTENCY_LEASE_SECONDS', 60, { min: 1, max: 3600 }),
      ttlSeconds: integer(env, 'IDEMPOTENCY_TTL_HOURS', 24, { min: 1, max: 24 * 30 }) * 3600,
    },
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
}

export function senderConfig(env: Env): SenderConfig {
  const replyTo = optionalString(env, 'REPLY_TO_ADDRESS');
  const configurationSet = optionalString(env, 'SES_CONFIGURATION_SET');
  const maxSendRate = env.MAX_SEND_RATE?.trim() ? positiveNumber(env, 'MAX_SEND_RATE', 1) : undefined;
  const retryBackoff = {
    baseSeconds: integer(env, 'RETRY_BACKOFF_SECONDS', 30, { min: 0, max: 43_200 }),
    // SQS allows a message to stay invisible 12 hours at most.
    maxSeconds: integer(env, 'RETRY_BACKOFF_MAX_SECONDS', SEND_QUEUE.visibilityTimeoutSeconds, {
      min: 1,
      max: 43_200,
    }),
  };
  const queueUrl = optionalString(env, 'QUEUE_URL');
  if (retryBackoff.baseSeconds > 0 && queueUrl === undefined) {
    throw new ConfigError(
      'environment variable QUEUE_URL is required when RETRY_BACKOFF_SECONDS is above 0 (the back-off changes message visibility)',
    );
  }
  return {
    tableName: requireString(env, 'TABLE_NAME'),
    fromAddress: requireString(env, 'SENDER_EMAIL'),
    ...(replyTo ? { replyTo } : {}),
    ...(configurationSet ? { configurationSet } : {}),
    leaseSeconds: integer(env, 'SEND_LEASE_SECONDS', 60, { min: 1, max: 900 }),
    maxReceiveCount: integer(env, 'MAX_RECEIVE_COUNT', SEND_QUEUE.maxReceiveCount, { min: 1, max: 1000 }),
    ...(maxSendRate === undefined ? {} : { maxSendRate }),
    defaultSendRate: positiveNumber(env, 'DEFAULT_SEND_RATE', 1),
    maxConcurrency: integer(env, 'SENDER_MAX_CONCURRENCY', 2, { min: 1, max: 1000 }),
    dryRun: boolean(env, 'DRY_RUN', false),
    retryBackoff,
    ...(queueUrl ? { queueUrl } : {}),
  };
}

/** Sends per second: a positive number (SES quotas such as 0.5 or 14 are both possible). */
function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1_000_000) {
    throw new ConfigError(`environment variable ${name} must be a number above 0, got "${raw}"`);
  }
  return value;
}

export interface SweeperConfig {
  tableName: string;
  queueUrl: string;
  /** A send still PENDING this long after its last change was never enqueued (a crash). */
  pendingAfterSeconds: number;
  /** A send QUEUED this long is presumed lost from the queue and enqueued again (harmless if not). */
  queuedAfterSeconds: number;
  /** Sends whose claims ran out this long ago without a redelivery are enqueued again. */
  sendingAfterSeconds: number;
  /** A send claimed this many times without success is given up as ERROR "retries exhausted". */
  maxAttempts: number;
  /** Sends handled per status per run, so that one run stays short. */
  maxPerRun: number;
}

export function sweeperConfig(env: Env): SweeperConfig {
  return {
    tableName: requireString(env, 'TABLE_NAME'),
    queueUrl: requireString(env, 'QUEUE_URL'),
    pendingAfterSeconds: integer(env, 'SWEEP_PENDING_AFTER_SECONDS', 300, { min: 1, max: 86_400 }),
    queuedAfterSeconds: integer(env, 'SWEEP_QUEUED_AFTER_SECONDS', 6 * 3600, { min: 1, max: 14 * 86_400 }),
    sendingAfterSeconds: integer(env, 'SWEEP_SENDING_AFTER_SECONDS', 900, { min: 1, max: 86_400 }),
    maxAttempts: integer(env, 'MAX_SEND_ATTEMPTS', 5, { min: 1, max: 100 }),
    maxPerRun: integer(env, 'SWEEP_MAX_PER_RUN', 5_000, { min: 1, max: 100_000 }),
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
  /** GRAPHQL_INTROSPECTION: introspection and "Did you mean" suggestions; on by default, off on AWS unless configured. */
  introspection: boolean;
}

/** Shorter secrets would make forged cursors a matter of guessing. */
const MIN_CURSOR_SECRET_LENGTH = 16;

export function queryConfig(env: Env): QueryConfig {
  const cursorSecret = optionalString(env, 'CURSOR_SECRET');
  if (cursorSecret !== undefined && cursorSecret.length < MIN_CURSOR_SECRET_LENGTH) {
    throw new ConfigError(
      `environment variable CURSOR_SECRET must be at least ${MIN_CURSOR_SECRET_LENGTH} characters long`,
    );
  }
  // Lambda's runtime always sets AWS_LAMBDA_FUNCTION_NAME; the local runner and tests do not.
  if (cursorSecret === undefined && optionalString(env, 'AWS_LAMBDA_FUNCTION_NAME') !== undefined) {
    throw new ConfigError(
      'environment variable CURSOR_SECRET is required on AWS Lambda (page cursors must be signed with a secret key)',
    );
  }
  const schemaPath = optionalString(env, 'GRAPHQL_SCHEMA_PATH');
  return {
    tableName: requireString(env, 'TABLE_NAME'),
    apiKeyCache: apiKeyCacheConfig(env),
    ...(cursorSecret ? { cursorSecret } : {}),
    ...(schemaPath ? { schemaPath } : {}),
    graphiqlEnabled: boolean(env, 'GRAPHIQL_ENABLED', true),
    introspection: boolean(env, 'GRAPHQL_INTROSPECTION', true),
  };
}

/**
 * Where the docs function finds its files (lambdas/contract/docs-files.ts): DOCS_ASSETS_DIR holds them
 * by their served names (the Lambda bundle); DOCS_NODE_MODULES_DIR is a node_modules directory holding
 * their packages (local mode), and wins when both are set.
 */
export type DocsConfig = { assetsDir: string } | { nodeModulesDir: string };

export function docsConfig(env: Env): DocsConfig {
  const nodeModulesDir = optionalString(env, 'DOCS_NODE_MODULES_DIR');
  if (nodeModulesDir !== undefined) return { nodeModulesDir };
  return { assetsDir: requireString(env, 'DOCS_ASSETS_DIR') };
}

/** S3 addressing: path-style for a local S3 stand-in, which has no bucket host names. */
export interface S3ClientConfig {
  forcePathStyle: boolean;
}

function s3ClientConfig(env: Env): S3ClientConfig {
  return { forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', false) };
}

/**
 * MAX_LARGE_UPLOAD_BYTES: the largest campaign file the large-file path takes (1 GiB by default). The
 * upload-url function signs it into the URL (S3 refuses any other length) and the S3 ingest refuses a
 * larger object; both read this one variable. 5 GiB is the most one S3 PUT can carry.
 */
function maxLargeUploadBytes(env: Env): number {
  return integer(env, 'MAX_LARGE_UPLOAD_BYTES', 1024 ** 3, { min: 1024, max: 5 * 1024 ** 3 });
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
  s3: S3ClientConfig;
}

export function uploadUrlConfig(env: Env): UploadUrlConfig {
  return {
    tableName: requireString(env, 'TABLE_NAME'),
    apiKeyCache: apiKeyCacheConfig(env),
    bucketName: requireString(env, 'UPLOAD_BUCKET'),
    urlSeconds: integer(env, 'UPLOAD_URL_SECONDS', 900, { min: 60, max: 3600 }),
    maxFileBytes: maxLargeUploadBytes(env),
    s3: s3ClientConfig(env),
  };
}

export interface S3IngestConfig {
  tableName: string;
  queueUrl: string;
  /** Rows written and enqueued per step, as for an upload through the API. */
  chunkRows: number;
  /** MAX_LARGE_UPLOAD_BYTES: a larger object is refused unread. */
  maxFileBytes: number;
  s3: S3ClientConfig;
}

export function s3IngestConfig(env: Env): S3IngestConfig {
  return {
    tableName: requireString(env, 'TABLE_NAME'),
    queueUrl: requireString(env, 'QUEUE_URL'),
    chunkRows: ingestChunkRows(env),
    maxFileBytes: maxLargeUploadBytes(env),
    s3: s3ClientConfig(env),
  };
}
