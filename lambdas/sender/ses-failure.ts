/**
 * What kind of failure an SES call ended in, which decides what happens to the send:
 * - transient: try again later (throttling, 5xx, network); the send stays retryable;
 * - permanent: this message can never be sent (rejected, invalid address); the send goes to ERROR;
 * - account: the account cannot send right now (paused, suspended, unverified sender); retry later
 *   and stop calling SES for the rest of the batch.
 */
export type SesFailureKind = 'transient' | 'permanent' | 'account';

export interface SesFailure {
  kind: SesFailureKind;
  code: string;
  message: string;
}

const THROTTLING_CODES = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'Throttling',
  'ThrottlingException',
]);
const TRANSIENT_CODES = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'Throttling',
  'ThrottlingException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'TimeoutError',
]);
const ACCOUNT_CODES = new Set([
  'AccountSuspendedException',
  'SendingPausedException',
  'MailFromDomainNotVerifiedException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

export function classifySesFailure(error: unknown): SesFailure {
  if (!(error instanceof Error)) return { kind: 'transient', code: 'Unknown', message: String(error) };
  const details = error as Error & {
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const code = error.name && error.name !== 'Error' ? error.name : (details.code ?? 'Unknown');
  const message = error.message;
  const status = details.$metadata?.httpStatusCode;
  if (TRANSIENT_CODES.has(code) || /maximum sending rate exceeded/i.test(message))
    return { kind: 'transient', code, message };
  // Decided by code, not message: SES says "not verified" both for an unverified recipient in the
  // sandbox (MessageRejected: permanent for that address) and for an unverified sender identity.
  if (ACCOUNT_CODES.has(code)) return { kind: 'account', code, message };
  if (details.code !== undefined && NETWORK_CODES.has(details.code))
    return { kind: 'transient', code: details.code, message };
  // 429 (and 408) are "come back later" whatever the error's name; the SDK marks throttling $retryable.
  if (status === 429 || status === 408 || details.$retryable) return { kind: 'transient', code, message };
  if (status !== undefined && status >= 500) return { kind: 'transient', code, message };
  if (status !== undefined && status >= 400) return { kind: 'permanent', code, message };
  // No HTTP answer at all: the request never reached SES, so trying again is safe.
  return { kind: 'transient', code, message };
}

/** SES said "slow down" (as opposed to any other transient failure). */
export function isThrottling(failure: SesFailure): boolean {
  return THROTTLING_CODES.has(failure.code) || /maximum sending rate exceeded/i.test(failure.message);
}
