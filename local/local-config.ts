import type { KindValue } from '../lambdas/contract/setting-kinds.js';
import { SETTINGS, type Setting } from '../lambdas/contract/settings.js';
import { type Env, readEnv } from '../lambdas/core/config/env.js';

/** Settings of `npm start`, from the environment, with defaults that work out of the box. */
export interface LocalConfig {
  port: number;
  host: string;
  dataDir: string;
  sesPort: number;
  /** External endpoints replacing an embedded emulator. */
  external: { dynamodb?: string; sqs?: string; sesv2?: string };
  senderEmail: string;
  tableName: string;
  /** The development key to use instead of a fresh one (LOCAL_API_KEY). */
  apiKey?: string;
  /** Sender invocations in flight at once (the event source's maximum concurrency). */
  senderConcurrency: number;
  /**
   * DEFAULT_SEND_RATE: sends per second while SES GetAccount fails, which the SES emulator does unless
   * AWS_SES_ACCOUNT is set. High by default: the emulator has no quota, the CPU is the limit here.
   * MAX_SEND_RATE and DRY_RUN reach the sender unchanged, as on AWS.
   */
  defaultSendRate: number;
  visibilityTimeoutSeconds: number;
  leaseSeconds: number;
  /** Writer invocations in flight at once (files written side by side). */
  writerConcurrency: number;
  sweepIntervalSeconds: number;
  /**
   * SWEEP_STALLED_AFTER_SECONDS: short, so that the counters of a quiet batch whose last changes went
   * uncounted are reconciled, and the batch shown finished, within seconds.
   */
  sweepStalledAfterSeconds: number;
  /** API_KEY_CACHE_SECONDS: 0 by default, so that a revocation holds at once. */
  apiKeyCacheSeconds: number;
  /** GRAPHQL_SCHEMA_PATH, when the schema is not the repository's file. */
  graphqlSchemaPath?: string;
  /** Browser origins the local API answers CORS requests for, as `corsOrigins` on AWS; none: no CORS. */
  corsOrigins: readonly string[];
  /** UNSUBSCRIBE_SECRET when chosen; otherwise the runner makes one and keeps it in `dataDir`. */
  unsubscribeSecret?: string;
  /** UNSUBSCRIBE_BASE_URL when chosen; otherwise the runner's own API URL. */
  unsubscribeBaseUrl?: string;
}

const port = (env: string, fallback: number, description: string) =>
  ({ env, kind: { type: 'integer', min: 0, max: 65_535 }, default: fallback, description }) as const;
const endpoint = (env: string) =>
  ({
    env,
    kind: { type: 'string' },
    description: 'use this external endpoint instead of the embedded emulator (never a real AWS endpoint)',
  }) as const;

/** What only the local runner reads, declared like the schema's settings and read by the same parsers. */
export const LOCAL_SETTINGS = {
  port: port('PORT', 3000, 'where the HTTP API listens (0 picks a free port)'),
  host: {
    env: 'HOST',
    kind: { type: 'string' },
    default: '127.0.0.1',
    description: 'the address it listens on',
  },
  dataDir: {
    env: 'LOCAL_DATA_DIR',
    kind: { type: 'string' },
    default: '.local',
    description: 'where the embedded DynamoDB and S3 keep their data',
  },
  sesPort: port('LOCAL_SES_PORT', 8005, 'the SES emulator and its mail viewer'),
  dynamodbEndpoint: endpoint('AWS_ENDPOINT_URL_DYNAMODB'),
  sqsEndpoint: endpoint('AWS_ENDPOINT_URL_SQS'),
  sesv2Endpoint: endpoint('AWS_ENDPOINT_URL_SESV2'),
  apiKey: {
    env: 'LOCAL_API_KEY',
    kind: { type: 'string' },
    description: 'the development key (every scope)',
  },
  senderConcurrency: {
    env: 'LOCAL_SENDER_CONCURRENCY',
    kind: { type: 'integer', min: 1, max: 64 },
    default: 4,
    description: "sender invocations in flight, as the event source's maximum concurrency",
  },
  writerConcurrency: {
    env: 'LOCAL_WRITER_CONCURRENCY',
    kind: { type: 'integer', min: 1, max: 16 },
    default: 2,
    description:
      "writer invocations in flight (files written side by side), as the event source's maximum concurrency",
  },
  visibilityTimeoutSeconds: {
    env: 'LOCAL_VISIBILITY_TIMEOUT_SECONDS',
    kind: { type: 'integer', min: 1, max: 43_200 },
    default: 30,
    description: 'visibility timeout of the local send and write queues',
  },
  corsOrigins: {
    env: 'LOCAL_CORS_ORIGINS',
    kind: { type: 'origins' },
    default: [],
    description: "browser origins allowed to call the local API, as the stack's `corsOrigins`; none: no CORS",
  },
  sweepIntervalSeconds: {
    env: 'LOCAL_SWEEP_INTERVAL_SECONDS',
    kind: { type: 'integer', min: 1, max: 3_600 },
    default: 5,
    description: 'how often the sweeper runs',
  },
} as const satisfies Record<string, Setting>;

/**
 * The functions' settings the runner passes down with defaults of its own, in the schema's range: short
 * lease and stall time so that a stuck send or batch is picked up within seconds, and a send rate the SES emulator
 * (which has no quota) never holds back.
 */
export const LOCAL_DEFAULTS = {
  senderEmail: 'campaigns@example.com',
  // Named for the data model (docs/data-model.md): a .local/ of the model before keeps its table apart.
  tableName: 'EmailSendsV2',
  defaultSendRate: 1000,
  sendLeaseSeconds: 10,
  sweepStalledAfterSeconds: 15,
  // Reads cost nothing here, and a developer trying `apikey revoke` expects it to hold at once.
  apiKeyCacheSeconds: 0,
} as const satisfies { [N in keyof typeof SETTINGS]?: KindValue<(typeof SETTINGS)[N]['kind']> };

export function localConfig(env: Env): LocalConfig {
  const dynamodb = readEnv(env, LOCAL_SETTINGS.dynamodbEndpoint);
  const sqs = readEnv(env, LOCAL_SETTINGS.sqsEndpoint);
  const sesv2 = readEnv(env, LOCAL_SETTINGS.sesv2Endpoint);
  const apiKey = readEnv(env, LOCAL_SETTINGS.apiKey);
  const graphqlSchemaPath = readEnv(env, SETTINGS.graphqlSchemaPath);
  const unsubscribeSecret = readEnv(env, SETTINGS.unsubscribeSecret);
  const unsubscribeBaseUrl = readEnv(env, SETTINGS.unsubscribeBaseUrl);
  return {
    port: readEnv(env, LOCAL_SETTINGS.port),
    host: readEnv(env, LOCAL_SETTINGS.host),
    dataDir: readEnv(env, LOCAL_SETTINGS.dataDir),
    sesPort: readEnv(env, LOCAL_SETTINGS.sesPort),
    external: { ...(dynamodb ? { dynamodb } : {}), ...(sqs ? { sqs } : {}), ...(sesv2 ? { sesv2 } : {}) },
    senderEmail: readEnv(env, SETTINGS.senderEmail, { default: LOCAL_DEFAULTS.senderEmail }),
    tableName: readEnv(env, SETTINGS.tableName, { default: LOCAL_DEFAULTS.tableName }),
    ...(apiKey ? { apiKey } : {}),
    senderConcurrency: readEnv(env, LOCAL_SETTINGS.senderConcurrency),
    writerConcurrency: readEnv(env, LOCAL_SETTINGS.writerConcurrency),
    defaultSendRate: readEnv(env, SETTINGS.defaultSendRate, { default: LOCAL_DEFAULTS.defaultSendRate }),
    visibilityTimeoutSeconds: readEnv(env, LOCAL_SETTINGS.visibilityTimeoutSeconds),
    leaseSeconds: readEnv(env, SETTINGS.sendLeaseSeconds, { default: LOCAL_DEFAULTS.sendLeaseSeconds }),
    sweepIntervalSeconds: readEnv(env, LOCAL_SETTINGS.sweepIntervalSeconds),
    sweepStalledAfterSeconds: readEnv(env, SETTINGS.sweepStalledAfterSeconds, {
      default: LOCAL_DEFAULTS.sweepStalledAfterSeconds,
    }),
    apiKeyCacheSeconds: readEnv(env, SETTINGS.apiKeyCacheSeconds, {
      default: LOCAL_DEFAULTS.apiKeyCacheSeconds,
    }),
    ...(graphqlSchemaPath ? { graphqlSchemaPath } : {}),
    corsOrigins: readEnv(env, LOCAL_SETTINGS.corsOrigins),
    ...(unsubscribeSecret ? { unsubscribeSecret } : {}),
    ...(unsubscribeBaseUrl ? { unsubscribeBaseUrl } : {}),
  };
}
