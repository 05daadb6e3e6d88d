import type { Node } from 'constructs';

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
  /** A throw-away stack: its table is deleted with it instead of being kept. */
  readonly devStack: boolean;
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
  devStack: 'devStack',
  account: 'account',
  region: 'region',
} as const;

export const DEFAULT_SENDER_MAX_CONCURRENCY = 2;

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
  const account = optionalString(node, CONTEXT_KEYS.account);
  const region = optionalString(node, CONTEXT_KEYS.region);

  return {
    settings: {
      stage,
      senderEmail,
      // SES authorises a send against the address identity when that is verified and against its
      // domain otherwise; without an explicit identity either may be the one in use.
      sesIdentities: sesIdentity ? [sesIdentity] : [senderEmail, senderDomain],
      ...(replyToAddress ? { replyToAddress } : {}),
      ...(sesConfigurationSet ? { sesConfigurationSet } : {}),
      // Lambda's SQS scaling accepts 2 to 1000 concurrent invocations.
      senderMaxConcurrency: integer(node, CONTEXT_KEYS.senderMaxConcurrency, DEFAULT_SENDER_MAX_CONCURRENCY, {
        min: 2,
        max: 1000,
      }),
      devStack: boolean(node, CONTEXT_KEYS.devStack, false),
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

function boolean(node: Node, key: string, fallback: boolean): boolean {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new MailerConfigError(`context ${key} must be true or false, got ${JSON.stringify(raw)}`);
}
