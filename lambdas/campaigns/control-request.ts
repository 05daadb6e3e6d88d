import { mediaTypeOf } from '../core/http/csv-body.js';
import { HttpError } from '../core/http/http-error.js';

/** What a control request may say: why (any action), and when (a reschedule). */
export interface ControlRequest {
  reason?: string;
  sendAt?: string;
}

/** A marketer's note on a pause, a resume or a cancel is kept up to this many characters. */
export const MAX_CONTROL_REASON = 500;

const JSON_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', ''];
const invalid = (message: string) => new HttpError(400, message, { problem: 'INVALID_BODY' });

/**
 * The body of POST /campaigns/{batchId}/pause|resume|cancel|schedule: none, or a JSON object with an
 * optional `reason` (kept with the change of state) and, for a schedule, `sendAt` (also taken as a query
 * parameter, as an upload takes it).
 */
export function controlRequestOf(request: {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
  query: Record<string, string | undefined>;
}): ControlRequest {
  const text = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  const fromQuery = request.query.sendAt === undefined ? {} : { sendAt: request.query.sendAt };
  if (text.trim() === '') return fromQuery;
  const mediaType = mediaTypeOf(request.headers['content-type']);
  if (!JSON_TYPES.includes(mediaType) && !mediaType.endsWith('+json')) {
    throw new HttpError(415, `unsupported content type "${mediaType}": send a JSON object or no body`, {
      problem: 'UNSUPPORTED_CONTENT_TYPE',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`the body is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid('the body must be a JSON object, such as {"reason": "wrong subject"}');
  const { reason, sendAt, ...rest } = parsed as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw invalid(`unknown field(s) in the body: ${unknown.join(', ')}; it takes reason and sendAt`);
  if (reason !== undefined && (typeof reason !== 'string' || reason.trim().length > MAX_CONTROL_REASON))
    throw invalid(`reason must be a note of at most ${MAX_CONTROL_REASON} characters`);
  if (sendAt !== undefined && typeof sendAt !== 'string')
    throw invalid('sendAt must be an ISO-8601 date-time with its zone, as a string');
  return {
    ...fromQuery,
    ...(typeof reason === 'string' && reason.trim() !== '' ? { reason: reason.trim() } : {}),
    ...(typeof sendAt === 'string' ? { sendAt } : {}),
  };
}
