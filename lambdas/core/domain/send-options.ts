import { parseInstantSpan } from './iso-instant.js';

/**
 * How an upload asks its batch to be sent (issue 15): when, how fast, before whom. Read from a form
 * field or a query parameter of the upload, or the JSON body of a large upload's request, with the
 * same rules everywhere.
 */
export interface SendOptions {
  /** When the batch starts (ISO-8601 UTC); none: at once. */
  sendAt?: string;
  /** Sends per second the batch never exceeds; none: the account's rate. */
  maxRate?: number;
  priority: 'high' | 'normal';
}

/** A schedule reaches at most this far ahead. */
export const MAX_SCHEDULE_DAYS = 90;
const DAY_MS = 86_400_000;
/** The highest per-batch pace accepted: far above any SES account's rate, so never a silent cap. */
export const MAX_BATCH_RATE = 10_000;
export const PRIORITIES = ['high', 'normal'] as const;

/** A send option that cannot be taken: the field it came in and why, in the words of a 400. */
export class SendOptionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SendOptionError';
  }
}

/**
 * A `sendAt` value: an ISO-8601 date-time with its zone (`2026-12-24T09:00:00+01:00`), in the future and
 * at most MAX_SCHEDULE_DAYS ahead of `now`. Returns the instant as toISOString writes it.
 */
export function sendAtOf(text: string, now: Date, field = 'sendAt'): string {
  const trimmed = text.trim();
  const span = /T/i.test(trimmed) ? parseInstantSpan(trimmed) : undefined;
  if (span === undefined) {
    throw new SendOptionError(
      field,
      `${field} must be an ISO-8601 date-time with its zone, such as 2026-12-24T09:00:00Z or 2026-12-24T10:00:00+01:00; got "${trimmed.slice(0, 60)}"`,
    );
  }
  const at = span.first;
  if (at.getTime() <= now.getTime()) {
    throw new SendOptionError(
      field,
      `${field} ${at.toISOString()} is not in the future (it is ${now.toISOString()} now); leave it out to send at once`,
    );
  }
  if (at.getTime() > now.getTime() + MAX_SCHEDULE_DAYS * DAY_MS) {
    throw new SendOptionError(
      field,
      `${field} ${at.toISOString()} is more than ${MAX_SCHEDULE_DAYS} days ahead`,
    );
  }
  return at.toISOString();
}

/** A `maxRate` value: sends per second, a number above 0 and at most MAX_BATCH_RATE. */
export function maxRateOf(text: string, field = 'maxRate'): number {
  const trimmed = text.trim();
  const rate = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(rate > 0) || rate > MAX_BATCH_RATE) {
    throw new SendOptionError(
      field,
      `${field} must be a number of sends per second above 0 and at most ${MAX_BATCH_RATE}; got "${trimmed.slice(0, 60)}"`,
    );
  }
  return rate;
}

/** A `priority` value: high or normal, in any case. */
export function priorityOf(text: string, field = 'priority'): 'high' | 'normal' {
  const value = text.trim().toLowerCase();
  if (value === 'high' || value === 'normal') return value;
  throw new SendOptionError(field, `${field} must be high or normal; got "${text.trim().slice(0, 60)}"`);
}

/** The options of an upload from its raw values (absent: undefined), each checked by its own rule. */
export function sendOptionsOf(
  raw: { sendAt?: string; maxRate?: string; priority?: string },
  now: Date,
): SendOptions {
  return {
    ...(raw.sendAt === undefined || raw.sendAt.trim() === '' ? {} : { sendAt: sendAtOf(raw.sendAt, now) }),
    ...(raw.maxRate === undefined || raw.maxRate.trim() === '' ? {} : { maxRate: maxRateOf(raw.maxRate) }),
    priority: raw.priority === undefined || raw.priority.trim() === '' ? 'normal' : priorityOf(raw.priority),
  };
}
