import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodedEvent, MAX_DECODED_BODY_BYTES } from '../../lambdas/core/http/content-encoding.js';
import { HttpError } from '../../lambdas/core/http/http-error.js';
import { httpFunction } from '../../lambdas/core/http/http-function.js';
import { jsonResponse } from '../../lambdas/core/http/json-response.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

const TEXT = 'email,subject,content\nana@example.com,Hi,Hello\n';

const encoded = (body: Buffer, encoding: string, headers: Record<string, string> = {}) =>
  httpApiEvent({
    method: 'POST',
    path: '/campaigns/uploads',
    headers: { 'content-encoding': encoding, 'content-length': String(body.length), ...headers },
    body,
  });

const bodyOf = (event: APIGatewayProxyEventV2) =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');

function refusalOf(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected an HttpError');
}

describe('a compressed request body', () => {
  it('is unpacked from gzip, deflate (zlib or raw) and br, without the encoding and its stale length', () => {
    const codings: [string, Buffer][] = [
      ['gzip', gzipSync(TEXT)],
      ['x-gzip', gzipSync(TEXT)],
      ['deflate', deflateSync(TEXT)],
      ['deflate', deflateRawSync(TEXT)],
      ['br', brotliCompressSync(TEXT)],
      ['GZip, identity', gzipSync(TEXT)],
    ];
    for (const [coding, body] of codings) {
      const event = decodedEvent(encoded(body, coding));
      expect([coding, bodyOf(event)]).toEqual([coding, TEXT]);
      expect(event.headers).not.toHaveProperty('content-encoding');
      expect(event.headers).not.toHaveProperty('content-length');
    }
  });

  it('is unpacked through two codings, the last applied undone first', () => {
    const body = brotliCompressSync(gzipSync(TEXT));
    expect(bodyOf(decodedEvent(encoded(body, 'gzip, br')))).toBe(TEXT);
  });

  it('is left alone without a Content-Encoding, and passed on as it came with identity', () => {
    const plain = httpApiEvent({ method: 'POST', path: '/campaigns/uploads', body: TEXT });
    expect(decodedEvent(plain)).toBe(plain);
    expect(bodyOf(decodedEvent(encoded(Buffer.from(TEXT), 'identity')))).toBe(TEXT);
  });

  it('is a 415 naming an encoding it cannot undo, or more than two codings', () => {
    const zstd = refusalOf(() => decodedEvent(encoded(Buffer.from('x'), 'zstd')));
    expect([zstd.statusCode, zstd.message, zstd.details]).toEqual([
      415,
      'Content-Encoding "zstd" is not supported: send the body uncompressed or as gzip, x-gzip, deflate, br',
      { problem: 'UNSUPPORTED_CONTENT_ENCODING' },
    ]);
    const stacked = refusalOf(() => decodedEvent(encoded(Buffer.from('x'), 'gzip, gzip, gzip')));
    expect(stacked.statusCode).toBe(415);
  });

  it('is a 400 when the bytes are not what Content-Encoding says', () => {
    const error = refusalOf(() => decodedEvent(encoded(Buffer.from(TEXT), 'gzip')));
    expect([error.statusCode, error.details]).toEqual([400, { problem: 'INVALID_CONTENT_ENCODING' }]);
    expect(error.message).toBe(
      'the body is not valid gzip data although Content-Encoding says so (incorrect header check)',
    );
  });

  it('is a 413 when it unpacks to more than the limit: a zip bomb stops at the limit', () => {
    // 64 MB of zeros in 64 KB: unpacked in full it would hold 64 MB; zlib stops at the limit.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const error = refusalOf(() => decodedEvent(encoded(bomb, 'gzip')));
    expect([error.statusCode, error.message]).toEqual([
      413,
      `the body unpacks to more than ${MAX_DECODED_BODY_BYTES} bytes; at most ${MAX_DECODED_BODY_BYTES} are taken`,
    ]);
    const own = refusalOf(() =>
      decodedEvent(encoded(gzipSync(TEXT), 'gzip'), {
        maxBytes: TEXT.length - 1,
        tooLarge: (max) => new HttpError(413, `over ${max}`),
      }),
    );
    expect([own.statusCode, own.message]).toEqual([413, `over ${TEXT.length - 1}`]);
    expect(bodyOf(decodedEvent(encoded(gzipSync(TEXT), 'gzip'), { maxBytes: TEXT.length }))).toBe(TEXT);
  });

  it('reaches the handler of every HTTP function unpacked, and only once the route admitted the request', async () => {
    const seen: string[] = [];
    const handler = httpFunction('health', {}, async (event) => {
      seen.push(bodyOf(event));
      return jsonResponse(200, {});
    });
    const gzipped = httpApiEvent({
      method: 'GET',
      path: '/health',
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(TEXT),
    });
    expect((await handler(gzipped)).statusCode).toBe(200);
    expect(seen).toEqual([TEXT]);
    // A request for no route of the function is refused before its body is unpacked.
    const elsewhere = await handler({ ...gzipped, routeKey: 'GET /nowhere', body: 'not gzip' });
    expect(elsewhere.statusCode).toBe(404);
    const broken = await handler({ ...gzipped, body: Buffer.from('not gzip').toString('base64') });
    expect(broken.statusCode).toBe(400);
  });
});
