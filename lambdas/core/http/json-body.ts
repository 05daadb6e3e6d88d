import { mediaTypeOf } from './csv-body.js';
import { HttpError } from './http-error.js';

export interface JsonBodyRequest {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
}

/** What a route's JSON body is, for the reader's refusals; the route checks each field's value itself. */
export interface JsonBodyRules<Field extends string> {
  /** The fields the object may have, in the order a refusal of an unknown one lists them. */
  fields: readonly Field[];
  /** A body the route takes, shown in refusals: `{"reason": "wrong subject"}`. */
  example: string;
  /**
   * Whether a request without a body is one (its fields are all optional, or given elsewhere): it
   * reads as `{}`. Otherwise it is a 400 saying the body is empty.
   */
  optional: boolean;
  /** What the 415 adds for this route, after what to send: the likeliest mistake and its fix. */
  unsupportedHint?: string;
}

/**
 * JSON, and what `curl -d '{…}'` sends by default (it labels any -d body as a form); `+json` types are
 * JSON too. A body without a Content-Type is read as JSON: a hand-written client may send none.
 */
const JSON_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', ''];

/** Windows tools write one before UTF-8 text; RFC 8259 lets a reader ignore it, and JSON.parse does not. */
const BYTE_ORDER_MARK = '\uFEFF';

const invalid = (message: string) => new HttpError(400, message, { problem: 'INVALID_BODY' });

/** Names shown of a body's unknown fields: a hostile body may have thousands, or one of a megabyte. */
const MAX_NAMES_SHOWN = 5;

function namesOf(unknown: readonly string[]): string {
  const shown = unknown.slice(0, MAX_NAMES_SHOWN).map((name) => name.slice(0, 50));
  const more = unknown.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

const fieldsSaid = (fields: readonly string[]) =>
  fields.length === 1 ? `the body has one field, ${fields[0]}` : `the fields are ${fields.join(', ')}`;

/**
 * The JSON object a route's body holds, its fields not yet checked: a 415 for a body that is not JSON,
 * a 400 (INVALID_BODY) for an empty body where one is needed, text that is not JSON, JSON that is not an
 * object, or a field the route does not take; each naming what was wrong and showing the route's example.
 * A Content-Encoding was undone before (content-encoding.ts), so the body is bounded by its limit.
 */
export function jsonBodyOf<Field extends string>(
  request: JsonBodyRequest,
  rules: JsonBodyRules<Field>,
): Partial<Record<Field, unknown>> {
  const text = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  if (text.trim() === '') {
    if (rules.optional) return {};
    throw invalid(`the body is empty: send a JSON object such as ${rules.example}`);
  }
  const mediaType = mediaTypeOf(request.headers['content-type']);
  if (!JSON_TYPES.includes(mediaType) && !mediaType.endsWith('+json')) {
    const hint = rules.unsupportedHint === undefined ? '' : `; ${rules.unsupportedHint}`;
    throw new HttpError(
      415,
      `unsupported content type "${mediaType.slice(0, 100)}": send a JSON object such as ${rules.example}${hint}`,
      { problem: 'UNSUPPORTED_CONTENT_TYPE' },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw invalid(`the body is not valid JSON (${why}); send an object such as ${rules.example}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`the body must be a JSON object such as ${rules.example}`);
  }
  const known: readonly string[] = rules.fields;
  const unknown = Object.keys(parsed).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw invalid(`unknown field(s) in the body: ${namesOf(unknown)}; ${fieldsSaid(rules.fields)}`);
  }
  return parsed as Partial<Record<Field, unknown>>;
}
