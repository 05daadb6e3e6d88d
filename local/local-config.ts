import { type Env, integer, optionalString } from '../lambdas/core/config/env.js';

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
  sweepIntervalSeconds: number;
  sweepPendingAfterSeconds: number;
  sweepQueuedAfterSeconds: number;
  sweepSendingAfterSeconds: number;
}

export function localConfig(env: Env): LocalConfig {
  const dynamodb = optionalString(env, 'AWS_ENDPOINT_URL_DYNAMODB');
  const sqs = optionalString(env, 'AWS_ENDPOINT_URL_SQS');
  const sesv2 = optionalString(env, 'AWS_ENDPOINT_URL_SESV2');
  const apiKey = optionalString(env, 'LOCAL_API_KEY');
  return {
    port: integer(env, 'PORT', 3000, { min: 0, max: 65_535 }),
    host: optionalString(env, 'HOST') ?? '127.0.0.1',
    dataDir: optionalString(env, 'LOCAL_DATA_DIR') ?? '.local',
    sesPort: integer(env, 'LOCAL_SES_PORT', 8005, { min: 0, max: 65_535 }),
    external: { ...(dynamodb ? { dynamodb } : {}), ...(sqs ? { sqs } : {}), ...(sesv2 ? { sesv2 } : {}) },
    senderEmail: optionalString(env, 'SENDER_EMAIL') ?? 'campaigns@example.com',
    tableName: optionalString(env, 'TABLE_NAME') ?? 'EmailSends',
    ...(apiKey ? { apiKey } : {}),
    senderConcurrency: integer(env, 'LOCAL_SENDER_CONCURRENCY', 4, { min: 1, max: 64 }),
    defaultSendRate: integer(env, 'DEFAULT_SEND_RATE', 1000, { min: 1, max: 1_000_000 }),
    visibilityTimeoutSeconds: integer(env, 'LOCAL_VISIBILITY_TIMEOUT_SECONDS', 30, { min: 1, max: 43_200 }),
    leaseSeconds: integer(env, 'SEND_LEASE_SECONDS', 10, { min: 1, max: 900 }),
    sweepIntervalSeconds: integer(env, 'LOCAL_SWEEP_INTERVAL_SECONDS', 5, { min: 1, max: 3_600 }),
    sweepPendingAfterSeconds: integer(env, 'SWEEP_PENDING_AFTER_SECONDS', 15, { min: 1, max: 86_400 }),
    sweepQueuedAfterSeconds: integer(env, 'SWEEP_QUEUED_AFTER_SECONDS', 300, { min: 1, max: 86_400 }),
    sweepSendingAfterSeconds: integer(env, 'SWEEP_SENDING_AFTER_SECONDS', 5, { min: 1, max: 86_400 }),
  };
}
