import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { HttpError } from './http-error.js';

/**
 * The largest body a function takes once decoded, unless it says otherwise: API Gateway's HTTP API
 * refuses bodies above 10 MB, so a compressed body may not unpack to more than one sent plain could be.
 */
export const MAX_DECODED_BODY_BYTES = 10 * 1024 * 1024;

/** The codings a client may apply (RFC 9110 §8.4.1), with what undoes each. */
const DECODERS: Record<string, (bytes: Buffer, maxOutputLength: number) => Buffer> = {
  gzip: (bytes, maxOutputLength) => gunzipSync(bytes, { maxOutputLength }),
  'x-gzip': (bytes, maxOutputLength) => gunzipSync(bytes, { maxOutputLength }),
  // HTTP's "deflate" is zlib-wrapped (RFC 1950), but some clients send raw deflate (RFC 1951).
  deflate: (bytes, maxOutputLength) => {
    try {
      return inflateSync(bytes, { maxOutputLength });
    } catch (error) {
      if (isOverLimit(error)) throw error;
      return inflateRawSync(bytes, { maxOutputLength });
    }
  },
  br: (bytes, maxOutputLength) => brotliDecompressSync(bytes, { maxOutputLength }),
};

export const SUPPORTED_CONTENT_ENCODINGS = Object.keys(DECODERS);

/** More codings than this on one body is no client's doing. */
const MAX_CODINGS = 2;

/** zlib's refusal once an output would pass `maxOutputLength`: it stops there, never holding more. */
const isOverLimit = (error: unknown) =>
  error instanceof RangeError && (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';

export interface BodyDecodingOptions {
  /** The largest decoded body taken; MAX_DECODED_BODY_BYTES when not given. */
  maxBytes?: number;
  /** The 413 for a body that unpacks to more than `maxBytes`; a plain one naming the limit otherwise. */
  tooLarge?: (maxBytes: number) => HttpError;
}

function unsupported(coding: string): HttpError {
  return new HttpError(
    415,
    `Content-Encoding "${coding.slice(0, 50)}" is not supported: send the body uncompressed or as ${SUPPORTED_CONTENT_ENCODINGS.join(', ')}`,
    { problem: 'UNSUPPORTED_CONTENT_ENCODING' },
  );
}

const defaultTooLarge = (maxBytes: number) =>
  new HttpError(413, `the body unpacks to more than ${maxBytes} bytes; at most ${maxBytes} are taken`);

/**
 * The body as it was before the client's Content-Encoding, or the event unchanged when it has none.
 * Each coding is undone with zlib's `maxOutputLength`, which stops inflating at the limit: a small
 * body that would unpack to gigabytes (a zip bomb) costs at most `maxBytes` of memory and is a 413.
 */
export function decodedEvent(event: APIGatewayProxyEventV2, options: BodyDecodingOptions = {}) {
  const header = event.headers?.['content-encoding'];
  if (header === undefined || event.body === undefined) return event;
  // Applied in the order listed, so undone from the last.
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return withoutEncoding(event, undefined);
  const unknown = codings.find((coding) => DECODERS[coding] === undefined);
  if (unknown !== undefined) throw unsupported(unknown);
  if (codings.length > MAX_CODINGS) throw unsupported(header);

  const maxBytes = options.maxBytes ?? MAX_DECODED_BODY_BYTES;
  let bytes: Buffer = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  for (const coding of [...codings].reverse()) {
    try {
      bytes = (DECODERS[coding] as (typeof DECODERS)[string])(bytes, maxBytes);
    } catch (error) {
      if (isOverLimit(error)) throw (options.tooLarge ?? defaultTooLarge)(maxBytes);
      throw new HttpError(
        400,
        `the body is not valid ${coding} data although Content-Encoding says so (${error instanceof Error ? error.message : String(error)})`,
        { problem: 'INVALID_CONTENT_ENCODING' },
      );
    }
  }
  return withoutEncoding(event, bytes);
}

/** The event as if the client had sent `bytes` plain: no Content-Encoding, and no stale length. */
function withoutEncoding(event: APIGatewayProxyEventV2, bytes: Buffer | undefined): APIGatewayProxyEventV2 {
  const { 'content-encoding': _coding, 'content-length': _length, ...headers } = event.headers ?? {};
  if (bytes === undefined) return { ...event, headers };
  return { ...event, headers, body: bytes.toString('base64'), isBase64Encoded: true };
}

/**
 * Undoes the request's Content-Encoding before the handler reads the body: what a web server does
 * for its application, and what API Gateway does not (it passes a gzip body on as it came).
 */
export function bodyDecoding(
  options: BodyDecodingOptions = {},
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    before: (request) => {
      request.event = decodedEvent(request.event, options);
    },
  };
}
