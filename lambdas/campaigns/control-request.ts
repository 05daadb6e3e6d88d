import { HttpError } from '../core/http/http-error.js';
import { type JsonBodyRequest, jsonBodyOf } from '../core/http/json-body.js';

/** What a control request may say: why (any action), and when (a reschedule). */
export interface ControlRequest {
  reason?: string;
  sendAt?: string;
}

/** A marketer's note on a pause, a resume or a cancel is kept up to this many characters. */
export const MAX_CONTROL_REASON = 500;

const invalid = (message: string) => new HttpError(400, message, { problem: 'INVALID_BODY' });

/**
 * The body of POST /campaigns/{batchId}/pause|resume|cancel|schedule: none, or a JSON object with an
 * optional `reason` (kept with the change of state) and, for a schedule, `sendAt` (also taken as a query
 * parameter, as an upload takes it).
 */
export function controlRequestOf(
  request: JsonBodyRequest & { query: Record<string, string | undefined> },
): ControlRequest {
  const { reason, sendAt } = jsonBodyOf(request, {
    fields: ['reason', 'sendAt'],
    example: '{"reason": "wrong subject"}',
    optional: true,
    unsupportedHint: 'or send no body at all',
  });
  if (reason !== undefined && (typeof reason !== 'string' || reason.trim().length > MAX_CONTROL_REASON))
    throw invalid(`reason must be a note of at most ${MAX_CONTROL_REASON} characters`);
  if (sendAt !== undefined && typeof sendAt !== 'string')
    throw invalid('sendAt must be an ISO-8601 date-time with its zone, as a string');
  return {
    ...(request.query.sendAt === undefined ? {} : { sendAt: request.query.sendAt }),
    ...(typeof reason === 'string' && reason.trim() !== '' ? { reason: reason.trim() } : {}),
    ...(typeof sendAt === 'string' ? { sendAt } : {}),
  };
}
