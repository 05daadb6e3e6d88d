import { emailProblem, normaliseEmail } from '../core/domain/email-address.js';
import { parseInstantSpan } from '../core/domain/iso-instant.js';
import { isSendStatus, SEND_STATUSES, type SendStatus } from '../core/domain/send-status.js';
import type { SendFilter } from '../core/store/send-filter.js';
import { badUserInput } from './bad-user-input.js';

/** Arguments as GraphQL hands them over: an omitted argument is undefined, an explicit one may be null. */
export interface SendFilterArguments {
  status?: string | null;
  batchId?: string | null;
  from?: string | null;
  to?: string | null;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Generous for a UUID, and far below DynamoDB's 2 KB key limit. */
const MAX_BATCH_ID_LENGTH = 200;

const DATE_FORMS = 'an ISO-8601 date (2026-11-20) or date-time with a zone (2026-11-20T10:00:00Z)';

const quoted = (value: string) => JSON.stringify(value);

export function statusArgument(value: string): SendStatus {
  const status = value.trim().toUpperCase();
  if (!isSendStatus(status)) {
    throw badUserInput(
      'status',
      `Argument "status" must be one of ${SEND_STATUSES.join(', ')} (any case); got ${quoted(value)}.`,
    );
  }
  return status;
}

export function batchIdArgument(value: string): string {
  // Control characters never occur in an issued id; refusing them keeps odd bytes out of key conditions.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  if (value.length === 0 || value.length > MAX_BATCH_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    throw badUserInput(
      'batchId',
      `Argument "batchId" must be a batch id as returned by the upload (1 to ${MAX_BATCH_ID_LENGTH} printable characters); got ${quoted(value)}.`,
    );
  }
  return value;
}

function instantArgument(name: 'from' | 'to', value: string) {
  const span = parseInstantSpan(value.trim());
  if (span === undefined) {
    throw badUserInput(name, `Argument "${name}" must be ${DATE_FORMS}; got ${quoted(value)}.`);
  }
  return span;
}

/** Generous for the 32 hex digits of a sendId, and far below DynamoDB's 2 KB key limit. */
const MAX_SEND_ID_LENGTH = 200;

export function sendIdArgument(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  if (value.length === 0 || value.length > MAX_SEND_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    throw badUserInput(
      'sendId',
      `Argument "sendId" must be a send id as returned by emailSends (1 to ${MAX_SEND_ID_LENGTH} printable characters); got ${quoted(value)}.`,
    );
  }
  return value;
}

/** An address as the suppression list is keyed: trimmed and lower-cased, and one that can be mailed. */
export function emailArgument(value: string): string {
  const email = normaliseEmail(value);
  const problem = emailProblem(email);
  if (problem !== undefined) {
    throw badUserInput(
      'email',
      `Argument "email" must be an address (${problem}); got ${quoted(value.slice(0, 300))}.`,
    );
  }
  return email;
}

/** Validates the filter arguments shared by emailSends and emailSendsPage. */
export function sendFilterArguments(args: SendFilterArguments): SendFilter {
  const filter: SendFilter = {};
  if (args.status != null) filter.status = statusArgument(args.status);
  if (args.batchId != null) filter.batchId = batchIdArgument(args.batchId);
  return { ...filter, ...dateRangeArguments(args) };
}

/** Validates `from` and `to`: both inclusive, `from` not after `to`. */
export function dateRangeArguments(
  args: Pick<SendFilterArguments, 'from' | 'to'>,
): Pick<SendFilter, 'createdFrom' | 'createdTo'> {
  const filter: Pick<SendFilter, 'createdFrom' | 'createdTo'> = {};
  const from = args.from == null ? undefined : instantArgument('from', args.from);
  const to = args.to == null ? undefined : instantArgument('to', args.to);
  if (from && to && from.first > to.last) {
    throw badUserInput(
      'from',
      `Argument "from" must not be later than "to"; got from ${quoted(args.from ?? '')} and to ${quoted(args.to ?? '')}.`,
    );
  }
  if (from) filter.createdFrom = from.first.toISOString();
  if (to) filter.createdTo = to.last.toISOString();
  return filter;
}

export function pageSizeArgument(name: 'limit' | 'first', value: number | null | undefined): number {
  if (value == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badUserInput(
      name,
      `Argument "${name}" must be an integer from 1 to ${MAX_PAGE_SIZE} (${DEFAULT_PAGE_SIZE} when omitted); got ${value}.`,
    );
  }
  return value;
}
