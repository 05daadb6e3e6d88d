import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import busboy from 'busboy';
import { ONE_CLICK_BODY, ONE_CLICK_FIELD, ONE_CLICK_VALUE } from '../core/domain/list-unsubscribe.js';
import { HttpError } from '../core/http/http-error.js';

/**
 * The body of an unsubscribe POST: RFC 8058 has a mail client send the form `List-Unsubscribe=One-Click`,
 * as application/x-www-form-urlencoded (Gmail, `curl -d`) or multipart/form-data (the RFC's own
 * example); the GET page's button sends the same urlencoded form. Anything else is refused, naming the
 * body wanted: a POST that does not say one-click is not one.
 */

/** The one field, its value and a boundary fit in far less: more is no mail client's request. */
export const MAX_ONE_CLICK_BODY_BYTES = 1024;

const URLENCODED = 'application/x-www-form-urlencoded';
const FORM_TYPES = [URLENCODED, 'multipart/form-data'];

export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(
    413,
    `the body is larger than ${maxBytes} bytes; an unsubscribe request is the form ${ONE_CLICK_BODY}`,
  );
}

function notOneClick(): HttpError {
  return new HttpError(
    400,
    `the body must be the form ${ONE_CLICK_BODY} (application/x-www-form-urlencoded or multipart/form-data), as RFC 8058 has mail clients send it`,
  );
}

/** Throws the client's error unless the request's body is the one-click form. */
export async function requireOneClick(event: APIGatewayProxyEventV2): Promise<void> {
  const bytes = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_ONE_CLICK_BODY_BYTES) throw tooLarge(MAX_ONE_CLICK_BODY_BYTES);
  // A client that names no type sends what curl -d and forms send.
  const contentType = event.headers?.['content-type'] ?? URLENCODED;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!FORM_TYPES.includes(mediaType)) {
    throw new HttpError(
      415,
      `unsupported content type "${mediaType.slice(0, 100)}": send the form ${ONE_CLICK_BODY} as application/x-www-form-urlencoded or multipart/form-data`,
      { problem: 'UNSUPPORTED_CONTENT_TYPE' },
    );
  }
  const fields = await formFields(contentType, bytes);
  if (fields.get(ONE_CLICK_FIELD) !== ONE_CLICK_VALUE) throw notOneClick();
}

/** The form's text fields (the first value of each name); a malformed form is not the one-click form. */
function formFields(contentType: string, bytes: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { fields: 10, fieldSize: MAX_ONE_CLICK_BODY_BYTES, files: 0, parts: 10 },
      });
    } catch {
      // A multipart type without its boundary, say.
      reject(notOneClick());
      return;
    }
    // A file part is no field of the form: read past it.
    parser.on('file', (_name: string, stream: NodeJS.ReadableStream) => stream.resume());
    parser.on('field', (name: string, value: string) => {
      if (!fields.has(name)) fields.set(name, value);
    });
    parser.on('close', () => resolve(fields));
    parser.on('error', () => reject(notOneClick()));
    parser.end(bytes);
  });
}
