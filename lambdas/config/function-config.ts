import { SEND_QUEUE } from '../queue/queue-settings.js';
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
}

export function ingestConfig(env: Env): IngestConfig {
  return {
    tableName: requireString(env, 'TABLE_NAME'),
    apiKeyCache: apiKeyCacheConfig(env),
    queueUrl: requireString(env, 'QUEUE_URL'),
    chunkRows: integer(env, 'INGEST_CHUNK_ROWS', 500, { min: 25, max: 10_000 }),
    maxBodyBytes: integer(env, 'MAX_UPLOAD_BYTES', 6 * 1024 * 1024, { min: 1024, max: 10 * 1024 * 1024 }),
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
}

export function senderConfig(env: Env): SenderConfig {
  const replyTo = optionalString(env, 'REPLY_TO_ADDRESS');
  const configurationSet = optionalString(env, 'SES_CONFIGURATION_SET');
  return {
    tableName: requireString(env, 'TABLE_NAME'),
    fromAddress: requireString(env, 'SENDER_EMAIL'),
    ...(replyTo ? { replyTo } : {}),
    ...(configurationSet ? { configurationSet } : {}),
    leaseSeconds: integer(env, 'SEND_LEASE_SECONDS', 60, { min: 1, max: 900 }),
    maxReceiveCount: integer(env, 'MAX_RECEIVE_COUNT', SEND_QUEUE.maxReceiveCount, { min: 1, max: 1000 }),
  };
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
  /** Key that signs page cursors; without it cursors are signed with a key derived from the table name. */
  cursorSecret?: string;
  /** Where the GraphQL schema text is; the repository's file when unset. */
  schemaPath?: string;
  graphiqlEnabled: boolean;
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
  const schemaPath = optionalString(env, 'GRAPHQL_SCHEMA_PATH');
  return {
    tableName: requireString(env, 'TABLE_NAME'),
    apiKeyCache: apiKeyCacheConfig(env),
    ...(cursorSecret ? { cursorSecret } : {}),
    ...(schemaPath ? { schemaPath } : {}),
    graphiqlEnabled: boolean(env, 'GRAPHIQL_ENABLED', true),
  };
}
