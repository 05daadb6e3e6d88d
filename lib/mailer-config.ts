import type { Node } from 'constructs';
import { minimumPacedSendRate, pacedBatchLimit } from '../lambdas/contract/pacing-budget.js';
import { SEND_QUEUE } from '../lambdas/contract/queue-settings.js';
import { SENDER_TIMEOUT_SECONDS } from '../lambdas/contract/sender-timing.js';

/**
 * Deployment settings, read from CDK context (`cdk.json` or `-c key=value`). Values given with `-c`
 * always arrive as strings, values from `cdk.json` as JSON, so every reader accepts both.
 */
export interface MailerSettings {
  /** Names the stack (`CampaignMailer-<stage>`) and the queues, so stages can share an account. */
  readonly stage: string;
  /** The From address of every mail. */
  readonly senderEmail: string;
  /** SES identity that authorises the From address: the address itself or its domain. */
  readonly sesIdentities: readonly string[];
  readonly replyToAddress?: string;
  readonly sesConfigurationSet?: string;
  /** Sender invocations running at once; the only brake between the queue and the SES send rate. */
  readonly senderMaxConcurrency: number;
  /** Sends per second across all senders (MAX_SEND_RATE); unset: the account's SES quota, read at run time. */
  readonly maxSendRate?: number;
  /**
   * Messages per sender invocation (the event source's batch size): SEND_QUEUE.batchSize, or fewer
   * when maxSendRate is so low that pacing a full batch would run into the sender's timeout.
   */
  readonly senderBatchSize: number;
  /** DRY_RUN: every send is marked SENT (dryRun) without calling SES. */
  readonly dryRun: boolean;
  /** GRAPHQL_INTROSPECTION: schema introspection and field suggestions on the deployed API. */
  readonly graphqlIntrospection: boolean;
  /** MAX_LARGE_UPLOAD_BYTES: the largest file POST /campaigns/uploads hands out an upload URL for. */
  readonly maxLargeUploadBytes: number;
  /** A throw-away stack: its table is deleted with it and has no deletion protection. */
  readonly devStack: boolean;
  /** Steady-state requests per second the HTTP API's default stage accepts before answering 429. */
  readonly apiThrottleRate: number;
  /** Requests the default stage accepts in a burst above the steady rate. */
  readonly apiThrottleBurst: number;
  /** Browser origins allowed to call the API; empty means no CORS configuration at all. */
  readonly corsOrigins: readonly string[];
  /** Where alarm notifications are mailed; without it the alarms exist but notify nobody. */
  readonly alarmEmail?: string;
  /** The oldest message on the send queue may wait this long before the backlog alarm fires. */
  readonly maxQueueAgeMinutes: number;
  /** SES throttling answers within five minutes above which the sender is outrunning the SES rate. */
  readonly sesThrottleAlarmThreshold: number;
  /** Share of finished sends (SENT + ERROR) in 15 minutes, in percent, that may fail before alarming. */
  readonly failedEmailsAlarmPercent: number;
}

export interface MailerConfig {
  readonly settings: MailerSettings;
  /** Present only when context names an account or region: without them the stack synthesises offline. */
  readonly env?: { account?: string; region?: string };
}

export class MailerConfigError extends Error {
  override readonly name = 'MailerConfigError';
}

export const CONTEXT_KEYS = {
  stage: 'stage',
  senderEmail: 'senderEmail',
  sesIdentity: 'sesIdentity',
  replyToAddress: 'replyToAddress',
  sesConfigurationSet: 'sesConfigurationSet',
  senderMaxConcurrency: 'senderMaxConcurrency',
  maxSendRate: 'maxSendRate',
  dryRun: 'dryRun',
  graphqlIntrospection: 'graphqlIntrospection',
  maxLargeUploadBytes: 'maxLargeUploadBytes',
  devStack: 'devStack',
  apiThrottleRate: 'apiThrottleRate',
  apiThrottleBurst: 'apiThrottleBurst',
  corsOrigins: 'corsOrigins',
  alarmEmail: 'alarmEmail',
  maxQueueAgeMinutes: 'maxQueueAgeMinutes',
  sesThrottleAlarmThreshold: 'sesThrottleAlarmThreshold',
  failedEmailsAlarmPercent: 'failedEmailsAlarmPercent',
  account: 'account',
  region: 'region',
} as const;

export const DEFAULT_SENDER_MAX_CONCURRENCY = 2;
export const DEFAULT_API_THROTTLE_RATE = 50;
export const DEFAULT_API_THROTTLE_BURST = 100;
export const DEFAULT_MAX_QUEUE_AGE_MINUTES = 30;
export const DEFAULT_SES_THROTTLE_ALARM_THRESHOLD = 100;
export const DEFAULT_FAILED_EMAILS_ALARM_PERCENT = 5;
export const DEFAULT_MAX_LARGE_UPLOAD_BYTES = 1024 ** 3;

// Queue names allow letters, digits, '-' and '_' up to 80 characters and take the stage as a suffix.
const STAGE_PATTERN = /^[A-Za-z0-9-]{1,32}$/;
const ADDRESS_PATTERN = /^[^\s@]+@([^\s@]+\.[^\s@]+)$/;
const DOMAIN_PATTERN = /^[^\s@]+\.[^\s@]+$/;

export function readMailerConfig(node: Node): MailerConfig {
  const stage = optionalString(node, CONTEXT_KEYS.stage) ?? 'dev';
  if (!STAGE_PATTERN.test(stage)) {
    throw new MailerConfigError(`context ${CONTEXT_KEYS.stage} must match ${STAGE_PATTERN}, got "${stage}"`);
  }
  const senderEmail = requireString(node, CONTEXT_KEYS.senderEmail);
  const senderDomain = ADDRESS_PATTERN.exec(senderEmail)?.[1];
  if (!senderDomain) {
    throw new MailerConfigError(
      `context ${CONTEXT_KEYS.senderEmail} must be an email address, got "${senderEmail}"`,
    );
  }
  const sesIdentity = optionalString(node, CONTEXT_KEYS.sesIdentity);
  if (sesIdentity !== undefined && !ADDRESS_PATTERN.test(sesIdentity) && !DOMAIN_PATTERN.test(sesIdentity)) {
    throw new MailerConfigError(
      `context ${CONTEXT_KEYS.sesIdentity} must be an email address or a domain, got "${sesIdentity}"`,
    );
  }
  const replyToAddress = optionalString(node, CONTEXT_KEYS.replyToAddress);
  const sesConfigurationSet = optionalString(node, CONTEXT_KEYS.sesConfigurationSet);
  const alarmEmail = optionalString(node, CONTEXT_KEYS.alarmEmail);
  if (alarmEmail !== undefined && !ADDRESS_PATTERN.test(alarmEmail)) {
    throw new MailerConfigError(
      `context ${CONTEXT_KEYS.alarmEmail} must be an email address, got "${alarmEmail}"`,
    );
  }
  const account = optionalString(node, CONTEXT_KEYS.account);
  const region = optionalString(node, CONTEXT_KEYS.region);
  // Lambda's SQS scaling accepts 2 to 1000 concurrent invocations.
  const senderMaxConcurrency = integer(
    node,
    CONTEXT_KEYS.senderMaxConcurrency,
    DEFAULT_SENDER_MAX_CONCURRENCY,
    { min: 2, max: 1000 },
  );
  // The sender's own reading of MAX_SEND_RATE accepts the same range: a value synthesised is one it starts with.
  const maxSendRate = positiveNumber(node, CONTEXT_KEYS.maxSendRate, { max: 1_000_000 });

  return {
    settings: {
      stage,
      senderEmail,
      // SES authorises a send against the address identity when that is verified and against its
      // domain otherwise; without an explicit identity either may be the one in use.
      sesIdentities: sesIdentity ? [sesIdentity] : [senderEmail, senderDomain],
      ...(replyToAddress ? { replyToAddress } : {}),
      ...(sesConfigurationSet ? { sesConfigurationSet } : {}),
      senderMaxConcurrency,
      ...(maxSendRate === undefined ? {} : { maxSendRate }),
      senderBatchSize: senderBatchSize(maxSendRate, senderMaxConcurrency),
      dryRun: boolean(node, CONTEXT_KEYS.dryRun, false),
      graphqlIntrospection: boolean(node, CONTEXT_KEYS.graphqlIntrospection, false),
      // The functions' own reading of MAX_LARGE_UPLOAD_BYTES accepts the same range; 5 GiB is one S3 PUT's most.
      maxLargeUploadBytes: integer(node, CONTEXT_KEYS.maxLargeUploadBytes, DEFAULT_MAX_LARGE_UPLOAD_BYTES, {
        min: 1024,
        max: 5 * 1024 ** 3,
      }),
      devStack: boolean(node, CONTEXT_KEYS.devStack, false),
      // API Gateway's account-wide default is 10,000 requests/s with a 5,000 burst.
      apiThrottleRate: integer(node, CONTEXT_KEYS.apiThrottleRate, DEFAULT_API_THROTTLE_RATE, {
        min: 1,
        max: 10_000,
      }),
      apiThrottleBurst: integer(node, CONTEXT_KEYS.apiThrottleBurst, DEFAULT_API_THROTTLE_BURST, {
        min: 1,
        max: 5_000,
      }),
      corsOrigins: corsOrigins(node, CONTEXT_KEYS.corsOrigins),
      ...(alarmEmail ? { alarmEmail } : {}),
      // A message older than the queue's retention is gone, so a longer threshold could never fire.
      maxQueueAgeMinutes: integer(node, CONTEXT_KEYS.maxQueueAgeMinutes, DEFAULT_MAX_QUEUE_AGE_MINUTES, {
        min: 1,
        max: SEND_QUEUE.retentionSeconds / 60,
      }),
      sesThrottleAlarmThreshold: integer(
        node,
        CONTEXT_KEYS.sesThrottleAlarmThreshold,
        DEFAULT_SES_THROTTLE_ALARM_THRESHOLD,
        { min: 1, max: 1_000_000 },
      ),
      failedEmailsAlarmPercent: integer(
        node,
        CONTEXT_KEYS.failedEmailsAlarmPercent,
        DEFAULT_FAILED_EMAILS_ALARM_PERCENT,
        { min: 1, max: 100 },
      ),
    },
    ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
  };
}

function optionalString(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    throw new MailerConfigError(`context ${key} must be a string, got ${JSON.stringify(raw)}`);
  }
  const value = String(raw).trim();
  return value === '' ? undefined : value;
}

function requireString(node: Node, key: string): string {
  const value = optionalString(node, key);
  if (value === undefined) throw new MailerConfigError(`context ${key} is required but not set`);
  return value;
}

function integer(node: Node, key: string, fallback: number, range: { min: number; max: number }): number {
  const raw = optionalString(node, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new MailerConfigError(
      `context ${key} must be an integer from ${range.min} to ${range.max}, got "${raw}"`,
    );
  }
  return value;
}

/**
 * A number above 0 up to `range.max`; fractions are allowed (a send rate of 0.5 per second is one).
 * Undefined when unset.
 */
function positiveNumber(node: Node, key: string, range: { max: number }): number | undefined {
  const raw = optionalString(node, key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > range.max) {
    throw new MailerConfigError(
      `context ${key} must be a number above 0 and at most ${range.max}, got "${raw}"`,
    );
  }
  return value;
}

/**
 * The sender's batch size for a configured send rate. Each sender paces its SES calls one interval of
 * senderMaxConcurrency / maxSendRate seconds apart, so a batch takes that many intervals; a batch that
 * cannot be paced within the sender's timeout (less what its last send needs) would be cut off by the
 * timeout and come back again and again until the dead-letter queue. The batch is therefore made as
 * small as the rate requires, and a rate at which not even one send fits is refused. Without a
 * configured rate the account's quota is only known at run time, where the sender stops pacing
 * before its deadline instead (lambdas/contract/pacing-budget.ts).
 */
function senderBatchSize(maxSendRate: number | undefined, concurrency: number): number {
  if (maxSendRate === undefined) return SEND_QUEUE.batchSize;
  const timeoutMs = SENDER_TIMEOUT_SECONDS * 1000;
  const limit = pacedBatchLimit({ rate: maxSendRate, concurrency, timeoutMs });
  if (limit < 1) {
    const intervalSeconds = Math.round((10 * concurrency) / maxSendRate) / 10;
    const lowerConcurrency =
      concurrency > 2
        ? ` or lower ${CONTEXT_KEYS.senderMaxConcurrency}`
        : ` (${CONTEXT_KEYS.senderMaxConcurrency} is at its minimum, 2)`;
    throw new MailerConfigError(
      `context ${CONTEXT_KEYS.maxSendRate} ${maxSendRate} is too low for ${CONTEXT_KEYS.senderMaxConcurrency} ${concurrency}: ` +
        `each sender could call SES only once every ${intervalSeconds} s, longer than the ${SENDER_TIMEOUT_SECONDS} s sender timeout leaves for pacing; ` +
        `set ${CONTEXT_KEYS.maxSendRate} to at least ${minimumPacedSendRate({ concurrency, timeoutMs })}${lowerConcurrency}`,
    );
  }
  return Math.min(SEND_QUEUE.batchSize, limit);
}

function boolean(node: Node, key: string, fallback: boolean): boolean {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new MailerConfigError(`context ${key} must be true or false, got ${JSON.stringify(raw)}`);
}

/**
 * Origins from `cdk.json` (a JSON array) or from `-c corsOrigins=...` (a comma-separated list, or the
 * same JSON array as a string). Each must be a bare origin: scheme, host and optional port. A
 * wildcard is refused, since the point of the setting is to name who may call the API from a browser.
 */
function corsOrigins(node: Node, key: string): string[] {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null) return [];
  let items: unknown;
  if (Array.isArray(raw)) {
    items = raw;
  } else if (typeof raw === 'string' && raw.trim().startsWith('[')) {
    try {
      items = JSON.parse(raw);
    } catch {
      throw new MailerConfigError(`context ${key} is not a valid JSON array: ${raw}`);
    }
  } else if (typeof raw === 'string') {
    items = raw.split(',');
  } else {
    throw new MailerConfigError(`context ${key} must be a list of origins, got ${JSON.stringify(raw)}`);
  }
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
    throw new MailerConfigError(`context ${key} must be a list of origins, got ${JSON.stringify(raw)}`);
  }
  const origins = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  for (const origin of origins) {
    if (!isBareOrigin(origin)) {
      throw new MailerConfigError(
        `context ${key}: "${origin}" is not an origin such as https://app.example.com (no path, no wildcard)`,
      );
    }
  }
  return [...new Set(origins)];
}

function isBareOrigin(value: string): boolean {
  if (value.includes('*')) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
}
