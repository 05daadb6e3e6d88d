import type { Node } from 'constructs';
import { minimumPacedSendRate, pacedBatchLimit } from '../lambdas/contract/pacing-budget.js';
import { SEND_QUEUE } from '../lambdas/contract/queue-settings.js';
import { SENDER_TIMEOUT_SECONDS } from '../lambdas/contract/sender-timing.js';
import { domainOf } from '../lambdas/contract/setting-kinds.js';
import { resolveSetting } from '../lambdas/contract/setting-sources.js';
import { SETTINGS, type Setting, type SettingValue } from '../lambdas/contract/settings.js';

/**
 * Deployment settings, read from CDK context (`cdk.json` or `-c key=value`) through the schema of
 * lambdas/contract/settings.ts, which also holds their ranges and defaults; the stack passes those the
 * functions read down under the schema's environment names. Values given with `-c` always arrive as
 * strings, values from `cdk.json` as JSON: the schema's reader accepts both.
 */
export interface MailerSettings {
  /** Names the stack (`CampaignMailer-<stage>`) and the queues, so stages can share an account. */
  readonly stage: string;
  /** The From address of every mail. */
  readonly senderEmail: string;
  /** SES identity that authorises the From address: the address itself or its domain. */
  readonly sesIdentities: readonly string[];
  readonly replyToAddress?: string;
  /** An existing SES configuration set to send with; unset: the stack creates one (ses-events.ts). */
  readonly sesConfigurationSet?: string;
  /** Publish SES's Open and Click events too (SES then adds an open pixel and rewrites links). */
  readonly sesOpenAndClickEvents: boolean;
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
  /** RETENTION_DAYS: how long sends, batches and the rows of a campaign are kept after its upload. */
  readonly retentionDays: number;
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
  readonly bounceRateAlarmPercent: number;
  readonly maxBounceRatePercent: number;
  readonly maxComplaintRatePercent: number;
  readonly complaintRateAlarmPercent: number;
  /** The API's public URL behind a custom domain, for unsubscribe links; unset: the HTTP API's endpoint. */
  readonly publicApiUrl?: string;
  /** A mailbox List-Unsubscribe names beside the HTTPS link (`mailto:`); unset: the link only. */
  readonly unsubscribeMailbox?: string;
}

export interface MailerConfig {
  readonly settings: MailerSettings;
  /** Present only when context names an account or region: without them the stack synthesises offline. */
  readonly env?: { account?: string; region?: string };
}

export class MailerConfigError extends Error {
  override readonly name = 'MailerConfigError';
}

/** A setting's value from context, by the schema's key, range and default (lambdas/contract/settings.ts). */
export function readContext<S extends Setting>(node: Node, setting: S): SettingValue<S> {
  const raw: unknown = setting.context === undefined ? undefined : node.tryGetContext(setting.context);
  const resolved = resolveSetting(setting, 'context', raw);
  if (!resolved.ok) throw new MailerConfigError(resolved.message);
  return resolved.value;
}

export function readMailerConfig(node: Node): MailerConfig {
  const senderEmail = readContext(node, SETTINGS.senderEmail);
  const sesIdentity = readContext(node, SETTINGS.sesIdentity);
  const replyToAddress = readContext(node, SETTINGS.replyToAddress);
  const sesConfigurationSet = readContext(node, SETTINGS.sesConfigurationSet);
  const alarmEmail = readContext(node, SETTINGS.alarmEmail);
  const account = readContext(node, SETTINGS.account);
  const region = readContext(node, SETTINGS.region);
  const senderMaxConcurrency = readContext(node, SETTINGS.senderMaxConcurrency);
  const maxSendRate = readContext(node, SETTINGS.maxSendRate);
  const publicApiUrl = readContext(node, SETTINGS.publicApiUrl);
  const unsubscribeMailbox = readContext(node, SETTINGS.unsubscribeMailbox);

  return {
    settings: {
      stage: readContext(node, SETTINGS.stage),
      senderEmail,
      // SES authorises a send against the address identity when that is verified and against its
      // domain otherwise; without an explicit identity either may be the one in use.
      sesIdentities: sesIdentity ? [sesIdentity] : [senderEmail, ...optional(domainOf(senderEmail))],
      ...(replyToAddress ? { replyToAddress } : {}),
      ...(sesConfigurationSet ? { sesConfigurationSet } : {}),
      sesOpenAndClickEvents: readContext(node, SETTINGS.sesOpenAndClickEvents),
      senderMaxConcurrency,
      ...(maxSendRate === undefined ? {} : { maxSendRate }),
      senderBatchSize: senderBatchSize(maxSendRate, senderMaxConcurrency),
      dryRun: readContext(node, SETTINGS.dryRun),
      graphqlIntrospection: readContext(node, SETTINGS.graphqlIntrospection),
      maxLargeUploadBytes: readContext(node, SETTINGS.maxLargeUploadBytes),
      retentionDays: readContext(node, SETTINGS.retentionDays),
      devStack: readContext(node, SETTINGS.devStack),
      apiThrottleRate: readContext(node, SETTINGS.apiThrottleRate),
      apiThrottleBurst: readContext(node, SETTINGS.apiThrottleBurst),
      corsOrigins: readContext(node, SETTINGS.corsOrigins),
      ...(alarmEmail ? { alarmEmail } : {}),
      maxQueueAgeMinutes: readContext(node, SETTINGS.maxQueueAgeMinutes),
      sesThrottleAlarmThreshold: readContext(node, SETTINGS.sesThrottleAlarmThreshold),
      failedEmailsAlarmPercent: readContext(node, SETTINGS.failedEmailsAlarmPercent),
      bounceRateAlarmPercent: readContext(node, SETTINGS.bounceRateAlarmPercent),
      maxBounceRatePercent: readContext(node, SETTINGS.maxBounceRatePercent),
      maxComplaintRatePercent: readContext(node, SETTINGS.maxComplaintRatePercent),
      complaintRateAlarmPercent: readContext(node, SETTINGS.complaintRateAlarmPercent),
      ...(publicApiUrl ? { publicApiUrl } : {}),
      ...(unsubscribeMailbox ? { unsubscribeMailbox } : {}),
    },
    ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
  };
}

const optional = <T>(value: T | undefined): T[] => (value === undefined ? [] : [value]);

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
    const rateKey = SETTINGS.maxSendRate.context;
    const concurrencyKey = SETTINGS.senderMaxConcurrency.context;
    const leastConcurrency = SETTINGS.senderMaxConcurrency.contextDiffers.kind.min;
    const lowerConcurrency =
      concurrency > leastConcurrency
        ? ` or lower ${concurrencyKey}`
        : ` (${concurrencyKey} is at its minimum, ${leastConcurrency})`;
    throw new MailerConfigError(
      `context ${rateKey} ${maxSendRate} is too low for ${concurrencyKey} ${concurrency}: ` +
        `each sender could call SES only once every ${intervalSeconds} s, longer than the ${SENDER_TIMEOUT_SECONDS} s sender timeout leaves for pacing; ` +
        `set ${rateKey} to at least ${minimumPacedSendRate({ concurrency, timeoutMs })}${lowerConcurrency}`,
    );
  }
  return Math.min(SEND_QUEUE.batchSize, limit);
}
