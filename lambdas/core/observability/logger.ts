import { Logger } from '@aws-lambda-powertools/logger';
import { maskEmail } from '../domain/email-address.js';

/** Attributes that hold a secret whatever their value looks like (LOCAL_API_KEY may be any text). */
const SECRET_KEYS = new Set(['x-api-key', 'apikey', 'api_key', 'authorization', 'cookie', 'set-cookie']);
/** A key as generateApiKey makes them (`cmk_` and 43 base64url characters), wherever it appears. */
const API_KEY = /\bcmk_[A-Za-z0-9_-]{20,}/g;
/** Roughly an address: enough to catch one inside an error message (SES names refused recipients). */
const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

export const REDACTED = '[redacted]';

/**
 * What becomes of each value as a log line is written: attributes named like secrets are replaced,
 * API keys and addresses inside any text are redacted and masked (maskEmail). The last guard behind
 * "never log a key or an address": a log line also carries what others wrote (an SDK's or SES's error
 * message, an event), which no call site can vet.
 */
export function redactForLog(key: string, value: unknown): unknown {
  if (SECRET_KEYS.has(key.toLowerCase()) && value !== undefined && value !== null) return REDACTED;
  // An Error is turned into an object after this (Powertools' formatError): its message and stack
  // come back here as strings.
  if (typeof value === 'string') return redactText(value);
  return value;
}

function redactText(text: string): string {
  if (!text.includes('@') && !text.includes('cmk_')) return text;
  return text.replace(API_KEY, `cmk_${REDACTED}`).replace(EMAIL, (address) => maskEmail(address));
}

/** One structured JSON logger per container; every line goes through redactForLog. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'campaign-mailer',
  jsonReplacerFn: redactForLog,
});
