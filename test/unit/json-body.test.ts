import { describe, expect, it } from 'vitest';
import { HttpError } from '../../lambdas/core/http/http-error.js';
import { type JsonBodyRules, jsonBodyOf } from '../../lambdas/core/http/json-body.js';

const EXAMPLE = '{"reason": "wrong subject"}';
const needed: JsonBodyRules<'reason' | 'sendAt'> = {
  fields: ['reason', 'sendAt'],
  example: EXAMPLE,
  optional: false,
};
const optional = { ...needed, optional: true };

/** A request as the handlers pass it on: the body as text, or base64 as API Gateway hands binary. */
const request = (body: string | undefined, contentType?: string, base64 = false) => ({
  headers: contentType === undefined ? {} : { 'content-type': contentType },
  ...(body === undefined ? {} : { body: base64 ? Buffer.from(body).toString('base64') : body }),
  isBase64Encoded: base64,
});

/** The client's answer the reader throws: its status, message and problem. */
function refusalOf(run: () => unknown): { status: number; error: string; problem?: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return { status: error.statusCode, ...error.body };
    throw error;
  }
  throw new Error('expected an HttpError');
}

describe('a JSON request body', () => {
  it('is read as the object it holds, from text or from base64', () => {
    const body = '{"reason": "wrong link", "sendAt": "2026-12-01T09:00:00Z"}';
    const expected = { reason: 'wrong link', sendAt: '2026-12-01T09:00:00Z' };
    expect(jsonBodyOf(request(body, 'application/json'), needed)).toEqual(expected);
    expect(jsonBodyOf(request(body, 'application/json', true), needed)).toEqual(expected);
  });

  it('is read in UTF-8 from base64, and with a byte order mark before it', () => {
    expect(jsonBodyOf(request('{"reason": "café ☕"}', 'application/json', true), needed)).toEqual({
      reason: 'café ☕',
    });
    expect(jsonBodyOf(request('\uFEFF{"reason": "bom"}', 'application/json', true), needed)).toEqual({
      reason: 'bom',
    });
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON;charset="UTF-8"',
    'application/merge-patch+json',
    // What curl -d labels any body with, and what a plain fetch of a string sends.
    'application/x-www-form-urlencoded',
    'text/plain;charset=UTF-8',
  ])('is taken with the content type %s', (contentType) => {
    expect(jsonBodyOf(request('{"reason": "x"}', contentType), needed)).toEqual({ reason: 'x' });
  });

  it('is taken without a content type, as a hand-written client may send it', () => {
    expect(jsonBodyOf(request('{"reason": "x"}'), needed)).toEqual({ reason: 'x' });
  });

  it('is refused with 415 for another content type, naming it and what to send instead', () => {
    expect(refusalOf(() => jsonBodyOf(request('reason\nwhy', 'text/csv; charset=utf-8'), needed))).toEqual({
      status: 415,
      error: `unsupported content type "text/csv": send a JSON object such as ${EXAMPLE}`,
      problem: 'UNSUPPORTED_CONTENT_TYPE',
    });
    const hinted = { ...needed, unsupportedHint: 'PUT the file itself to the uploadUrl' };
    expect(refusalOf(() => jsonBodyOf(request('a,b', 'text/csv'), hinted)).error).toBe(
      `unsupported content type "text/csv": send a JSON object such as ${EXAMPLE}; PUT the file itself to the uploadUrl`,
    );
  });

  it('when empty, is a 400 where a body is needed, and no fields where it is optional', () => {
    for (const body of [undefined, '', '  \n']) {
      expect(refusalOf(() => jsonBodyOf(request(body, 'application/json'), needed))).toEqual({
        status: 400,
        error: `the body is empty: send a JSON object such as ${EXAMPLE}`,
        problem: 'INVALID_BODY',
      });
      expect(jsonBodyOf(request(body, 'application/json'), optional)).toEqual({});
    }
  });

  it('when empty, is not refused for its content type: there is nothing of that type', () => {
    expect(jsonBodyOf(request('', 'text/csv'), optional)).toEqual({});
    expect(refusalOf(() => jsonBodyOf(request('', 'text/csv'), needed)).status).toBe(400);
  });

  it('is refused with 400 when it is not JSON, saying why and showing an example', () => {
    const refusal = refusalOf(() => jsonBodyOf(request('{"reason": ', 'application/json'), needed));
    expect(refusal).toMatchObject({ status: 400, problem: 'INVALID_BODY' });
    expect(refusal.error).toMatch(/^the body is not valid JSON \(.+\); send an object such as /);
    expect(refusal.error.endsWith(EXAMPLE)).toBe(true);
  });

  it.each(['[]', '[{"reason": "x"}]', 'null', '42', '"wrong subject"', 'true'])(
    'is refused with 400 when it is JSON but %s, not an object',
    (body) => {
      expect(refusalOf(() => jsonBodyOf(request(body, 'application/json'), optional))).toEqual({
        status: 400,
        error: `the body must be a JSON object such as ${EXAMPLE}`,
        problem: 'INVALID_BODY',
      });
    },
  );

  it('is refused with 400 for a field the route does not take, listing those it does', () => {
    expect(
      refusalOf(() => jsonBodyOf(request('{"reason": "x", "by": "me"}', 'application/json'), needed)),
    ).toEqual({
      status: 400,
      error: 'unknown field(s) in the body: by; the fields are reason, sendAt',
      problem: 'INVALID_BODY',
    });
    const oneField = { fields: ['reason'], example: EXAMPLE, optional: false };
    expect(refusalOf(() => jsonBodyOf(request('{"why": "x"}'), oneField)).error).toBe(
      'unknown field(s) in the body: why; the body has one field, reason',
    );
  });

  it('names at most five unknown fields, each cut to 50 characters, however many a body has', () => {
    const body = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`${'f'.repeat(100)}${i}`, i]));
    const { error } = refusalOf(() => jsonBodyOf(request(JSON.stringify(body)), needed));
    expect(error).toBe(
      `unknown field(s) in the body: ${Array(5).fill('f'.repeat(50)).join(', ')} and 995 more; the fields are reason, sendAt`,
    );
  });

  it('refuses __proto__ as the unknown field it is', () => {
    expect(refusalOf(() => jsonBodyOf(request('{"__proto__": {"reason": "x"}}'), needed)).error).toBe(
      'unknown field(s) in the body: __proto__; the fields are reason, sendAt',
    );
  });

  it('leaves the values of known fields to the route: any JSON value is handed on', () => {
    expect(jsonBodyOf(request('{"reason": 7, "sendAt": null}'), needed)).toEqual({ reason: 7, sendAt: null });
  });
});
