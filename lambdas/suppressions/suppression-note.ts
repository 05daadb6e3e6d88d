import {
  MAX_SUPPRESSION_NOTE,
  type SuppressionNote,
  SuppressionNoteSchema,
} from '../contract/api-schemas.js';
import { mediaTypeOf } from '../core/http/csv-body.js';
import { HttpError } from '../core/http/http-error.js';

const EXAMPLE = '{"reason": "asked us by phone not to mail her again"}';

/** JSON, and what `curl -d '{…}'` sends by default (it labels any -d body as a form). */
const JSON_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', ''];

const invalid = (message: string) => new HttpError(400, message, { problem: 'INVALID_BODY' });

/**
 * The body of PUT /suppressions/{email}: `{ "reason": "…" }`, a person's note on why the address is
 * suppressed (kept as the entry's `detail`), 1 to MAX_SUPPRESSION_NOTE characters once trimmed.
 */
export function suppressionNoteOf(request: {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
}): SuppressionNote {
  const mediaType = mediaTypeOf(request.headers['content-type']);
  if (!JSON_TYPES.includes(mediaType) && !mediaType.endsWith('+json')) {
    throw new HttpError(
      415,
      `unsupported content type "${mediaType}": send a JSON object such as ${EXAMPLE}`,
      { problem: 'UNSUPPORTED_CONTENT_TYPE' },
    );
  }
  const text = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  if (text.trim() === '') throw invalid(`the body is empty: send a JSON object such as ${EXAMPLE}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw invalid(`the body is not valid JSON (${why}); send an object such as ${EXAMPLE}`);
  }
  const note = SuppressionNoteSchema.safeParse(parsed);
  if (note.success) return note.data;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`the body must be a JSON object such as ${EXAMPLE}`);
  }
  const unknown = Object.keys(parsed).filter((name) => name !== 'reason');
  if (unknown.length > 0) {
    throw invalid(`unknown field(s) in the body: ${unknown.join(', ')}; the body has one field, reason`);
  }
  throw invalid(
    `reason must be a note of 1 to ${MAX_SUPPRESSION_NOTE} characters saying why the address is suppressed, e.g. ${EXAMPLE}`,
  );
}
