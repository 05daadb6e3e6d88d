import {
  MAX_SUPPRESSION_NOTE,
  type SuppressionNote,
  SuppressionNoteSchema,
} from '../contract/api-schemas.js';
import { HttpError } from '../core/http/http-error.js';
import { type JsonBodyRequest, jsonBodyOf } from '../core/http/json-body.js';

const EXAMPLE = '{"reason": "asked us by phone not to mail her again"}';

/**
 * The body of PUT /suppressions/{email}: `{ "reason": "…" }`, a person's note on why the address is
 * suppressed (kept as the entry's `detail`), 1 to MAX_SUPPRESSION_NOTE characters once trimmed.
 */
export function suppressionNoteOf(request: JsonBodyRequest): SuppressionNote {
  const body = jsonBodyOf(request, { fields: ['reason'], example: EXAMPLE, optional: false });
  const note = SuppressionNoteSchema.safeParse(body);
  if (note.success) return note.data;
  throw new HttpError(
    400,
    `reason must be a note of 1 to ${MAX_SUPPRESSION_NOTE} characters saying why the address is suppressed, e.g. ${EXAMPLE}`,
    { problem: 'INVALID_BODY' },
  );
}
